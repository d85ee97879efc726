"""Signals and launched commands: each child in its own process group, ended as a whole.

Determinism contract: nothing here touches randomness. A command started by ``run_command`` runs
in a new session (its own process group), so a terminal's Ctrl-C reaches seedlock alone; while
:class:`forward_signals` is active, SIGINT, SIGTERM and SIGHUP reaching seedlock are passed to
every running command's whole group, and a group still alive :data:`GRACE_S` seconds later (or
at a second signal) gets SIGKILL. On Linux a child also gets SIGTERM when its launcher dies
(``PR_SET_PDEATHSIG``), so a SIGKILLed ``seedlock`` leaves nothing running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = [
    "GRACE_S",
    "clear_stop_request",
    "forward_signals",
    "popen_options",
    "stop_requested",
    "track_child",
]

#: Seconds between the signal passed on to a command's group and SIGKILL for what is left.
GRACE_S = 10.0
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.groups: set[int] = set()
        self.received: int | None = None
        self.depth = 0
        self.saved: dict[int, Any] = {}
        self.timer: threading.Timer | None = None


_state = _State()


def stop_requested() -> int | None:
    """The signal that asked seedlock to stop (SIGINT, SIGTERM, SIGHUP), or ``None``.

    Example:
        >>> stop_requested() is None
        True
    """
    return _state.received


def clear_stop_request() -> None:
    """Forget a signal received earlier (a new command-line call starts afresh)."""
    if _state.depth == 0:
        _state.received = None


def _kill_groups(signum: int) -> None:
    with _state.lock:
        groups = list(_state.groups)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def _handle(signum: int, frame: FrameType | None) -> None:
    second = _state.received is not None
    if not second:
        _state.received = signum
    if second:
        _kill_groups(signal.SIGKILL)
        return
    _kill_groups(signum)
    timer = threading.Timer(GRACE_S, _kill_groups, args=(signal.SIGKILL,))
    timer.daemon = True
    _state.timer = timer
    timer.start()


class forward_signals:  # noqa: N801  (used like a function: ``with forward_signals():``)
    """While active (in the main thread), pass SIGINT/SIGTERM/SIGHUP on to every tracked group.

    Nested uses share one set of handlers; the outermost exit restores the previous ones. In
    other threads it does nothing (Python delivers signals to the main thread only).
    """

    def __enter__(self) -> forward_signals:
        if threading.current_thread() is not threading.main_thread():
            return self
        if _state.depth == 0:
            _state.received = None
            for signum in _FORWARDED:
                _state.saved[signum] = signal.signal(signum, _handle)
        _state.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        if threading.current_thread() is not threading.main_thread() or _state.depth == 0:
            return
        _state.depth -= 1
        if _state.depth == 0:
            for signum, handler in _state.saved.items():
                signal.signal(signum, handler)
            _state.saved.clear()
            if _state.timer is not None:
                _state.timer.cancel()
                _state.timer = None


@contextlib.contextmanager
def track_child(proc: subprocess.Popen[bytes]) -> Any:
    """Register ``proc``'s process group for forwarding while the block runs.

    A signal that arrived before the child was registered is passed on at once.
    """
    pgid = proc.pid  # start_new_session: the child leads its own group
    with _state.lock:
        _state.groups.add(pgid)
    received = _state.received
    if received is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, received)
    try:
        yield
    finally:
        with _state.lock:
            _state.groups.discard(pgid)
        if _state.received is not None:
            _end_leftovers(pgid)


def _end_leftovers(pgid: int) -> None:
    """After a forwarded signal: what is left of the group gets SIGTERM, then SIGKILL."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    timer = threading.Timer(GRACE_S, lambda: _kill_one_group(pgid))
    timer.daemon = True
    timer.start()


def _kill_one_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send SIGTERM to the child when its launcher dies."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        # Resolved before the fork: the child only calls into libc, then exec replaces it.
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the launcher died between fork and prctl
            os._exit(143)

    return preexec


def popen_options() -> dict[str, Any]:
    """``subprocess.Popen`` options: a new session (own group) and death with the launcher."""
    options: dict[str, Any] = {"start_new_session": True}
    preexec = _die_with_parent()
    if preexec is not None:
        options["preexec_fn"] = preexec
    return options
