"""``seed_everything``: one call that seeds every framework in the process, now or at its import.

Determinism contract: for a root seed ``r`` each framework's global RNG gets
``framework_seed(r)`` (``r`` itself for ints below ``2**32``), so ``seed_everything(42)`` draws
exactly what ``random.seed(42); np.random.seed(42); torch.manual_seed(42);
tf.random.set_seed(42)`` draws, whatever the order of imports. The root is recorded and exported
as ``$SEEDLOCK_SEED`` so that derived streams and child processes agree.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from seedlock import _seed
from seedlock._base import validate
from seedlock._base.record import Frozen
from seedlock.frameworks import (
    FRAMEWORKS,
    Change,
    Settings,
    configure,
    install_hook,
    record_seeded,
)

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

__all__ = ["SeedReport", "seed_everything"]


def _log() -> logging.Logger:
    # Imported on first use: seeding from an explicit seed never logs, and the start-up hook of
    # `seedlock run` pays for every module it imports in each Python process of a run.
    import logging

    return logging.getLogger("seedlock")


_HASH_WARNING = (
    "PYTHONHASHSEED was not set when this interpreter started; set-iteration order of str varies "
    "between runs. Use `seedlock run` or export PYTHONHASHSEED"
)


class SeedReport(Frozen):
    """What :func:`seed_everything` did.

    Attributes:
        seed: the root seed (replay the run with ``seed_everything(report.seed)``).
        source: where the root came from: ``"argument"``, ``"env"`` (``$SEEDLOCK_SEED``),
            ``"broadcast"`` (rank 0 of a distributed run) or ``"entropy"``.
        frameworks: each framework seeded now, with the seed it was given.
        streams: the streams given their own root (``{"data": 3}``); empty when every stream
            uses ``seed``. The ``global`` stream's root seeds the frameworks.
        pending: frameworks installed but not imported yet; they are seeded at their import.
        changes: determinism flags, env vars and thread settings applied.
        warnings: hazards that seeding cannot fix from inside this process.
    """

    __slots__ = ("seed", "source", "frameworks", "streams", "pending", "changes", "warnings")
    seed: int
    source: str
    frameworks: dict[str, int]
    streams: dict[str, int]
    pending: list[str]
    changes: list[Change]
    warnings: list[str]

    def __init__(  # noqa: PLR0913 - one parameter per field
        self,
        seed: int,
        source: str,
        frameworks: dict[str, int] | None = None,
        streams: dict[str, int] | None = None,
        pending: list[str] | None = None,
        changes: list[Change] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self._init(
            seed=seed,
            source=source,
            frameworks={} if frameworks is None else frameworks,
            streams={} if streams is None else streams,
            pending=[] if pending is None else pending,
            changes=[] if changes is None else changes,
            warnings=[] if warnings is None else warnings,
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict of the report (the root seed as an int).

        Example:
            >>> report = seed_everything(42)
            >>> report.to_dict()["seed"]
            42
        """
        return {
            "seed": self.seed,
            "source": self.source,
            "frameworks": dict(self.frameworks),
            "streams": dict(self.streams),
            "pending": list(self.pending),
            "changes": [change.to_dict() for change in self.changes],
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        seeded = ", ".join(f"{name}={value}" for name, value in self.frameworks.items())
        lines = [f"seedlock: root seed {self.seed} ({self.source})", f"  seeded: {seeded or '-'}"]
        if self.streams:
            lines.append(f"  own stream roots: {_seed.format_streams(self.streams)}")
        if self.pending:
            lines.append(f"  seeded at import: {', '.join(self.pending)}")
        for change in self.changes:
            what = "set" if change.effective else "too late to set"
            note = f" - {change.note}" if change.note else ""
            lines.append(f"  {what} {change.target}={change.value}{note}")
        lines.extend(f"  warning: {text}" for text in self.warnings)
        return "\n".join(lines)


def _check_threads(threads: object) -> int | None:
    return validate.check_threads(threads, func="seed_everything")


_hash_checked: dict[str | None, bool] = {}


def _hash_randomised() -> bool:
    if not sys.flags.hash_randomization:
        return False
    # The answer is fixed at interpreter start; only the variable's current text can change it.
    text = os.environ.get("PYTHONHASHSEED")
    known = _hash_checked.get(text)
    if known is None:
        from seedlock.frameworks.python import hash_seed_fixed

        # hash_seed_fixed also catches PYTHONHASHSEED exported too late, inside this process.
        known = _hash_checked[text] = not hash_seed_fixed()
    return known


def _resolve_root(seed: object, warnings: list[str]) -> tuple[int, str]:
    if seed is not None:
        return _seed.normalize_seed(seed), "argument"
    env = os.environ.get(_seed.ENV_VAR, "").strip()
    if env:
        return _seed.parse_seed_text(env), "env"
    from seedlock import distributed

    info = distributed.rank_info()
    if info.world > 1:
        if distributed.process_group_ready():
            return distributed.broadcast_root(_seed.draw_entropy_seed()), "broadcast"
        text = (
            f"this is rank {info.rank} of {info.world} ({info.source}) but no torch.distributed "
            f"process group is initialised and ${_seed.ENV_VAR} is unset, so every rank drew its "
            "own root seed and the ranks disagree. Call init_process_group() before "
            f"seed_everything(), pass a seed, or export {_seed.ENV_VAR}."
        )
        warnings.append(text)
        _log().warning("seedlock: %s", text)
    return _seed.draw_entropy_seed(), "entropy"


def seed_everything(
    seed: int | str | None = None,
    *,
    deterministic: bool = False,
    warn_only: bool = False,
    threads: int | None = None,
    streams: Mapping[str, int | str] | None = None,
) -> SeedReport:
    """Seed Python, NumPy, torch, TensorFlow, Keras, CuPy (and JAX keys) from one root seed.

    Frameworks already imported are seeded now; the others are seeded when they are imported,
    so nothing is imported here and import order does not matter.

    Args:
        seed: an int in ``[0, 2**128)`` or a non-empty str. ``None`` takes ``$SEEDLOCK_SEED``,
            else rank 0's seed in a distributed run, else a fresh seed from OS entropy (logged).
        deterministic: also switch on deterministic algorithms (torch, cuDNN, cuBLAS, TF, XLA).
        warn_only: with ``deterministic``, warn instead of failing on ops without a
            deterministic implementation (torch).
        threads: pin intra-op thread counts to this many threads.
        streams: give named streams their own root, e.g. ``{"data": 3}`` to change the data
            order alone; ``"global"`` re-roots the framework RNGs (initialisation, dropout).
            ``None`` takes ``$SEEDLOCK_STREAMS``; ``{}`` clears every override. See
            ``seedlock.STREAMS`` for the streams seedlock itself uses.

    Returns:
        A :class:`SeedReport` naming the root seed, what was seeded and every setting changed.

    Raises:
        SeedlockError: for invalid seeds or arguments (``SeedlockTypeError`` for wrong types).

    Example:
        >>> import random
        >>> report = seed_everything(42)
        >>> a = random.random()
        >>> random.seed(42)
        >>> a == random.random() and report.frameworks["python"] == 42
        True
    """
    deterministic = validate.check_bool(
        deterministic, func="seed_everything", param="deterministic"
    )
    warn_only = validate.check_bool(warn_only, func="seed_everything", param="warn_only")
    threads = _check_threads(threads)
    if streams is None:
        text = os.environ.get(_seed.STREAMS_ENV_VAR, "").strip()
        own = _seed.parse_streams(text) if text else {}
    else:
        own = _seed.normalize_streams(streams, name="seed_everything(streams=...)")
    warnings: list[str] = []
    root, source = _resolve_root(seed, warnings)
    if seed is None:
        _log().info(
            "seedlock: root seed %d (from %s); replay with seed_everything(%d) or %s=%d",
            root,
            source,
            root,
            _seed.ENV_VAR,
            root,
        )
    _seed._set_root(root)
    _seed._set_streams(own)
    os.environ[_seed.ENV_VAR] = str(root)
    if own:
        os.environ[_seed.STREAMS_ENV_VAR] = _seed.format_streams(own)
    else:
        os.environ.pop(_seed.STREAMS_ENV_VAR, None)

    settings = Settings(
        _seed.framework_seed(own.get("global", root)),
        deterministic=deterministic,
        warn_only=warn_only,
        threads=threads,
    )
    changes: list[Change] = []
    if deterministic or threads:
        from seedlock import determinism

        if deterministic:
            changes += determinism.enable_env()
        if threads:
            changes += determinism.pin_threads(threads)
    frameworks: dict[str, int] = {}
    for framework in FRAMEWORKS:
        if framework.is_loaded():
            # Seeded here rather than through frameworks' apply(): torch's lazy CUDA seeding formats
            # the whole call stack, so every extra frame costs time.
            framework.seed(settings.seed)
            frameworks[framework.name] = settings.seed
            changes += configure(framework, settings)
    record_seeded(frameworks)
    pending = install_hook(settings, FRAMEWORKS)
    # Deterministic mode already reports hash randomisation as a change that came too late.
    if _hash_randomised() and not any(c.target == "python.hash_randomization" for c in changes):
        warnings.append(_HASH_WARNING)
    return SeedReport(root, source, frameworks, own, pending, changes, warnings)
