"""Claim: a full epoch order from ``Permutation`` beats ``np.random.permutation`` and
``torch.randperm`` in time at n = 1e8, with at most 64 MiB peak memory (O(1) in n).

Each measurement runs in a fresh subprocess that reports its wall time and its peak resident
memory above the baseline after imports (``ru_maxrss``). seedlock consumes the order chunk by
chunk (``Permutation.chunks()``), as a sampler does; the baselines materialise it. A 2**40-element
permutation (64-bit cipher words) is timed on its first 1e7 positions.

    python benchmarks/permutation.py [--sizes 1e7 1e8] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import numpy as np
import torch
from seedlock.data import Permutation
method, n, limit = sys.argv[1], int(float(sys.argv[2])), int(float(sys.argv[3]))
torch.set_num_threads(1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if method == "seedlock":
    total = 0
    for chunk in Permutation(n, seed=42).chunks(0, limit):
        total += chunk.size
    assert total == limit
elif method == "numpy":
    np.random.default_rng(42).permutation(n)
else:
    torch.randperm(n, generator=torch.Generator().manual_seed(42))
seconds = time.perf_counter() - start
peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "elements": limit}))
"""


def measure(method: str, n: float, limit: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, method, str(n), str(limit)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def best(method: str, n: float, limit: float, repeats: int) -> dict[str, float]:
    runs = [measure(method, n, limit) for _ in range(repeats)]
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e7, 1e8])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"{'n':>8} {'method':>10} {'seconds':>8} {'peak MiB':>9} {'speed-up':>9}")
    for n in args.sizes:
        results = {m: best(m, n, n, args.repeats) for m in ("seedlock", "numpy", "torch")}
        ours = results["seedlock"]["seconds"]
        for method, r in results.items():
            ratio = r["seconds"] / ours
            print(
                f"{n:>8.0e} {method:>10} {r['seconds']:>8.2f} {r['peak_mib']:>9.1f} "
                f"{'' if method == 'seedlock' else f'{ratio:.2f}x':>9}"
            )
    wide = best("seedlock", 2**40, 1e7, args.repeats)
    print(
        f"n=2**40: first 1e7 positions in {wide['seconds']:.2f} s "
        f"({wide['seconds'] / 1e7 * 1e9:.0f} ns/element), peak {wide['peak_mib']:.1f} MiB"
    )


if __name__ == "__main__":
    main()
