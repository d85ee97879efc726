"""Running a trainer script of this folder in a new process, as the resume tests do.

Each script takes ``OUT WORKERS MODE...`` and prints one line per mode; a resume in a new process
is what proves that the checkpoint, not the live process, carries the state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_script(
    script: Path, out: Path, workers: int, modes: tuple[str, ...], env: Mapping[str, str] = {}
) -> list[list[str]]:
    """The words of each line the script printed; fails the test when the script fails."""
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)}
    full_env.pop("SEEDLOCK_SEED", None)
    done = subprocess.run(
        [sys.executable, str(script), str(out), str(workers), *modes],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [line.split() for line in done.stdout.splitlines()]


def step_digests(
    script: Path, out: Path, workers: int, modes: tuple[str, ...], env: Mapping[str, str] = {}
) -> dict[str, str]:
    """``{mode: weights digest}`` from lines ``MODE DIGEST STEPS``: a stop ends at step 9, every
    other mode at step 18."""
    results = {}
    for parts in run_script(script, out, workers, modes, env):
        if len(parts) == 3 and parts[0] in modes:
            results[parts[0]] = parts[1]
            assert parts[2] == ("9" if parts[0] == "stop" else "18"), parts
    assert set(results) == set(modes), results
    return results
