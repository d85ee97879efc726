"""``seedlock.verify(fn)``: call a function several times from one seed and compare its results.

Determinism contract: each call starts from ``seed_everything(seed)`` — in a fresh interpreter
with ``PYTHONHASHSEED`` derived from the seed (``mode="subprocess"``), or inside ``isolate()`` so
the caller's RNG state is untouched (``mode="inprocess"``) — and results are compared exactly.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._seed import draw_entropy_seed, normalize_seed
from seedlock._verify._compare import OutputDifference, compare_outputs, to_portable
from seedlock._verify._report import VerifyResult
from seedlock.frameworks.python import hash_seed_for

__all__ = ["verify"]

_MODES = ("subprocess", "inprocess")


def _child(
    fn: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any], seed: int, conn: Any
) -> None:
    try:
        from seedlock._everything import seed_everything

        seed_everything(seed)
        conn.send(("ok", to_portable(fn(*args, **kwargs))))
    except BaseException as exc:  # noqa: BLE001  (every failure goes back to the parent)
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()


def _run_subprocesses(
    fn: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any], seed: int, n: int
) -> list[object]:
    try:
        pickle.dumps((fn, args, kwargs))
    except Exception as exc:  # noqa: BLE001  (pickling fails with many exception types)
        raise SeedlockError(
            f"verify(mode='subprocess') sends {getattr(fn, '__qualname__', fn)!r} and its "
            f"arguments to fresh interpreters, but they cannot be pickled ({exc}). Define the "
            "function at the top level of an importable module, or pass mode='inprocess'."
        ) from exc
    context = multiprocessing.get_context("spawn")
    hash_seed = str(hash_seed_for(seed))
    saved = os.environ.get("PYTHONHASHSEED")
    started = []
    # Spawned interpreters read PYTHONHASHSEED from our environment when they start.
    os.environ["PYTHONHASHSEED"] = hash_seed
    try:
        for _ in range(n):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(fn, args, kwargs, seed, sender))
            process.start()
            sender.close()
            started.append((process, receiver))
    finally:
        if saved is None:
            os.environ.pop("PYTHONHASHSEED", None)
        else:
            os.environ["PYTHONHASHSEED"] = saved
    values = []
    try:
        for index, (process, receiver) in enumerate(started, start=1):
            try:
                message = receiver.recv()
            except EOFError:
                message = ("error", "the process died without a result", "")
            process.join()
            if message[0] != "ok":
                raise SeedlockError(
                    f"verify: run {index} of {getattr(fn, '__qualname__', fn)!r} raised "
                    f"{message[1]}\n{message[2]}"
                )
            values.append(message[1])
    finally:
        # After a failed run (or Ctrl-C) the other runs are not wanted: stop them rather than
        # leave them computing until the interpreter's exit joins them.
        for process, receiver in started:
            if process.is_alive():
                process.terminate()
            process.join()
            receiver.close()
    return values


def _run_inprocess(
    fn: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any], seed: int, n: int
) -> list[object]:
    from seedlock._base import rootseed
    from seedlock._everything import seed_everything
    from seedlock.state import isolate

    values = []
    with rootseed.preserved():
        for _ in range(n):
            with isolate():
                seed_everything(seed)
                values.append(to_portable(fn(*args, **kwargs)))
    return values


def verify(
    fn: Callable[..., object],
    *args: Any,
    n: int = 2,
    seed: int | str | None = 42,
    mode: str = "subprocess",
    **kwargs: Any,
) -> VerifyResult:
    """Call ``fn(*args, **kwargs)`` ``n`` times from the same seed and compare the results exactly.

    Results may be numbers, strings, NumPy arrays, tensors (PyTorch, JAX, TensorFlow) and nested
    dicts/lists/tuples of them. ``mode="subprocess"`` runs each call in a fresh interpreter
    (``fn`` and its arguments must pickle: a top-level function of an importable module);
    ``mode="inprocess"`` runs them here inside ``seedlock.isolate()``, so the caller's RNG state
    is left as it was (but ``PYTHONHASHSEED`` cannot change in a running process).

    Args:
        fn: the function to check.
        *args: positional arguments for ``fn``.
        n: how many calls (at least 2).
        seed: the root seed of every call; ``None`` draws one from OS entropy.
        mode: ``"subprocess"`` or ``"inprocess"``.
        **kwargs: keyword arguments for ``fn``.

    Returns:
        A :class:`VerifyResult`, true when every call returned a bit-identical result.

    Raises:
        SeedlockError: a bad ``n``, ``seed`` or ``mode``, a call that raised, or a function that
            cannot be sent to a subprocess.
        SeedlockTypeError: a result of a type that cannot be compared.

    Example:
        >>> import random
        >>> def draw(): return [random.random() for _ in range(3)]
        >>> bool(verify(draw, mode="inprocess"))
        True
    """
    validate.check_count(
        n, func="verify", param="n", low=2, high=limits.MAX_RUNS, fix="(calls to compare)"
    )
    if mode not in _MODES:
        raise SeedlockError(
            f"verify(mode=...) accepts {' or '.join(map(repr, _MODES))}, got {mode!r}."
        )
    if not callable(fn):
        raise SeedlockTypeError(
            f"verify needs a callable as its first argument, got {type(fn).__name__}. "
            "Pass the function itself, e.g. seedlock.verify(train, epochs=1)."
        )
    root = draw_entropy_seed() if seed is None else normalize_seed(seed)
    runner = _run_subprocesses if mode == "subprocess" else _run_inprocess
    values = runner(fn, args, kwargs, root, n)
    differences: list[OutputDifference] = []
    for index, value in enumerate(values[1:], start=2):
        differences += compare_outputs(values[0], value, run=index)
    return VerifyResult(
        identical=not differences,
        runs=n,
        seed=root,
        differences=differences,
        compared={"results": n},
    )
