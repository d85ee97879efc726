"""Claim: deterministic mode (``seedlock run --deterministic`` / ``seed_everything(seed,
deterministic=True)``) costs at most 10% of the training step time of the bundled CNN.

Deterministic mode sets ``CUBLAS_WORKSPACE_CONFIG`` before the process starts and switches on
``torch.use_deterministic_algorithms``, ``cudnn.deterministic`` and off ``cudnn.benchmark``. Each
configuration trains in a fresh interpreter (the variables only act before CUDA starts), the
configurations alternate over the repetitions, and the median step time of each and the median of
the paired (same-repetition) ratios are reported for the bundled example's CNN
(``examples/digits.py``, batch 32) and a larger conv net (32x32 inputs, batch 64 on CUDA, 8 on
CPU). The baseline is what a user gets otherwise: torch's defaults, seeded the same way. On a CUDA
machine ``cudnn.benchmark=True`` (the usual speed setting) is timed as well. Without CUDA the
numbers are CPU numbers, where deterministic mode changes little; the GPU claim needs a GPU machine.

Usage (from the repository root)::

    python benchmarks/determinism_cost.py [--steps 200] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.10

_CHILD = r"""
import importlib.util, json, sys, time
import torch
from torch import nn
import seedlock

mode, model_name, steps, device = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
seedlock.seed_everything(0, deterministic=(mode == "deterministic"))
if mode == "benchmark":
    torch.backends.cudnn.benchmark = True
if device == "cpu":
    torch.set_num_threads(1)
if model_name == "digits":
    spec = importlib.util.spec_from_file_location("digits_example", sys.argv[5])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model, shape = module.Net(), (32, 1, 8, 8)
else:
    model = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 10),
    )
    shape = (64 if device == "cuda" else 8, 3, 32, 32)
model = model.to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(*shape, device=device)
y = torch.randint(0, 10, (shape[0],), device=device)

def run(n):
    for _ in range(n):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if device == "cuda":
        torch.cuda.synchronize()

run(10)
start = time.perf_counter()
run(steps)
print(json.dumps((time.perf_counter() - start) / steps))
"""


def _child_env(mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    env.pop("CUBLAS_WORKSPACE_CONFIG", None)
    if mode == "deterministic":
        from seedlock.determinism import deterministic_env

        env.update(deterministic_env())
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps (digits CNN)")
    parser.add_argument("--reps", type=int, default=5, help="fresh processes per configuration")
    args = parser.parse_args()
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    modes = ["default", "deterministic"] + (["benchmark"] if device == "cuda" else [])
    if device == "cuda":
        print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    else:
        print(
            f"torch {torch.__version__}, CPU (1 thread): no CUDA here; deterministic mode "
            "matters on GPUs, so the GPU numbers need a GPU machine"
        )
    digits = str(ROOT / "examples" / "digits.py")
    ratios = {}
    larger_steps = max(args.steps // 20, 10)
    for model, steps in (("digits", args.steps), ("larger", larger_steps)):
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.reps):
            for mode in modes:
                times[mode].append(_time_with(mode, model, steps, device, digits))
        median = {mode: statistics.median(values) for mode, values in times.items()}
        # Both modes run back to back in every repetition; the median of those paired ratios
        # cancels drift in machine load better than a ratio of medians.
        paired = zip(times["deterministic"], times["default"], strict=True)
        ratios[model] = statistics.median(d / b for d, b in paired)
        cells = "  ".join(f"{mode} {median[mode] * 1e3:8.2f} ms/step" for mode in modes)
        print(f"{model:<8} {cells}  deterministic/default {ratios[model]:.3f}")
        if "benchmark" in median:
            bench = zip(times["deterministic"], times["benchmark"], strict=True)
            versus = statistics.median(d / b for d, b in bench)
            print(f"{'':<8} deterministic/benchmark {versus:.3f}")
    verdict = "meets" if ratios["digits"] <= GOAL else "MISSES"
    print(f"bundled CNN ratio {ratios['digits']:.3f} on {device}: {verdict} the goal of <= {GOAL}")
    return 0


def _time_with(mode: str, model: str, steps: int, device: str, digits: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, model, str(steps), device, digits],
        cwd=ROOT,
        env=_child_env(mode),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main())
