"""Claim: a sweep adds little over running the same commands in a shell loop (goal <= 1.2x).

Runs ``python -c pass`` N times (default 20) through ``seedlock.sweep.run_sweep`` (jobs=1, a
fresh store) and through a plain ``sh`` loop, and prints both wall times and the ratio. It also
times one bare child started with ``seedlock run``'s environment (start-up hook, no store), to
show how much of the per-run cost is the hook inside the child rather than the sweep machinery.

    python benchmarks/sweep_overhead.py [--runs 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time


def _best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from seedlock.launch import child_env
    from seedlock.sweep import run_sweep

    python = sys.executable
    loop = f"for i in $(seq {args.runs}); do {shlex.quote(python)} -c pass; done"
    counter = iter(range(10**6))

    def shell() -> None:
        subprocess.run(["sh", "-c", loop], check=True)

    def sweep() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_sweep(
                f"bench{next(counter)}",
                [python, "-c", "pass"],
                list(range(args.runs)),
                jobs=1,
                store=os.path.join(tmp, "runs.db"),
            )
            assert result.ok, result.failed

    def hooked_children() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(args.runs):
                env = child_env(seed=seed, run_id=f"{seed:012x}", run_dir=tmp)
                subprocess.run([python, "-c", "pass"], env=env, check=True)

    shell_s = _best(shell, args.repeat)
    sweep_s = _best(sweep, args.repeat)
    hooked_s = _best(hooked_children, args.repeat)
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"shell loop, {args.runs} x python -c pass:        {shell_s:7.2f} s")
    print(f"run_sweep,  {args.runs} x python -c pass (jobs 1): {sweep_s:7.2f} s")
    print(f"  of which children with the start-up hook:     {hooked_s:7.2f} s")
    print(f"ratio sweep / shell loop: {sweep_s / shell_s:.2f}x (goal <= 1.2x)")
    print(f"ratio sweep / hooked children: {sweep_s / hooked_s:.2f}x (the sweep machinery itself)")


if __name__ == "__main__":
    main()
