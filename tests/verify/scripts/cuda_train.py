"""A small conv net trained on CUDA (atomics-heavy backward kernels); saves its weights."""

import torch
from torch import nn

model = nn.Sequential(
    nn.Conv2d(3, 32, 3),
    nn.ReLU(),
    nn.Conv2d(32, 32, 3),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(32, 10),
).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(128, 3, 32, 32, device="cuda")
y = torch.randint(0, 10, (128,), device="cuda")
for step in range(1, 21):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.10f}")
torch.save(model.state_dict(), "model.pt")
