"""The local backend: up to ``jobs`` seeds at a time, each a ``run_command`` child process.

Determinism contract: each seed's run depends only on its seed and the sweep's flags; how many
run at once and in which order they finish changes nothing but wall time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from seedlock._errors import SeedlockError
from seedlock.launch import stop_requested

__all__ = ["run_local"]

_POLL_S = 0.5


def run_local(
    seeds: Sequence[int],
    run_one: Callable[[int], object],
    *,
    jobs: int,
    on_start: Callable[[int], None],
    on_done: Callable[[int, object | None, BaseException | None], None],
) -> bool:
    """Run ``run_one(seed)`` for every seed, at most ``jobs`` at a time.

    Threads only wait on child processes here, so they do not compete for the GIL. On Ctrl-C,
    SIGTERM or SIGHUP no new seed starts; the signal is passed on to every running seed's process
    group (see :func:`seedlock.launch.forward_signals`) and they are waited for; a second signal
    kills them.

    Returns:
        ``True`` when the sweep was interrupted.
    """
    if jobs < 1:
        raise SeedlockError(f"jobs must be >= 1, got {jobs}.")
    pending = deque(seeds)
    running: dict[Future[object], int] = {}
    interrupted = False
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="seedlock-sweep")
    try:
        while running or (pending and not interrupted):
            interrupted = interrupted or stop_requested() is not None
            try:
                while pending and not interrupted and len(running) < jobs:
                    seed = pending.popleft()
                    on_start(seed)
                    running[pool.submit(run_one, seed)] = seed
                done, _ = wait(running, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                if interrupted:
                    raise
                interrupted = True
                continue
            for future in done:
                seed = running.pop(future)
                error = future.exception()
                on_done(seed, None if error else future.result(), error)
    finally:
        pool.shutdown(wait=not interrupted or not running, cancel_futures=True)
    return interrupted
