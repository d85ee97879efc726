"""Running a trainer script of this folder in new processes, as the resume and DDP tests do.

Each script takes ``OUT WORKERS MODE...`` and prints one line per mode; a resume in a new process
is what proves that the checkpoint, not the live process, carries the state. :func:`run_ranks`
starts one process per rank with the variables ``torchrun`` sets (gloo on CPU).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: Left in ``os.environ`` by runs inside the test process; a script must start without them.
_LEFTOVERS = ("SEEDLOCK_SEED", "SEEDLOCK_STREAMS", "PL_GLOBAL_SEED")


def _environ(env: Mapping[str, str]) -> dict[str, str]:
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)}
    for name in _LEFTOVERS:
        full_env.pop(name, None)
    return full_env


def _words(done: subprocess.CompletedProcess[str]) -> list[list[str]]:
    assert done.returncode == 0, done.stderr[-3000:]
    return [line.split() for line in done.stdout.splitlines()]


def run_script(
    script: Path, out: Path, workers: int, modes: tuple[str, ...], env: Mapping[str, str] = {}
) -> list[list[str]]:
    """The words of each line the script printed; fails the test when the script fails."""
    done = subprocess.run(
        [sys.executable, str(script), str(out), str(workers), *modes],
        capture_output=True,
        text=True,
        env=_environ(env),
        timeout=600,
    )
    return _words(done)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_ranks(
    script: Path, args: tuple[str, ...], world: int = 2, env: Mapping[str, str] = {}
) -> list[list[list[str]]]:
    """Run ``script ARGS`` as ranks ``0..world-1`` of one job, as ``torchrun`` starts them.

    Returns the words of each line each rank printed; fails the test when any rank fails.
    """
    port = str(_free_port())
    processes = []
    for rank in range(world):
        ranks = {
            **dict.fromkeys(("RANK", "LOCAL_RANK"), str(rank)),
            **dict.fromkeys(("WORLD_SIZE", "LOCAL_WORLD_SIZE"), str(world)),
            **{"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, "NODE_RANK": "0"},
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, str(script), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_environ({**env, **ranks}),
            )
        )
    done = []
    for process in processes:
        try:
            out, err = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    # A rank that fails takes the others down with it: show the first failure's own message.
    failed = [f"rank {r}: {d.stderr[-3000:]}" for r, d in enumerate(done) if d.returncode]
    assert not failed, "\n".join(failed)
    return [_words(d) for d in done]


def step_digests(
    script: Path, out: Path, workers: int, modes: tuple[str, ...], env: Mapping[str, str] = {}
) -> dict[str, str]:
    """``{mode: weights digest}`` from lines ``MODE DIGEST STEPS``: a stop ends at step 9, every
    other mode at step 18."""
    return digests(run_script(script, out, workers, modes, env), modes)


def digests(lines: list[list[str]], modes: tuple[str, ...]) -> dict[str, str]:
    """``{mode: weights digest}`` from a script's lines ``MODE DIGEST STEPS`` (see step_digests)."""
    results = {}
    for parts in lines:
        if len(parts) == 3 and parts[0] in modes:
            results[parts[0]] = parts[1]
            assert parts[2] == ("9" if parts[0] == "stop" else "18"), parts
    assert set(results) == set(modes), results
    return results


#: Per rank, ``{mode: (weights digest, [the ints of each "seen" line the mode printed])}``.
Ranks = list[dict[str, tuple[str, list[list[int]]]]]


def rank_runs(
    script: Path, out: Path, workers: int, modes: tuple[str, ...], env: Mapping[str, str] = {}
) -> Ranks:
    """Run ``script OUT WORKERS MODE...`` on 2 ranks: each rank's digests and ``seen`` lines."""
    results = []
    for lines in run_ranks(script, (str(out), str(workers), *modes), env=env):
        found: dict[str, str] = digests(lines, modes)
        seen: dict[str, list[list[int]]] = {}
        steps: list[list[int]] = []
        for parts in lines:
            if parts[0] == "seen":
                steps.append([int(word) for word in parts[1:]])
            elif parts[0] in modes:
                seen[parts[0]], steps = steps, []
        results.append({mode: (found[mode], seen[mode]) for mode in modes})
    return results
