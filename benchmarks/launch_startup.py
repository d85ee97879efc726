"""Start-up cost of seedlock's start-up hook in a Python child of ``seedlock run``.

Claim: the hook adds a bounded, one-off cost to interpreter start-up (it seeds before the user's
code runs), nothing at all when no run is active, and less than a user's own ``import seedlock;
seedlock.seed_everything(...)`` would cost plus the frameworks the script imports anyway.

Run from the repo root: ``python benchmarks/launch_startup.py``. Prints the median wall time of
``python -c pass`` over N runs in several settings (the run's main process also writes its
reports at exit) and their ratios against plain Python.

``python benchmarks/launch_startup.py --against OTHER/src`` compares this tree's hook with the
one of another checkout (say, the previous release): the two alternate run by run, and the
medians and their ratio are printed for the seeding hook and the hook with exit reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import cache_from_source

from seedlock.launch import _child, child_env
from seedlock.launch._run import HOOK_DIR

N = 15


def _median_seconds(env: dict[str, str], code: str = "pass") -> float:
    times = []
    for _ in range(N):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _python_prints(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _hook_env(src: str, run_dir: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    env.update(
        PYTHONPATH=os.pathsep.join([os.path.join(src, "seedlock", "launch", "_boot"), src]),
        SEEDLOCK_SEED="42",
        PYTHONHASHSEED="1",
    )
    if run_dir is not None:
        env.update(SEEDLOCK_RUN_DIR=run_dir, SEEDLOCK_RUN_ID="bench")
    return env


def _once(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


def compare(other: str, rounds: int) -> None:
    """This tree's hook against ``other`` (a ``src`` folder), alternating run by run."""
    ours = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(_child.__file__))))
    trees = {"this tree": ours, "other": os.path.abspath(other)}
    for src in trees.values():
        if not os.path.isfile(os.path.join(src, "seedlock", "launch", "_boot", "sitecustomize.py")):
            raise SystemExit(f"{src} holds no seedlock start-up hook; pass a checkout's src folder")
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as run_dir:
        for _ in range(rounds):
            for label, src in trees.items():
                for mode, directory in (("seeding", None), ("seeding + reports", run_dir)):
                    elapsed = _once(_hook_env(src, directory))
                    times.setdefault((mode, label), []).append(elapsed)
    print(f"python -c pass under the hook, median of {rounds} alternating runs (ms):")
    for mode in ("seeding", "seeding + reports"):
        mine = statistics.median(times[(mode, "this tree")])
        theirs = statistics.median(times[(mode, "other")])
        print(
            f"  {mode:<18} this tree {mine * 1e3:7.1f}   other {theirs * 1e3:7.1f}   "
            f"ratio {mine / theirs:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="SRC", help="another checkout's src folder")
    parser.add_argument("--rounds", type=int, default=N)
    args = parser.parse_args()
    if args.against:
        compare(args.against, args.rounds)
        return
    base = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    plain = _median_seconds(base)
    idle_hook = _median_seconds({**base, "PYTHONPATH": HOOK_DIR})
    active = _median_seconds(child_env(seed=42))
    with tempfile.TemporaryDirectory() as run_dir:
        # The main process of a run also writes doctor.json and fingerprint.json at exit.
        reporting = _median_seconds(child_env(seed=42, run_id="bench", run_dir=run_dir))
    no_numpy = _python_prints(child_env(seed=42), "import sys; print('numpy' in sys.modules)")
    manual = _median_seconds(base, "import seedlock; seedlock.seed_everything(42)")
    numpy_only = _median_seconds(base, "import numpy")
    print(f"python -c pass, median of {N} (ms):")
    print(f"  plain python                      {plain * 1e3:7.1f}  1.00x")
    print(f"  hook on path, no run active       {idle_hook * 1e3:7.1f}  {idle_hook / plain:.2f}x")
    print(f"  hook seeding (seedlock run child) {active * 1e3:7.1f}  {active / plain:.2f}x")
    print(f"  hook seeding + reports at exit    {reporting * 1e3:7.1f}  {reporting / plain:.2f}x")
    print(f"  manual import + seed_everything   {manual * 1e3:7.1f}  {manual / plain:.2f}x")
    print(f"  import numpy alone                {numpy_only * 1e3:7.1f}  {numpy_only / plain:.2f}x")
    print(f"hook seeding vs manual seeding: {active / manual:.2f}x")
    print(f"numpy imported by the hook: {no_numpy}")
    compiled = os.path.exists(cache_from_source(_child.__file__))
    cache = "present" if compiled else "absent (PYTHONDONTWRITEBYTECODE?): compiled at each start"
    print(f"seedlock bytecode cache: {cache}")


if __name__ == "__main__":
    main()
