"""The issue's case: before step 6's forward (loop index 5) a clock value is added in place."""

import time

import torch
from torch import nn

torch.set_num_threads(1)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for step in range(8):  # loop index 5 runs optimizer step 6
    if step == 5:
        with torch.no_grad():
            model[2].weight += time.time_ns() % 1_000_003 * 1e-7
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.8f}")
