"""Trains a tiny model; at step 5 a value from the clock is added to a weight."""

import time

import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.out = torch.nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


torch.set_num_threads(1)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for step in range(1, 9):
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    if step == 5:
        with torch.no_grad():
            model.out.weight[0, 0] += time.time_ns() % 1_000_003 * 1e-7
    optimizer.step()
    print(f"step {step} loss {loss.item():.8f}")
