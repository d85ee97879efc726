"""Claim: ``import seedlock`` imports no framework, NumPy included, so it costs less than
``import numpy``; in a program that imports NumPy anyway it adds at most 0.03 s; seeding and
deriving (``seed_everything``, ``derive``) import no NumPy either; ``seedlock.fingerprint()`` and
``seedlock.doctor()`` stay cheap and import no framework.

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

FRAMEWORKS = (
    "numpy",
    "torch",
    "tensorflow",
    "jax",
    "keras",
    "scipy",
    "matplotlib",
    "ray",
    "mlflow",
)
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

_LOADED_AFTER_SEEDING = """
import sys
import seedlock
seedlock.seed_everything(1)
seedlock.derive("data", "shuffle", 0)
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


def _seedlock_modules(reps: int) -> list[tuple[str, float]]:
    """Modules ``import seedlock`` loads: median self time, largest first."""
    runs = [_self_times_us("seedlock") for _ in range(reps)]
    plain = _self_times_us("sys")
    names = set().union(*runs) - set(plain)
    medians = {name: statistics.median(run.get(name, 0) for run in runs) for name in names}
    return sorted(medians.items(), key=lambda item: -item[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40, help="fresh interpreters per measurement")
    reps = parser.parse_args().reps

    numpy_s, seedlock_s, both_s = [], [], []
    for _ in range(reps):
        numpy_s.append(float(_python(_TIMED_IMPORT.format(module="numpy"))))
        seedlock_s.append(float(_python(_TIMED_IMPORT.format(module="seedlock"))))
        both_s.append(float(_python(_TIMED_IMPORT.format(module="numpy, seedlock"))))
    numpy_med = statistics.median(numpy_s)
    seedlock_med = statistics.median(seedlock_s)
    both_med = statistics.median(both_s)
    extra = both_med - numpy_med
    print(f"python {sys.version.split()[0]}, {reps} fresh interpreters each, medians")
    print(f"import numpy            {numpy_med * 1e3:8.1f} ms")
    print(
        f"import seedlock         {seedlock_med * 1e3:8.1f} ms  "
        f"({seedlock_med / numpy_med:.2f}x import numpy; NumPy is not imported)"
    )
    print(
        f"import numpy, seedlock  {both_med * 1e3:8.1f} ms  extra over numpy {extra * 1e3:.1f} ms "
        f"(goal <= {GOAL_EXTRA_S * 1e3:.0f} ms: {'met' if extra <= GOAL_EXTRA_S else 'NOT met'})"
    )

    modules = _seedlock_modules(max(reps // 4, 3))
    total_ms = sum(us for _, us in modules) / 1e3
    top = ", ".join(f"{name} {us / 1e3:.1f}" for name, us in modules[:8])
    print(
        f"-X importtime: `import seedlock` loads {len(modules)} modules, {total_ms:.1f} ms; "
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
    after_seeding = _python(_LOADED_AFTER_SEEDING.format(frameworks=FRAMEWORKS))
    after_calls = sorted({m for c in calls for m in c[3]})
    ok = after_import == "[]" and after_seeding == "[]" and not after_calls
    print(
        f"frameworks in sys.modules after `import seedlock`: {after_import}; after "
        f"seed_everything()+derive(): {after_seeding}; after doctor()+fingerprint(): {after_calls}"
    )
    print(f"{'OK' if ok else 'FAIL'}: no framework among {', '.join(FRAMEWORKS)} was imported")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
