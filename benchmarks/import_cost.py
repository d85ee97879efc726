"""Claim: ``import seedlock`` costs at most 0.03 s more than ``import numpy`` and imports no
framework; ``seedlock.fingerprint()`` and ``seedlock.doctor()`` stay cheap and import none either.

Each measurement runs in a fresh interpreter (so nothing is cached in ``sys.modules``), the two
imports alternate so machine load hits both alike, and the median over the repetitions is
reported.

Usage (from the repository root)::

    python benchmarks/import_cost.py [--reps 40]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys

FRAMEWORKS = ("torch", "tensorflow", "jax", "keras", "scipy", "matplotlib", "ray", "mlflow")
GOAL_EXTRA_S = 0.03

_TIMED_IMPORT = """
import time
t = time.perf_counter()
import {module}
print(time.perf_counter() - t)
"""

_TIMED_CALLS = """
import json, sys, time
import seedlock
t = time.perf_counter(); seedlock.fingerprint(); first = time.perf_counter() - t
t = time.perf_counter(); seedlock.fingerprint(); again = time.perf_counter() - t
t = time.perf_counter(); seedlock.doctor(); doctor = time.perf_counter() - t
loaded = sorted(m for m in {frameworks!r} if m in sys.modules)
print(json.dumps([first, again, doctor, loaded]))
"""

_LOADED_AFTER_IMPORT = """
import sys
import seedlock
print(sorted(m for m in {frameworks!r} if m in sys.modules))
"""


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _self_times_us(module: str) -> dict[str, int]:
    """Self import time of every module ``import module`` loads (``-X importtime``)."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    matches = (
        re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line) for line in err.splitlines()
    )
    return {m.group(2): int(m.group(1)) for m in matches if m}


def _extra_modules(reps: int) -> list[tuple[str, float]]:
    """Modules ``import seedlock`` adds to ``import numpy``: median self time, largest first."""
    runs = []
    for _ in range(reps):
        numpy_mods = _self_times_us("numpy")
        runs.append({k: v for k, v in _self_times_us("seedlock").items() if k not in numpy_mods})
    names = set().union(*runs)
    medians = {name: statistics.median(run.get(name, 0) for run in runs) for name in names}
    return sorted(medians.items(), key=lambda item: -item[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40, help="fresh interpreters per measurement")
    reps = parser.parse_args().reps

    numpy_s, seedlock_s = [], []
    for _ in range(reps):
        numpy_s.append(float(_python(_TIMED_IMPORT.format(module="numpy"))))
        seedlock_s.append(float(_python(_TIMED_IMPORT.format(module="seedlock"))))
    numpy_med = statistics.median(numpy_s)
    seedlock_med = statistics.median(seedlock_s)
    extra = seedlock_med - numpy_med
    print(f"python {sys.version.split()[0]}, {reps} fresh interpreters each, medians")
    print(f"import numpy     {numpy_med * 1e3:8.1f} ms")
    print(f"import seedlock  {seedlock_med * 1e3:8.1f} ms  (imports numpy itself)")
    print(
        f"extra over numpy {extra * 1e3:8.1f} ms  = {extra:.4f} s  "
        f"(ratio {seedlock_med / numpy_med:.2f}x; goal <= {GOAL_EXTRA_S} s: "
        f"{'met' if extra <= GOAL_EXTRA_S else 'NOT met'})"
    )

    extra_modules = _extra_modules(max(reps // 4, 3))
    total_ms = sum(us for _, us in extra_modules) / 1e3
    top = ", ".join(f"{name} {us / 1e3:.1f}" for name, us in extra_modules[:8])
    print(
        f"-X importtime: {len(extra_modules)} modules beyond numpy, {total_ms:.1f} ms; "
        f"top (ms): {top}"
    )

    calls = [
        json.loads(_python(_TIMED_CALLS.format(frameworks=FRAMEWORKS)))
        for _ in range(max(reps // 4, 3))
    ]
    first = statistics.median(c[0] for c in calls)
    again = statistics.median(c[1] for c in calls)
    doctor = statistics.median(c[2] for c in calls)
    print(f"fingerprint() first call {first * 1e3:8.1f} ms, later calls {again * 1e3:6.1f} ms")
    print(f"doctor()                 {doctor * 1e3:8.1f} ms")

    after_import = _python(_LOADED_AFTER_IMPORT.format(frameworks=FRAMEWORKS))
    after_calls = sorted({m for c in calls for m in c[3]})
    ok = after_import == "[]" and not after_calls
    print(
        f"frameworks in sys.modules after `import seedlock`: {after_import}; "
        f"after doctor()+fingerprint(): {after_calls}"
    )
    print(f"{'OK' if ok else 'FAIL'}: no framework among {', '.join(FRAMEWORKS)} was imported")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
