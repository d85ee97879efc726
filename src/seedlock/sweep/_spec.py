"""The persisted description of a sweep: its command template and its seed list.

Determinism contract: a sweep's seeds are fixed once, when it is first started (random seeds are
drawn from OS entropy then and written down), so ``--resume`` and re-runs use exactly the same
seeds. The file is versioned JSON, written atomically and read by a validating loader.

A sweep that *varies streams* (``vary``) keeps the root seed at ``base_seed`` and gives only the
varied streams the sweep's seeds, one stream at a time or jointly (``design``); its runs are its
*cells*, numbered in the order of :attr:`SweepSpec.cells`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seedlock._base import limits, persist
from seedlock._errors import SeedlockError, StateError

__all__ = [
    "DESIGNS",
    "PLACEHOLDER",
    "SPEC_FORMAT",
    "SPEC_VERSION",
    "SweepSpec",
    "check_name",
    "command_for",
    "draw_seeds",
    "load_spec",
    "parse_seeds",
    "save_spec",
    "spec_path",
]

#: The ``kind`` of a sweep file's header.
SPEC_FORMAT = "seedlock-sweep"
# Version 2 added the stream design (vary, design, base_seed); version 1 files still load.
# Files written before the common header say {"format": "seedlock-sweep", "version": N}.
SPEC_VERSION = 2
#: How the streams of a ``vary`` sweep change: one at a time, or every combination.
DESIGNS = ("one-at-a-time", "factorial")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_MAX_RANDOM = limits.MAX_SEEDS
# Random sweep seeds are 32-bit so that `{seed}` works with every framework's seed argument.
_RANDOM_BITS = 32


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs: the command template (with ``{seed}``) and its seeds.

    Attributes:
        name: the sweep's name (also the ``sweep`` field of its runs in the store).
        command: the command, ``{seed}`` not yet replaced.
        seeds: every seed of the sweep, in order.
        random: whether the seeds were drawn from entropy (``--seeds N``).
        deterministic: runs use deterministic mode.
        threads: thread pools pinned to this many threads, or ``None``.
        created: when the sweep was first started (Unix time).
        vary: the streams this sweep varies (empty: the root seed varies, as usual).
        design: ``"one-at-a-time"`` or ``"factorial"`` when ``vary`` is set.
        base_seed: the root seed every cell of a ``vary`` sweep keeps.
    """

    name: str
    command: list[str]
    seeds: list[int]
    random: bool = False
    deterministic: bool = False
    threads: int | None = None
    created: float = 0.0
    vary: list[str] = field(default_factory=list)
    design: str = ""
    base_seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, starting with the ``{"kind", "format"}`` header."""
        return {**persist.header(SPEC_FORMAT, SPEC_VERSION), **asdict(self)}

    @property
    def cells(self) -> list[dict[str, int]]:
        """The stream roots of each run of a ``vary`` sweep (empty for a plain sweep).

        Example:
            >>> spec = SweepSpec("s", ["t"], [0, 1], vary=["data", "global"], design="factorial")
            >>> len(spec.cells), spec.cells[1]
            (4, {'data': 0, 'global': 1})
        """
        if not self.vary:
            return []
        if self.design == "factorial":
            return [
                dict(zip(self.vary, combo, strict=True))
                for combo in itertools.product(self.seeds, repeat=len(self.vary))
            ]
        return [{stream: seed} for stream in self.vary for seed in self.seeds]

    @property
    def keys(self) -> list[int]:
        """What a run of this sweep is known by: its seed, or its cell number for ``vary``."""
        return list(range(len(self.cells))) if self.vary else list(self.seeds)

    def describe(self, key: int) -> str:
        """A short label for the run ``key`` (``seed 3`` or ``data=3,global=1``)."""
        if not self.vary:
            return f"seed {key}"
        from seedlock._seed import format_streams

        return format_streams(self.cells[key])


def check_name(name: str) -> str:
    """``name`` if it is a valid sweep name (it names a file next to the store).

    Example:
        >>> check_name("adam-lr0.1")
        'adam-lr0.1'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SeedlockError(
            f"sweep name must be 1-100 letters, digits, '.', '_' or '-' starting with a letter or "
            f"digit, got {name!r}. Example: --name adam-lr0.1"
        )
    return name


def parse_seeds(text: str) -> list[int] | int:
    """A ``--seeds`` argument: ``"0-19"`` (inclusive range), ``"0,3,7"``, ``"0-4,10"``, or ``"N"``.

    A single int ``N`` means N random seeds (returned as the int ``N``; the seeds are drawn when the
    sweep starts). A range or list gives the seeds themselves, duplicates dropped, order kept. Use
    ``"5-5"`` for the single seed 5.

    Raises:
        SeedlockError: empty lists, reversed ranges, negative or non-integer seeds.

    Example:
        >>> parse_seeds("0-3"), parse_seeds("7,3,7"), parse_seeds("20")
        ([0, 1, 2, 3], [7, 3], 20)
    """
    spec = text.strip()
    if re.search(rf"\d{{{len(str(limits.MAX_SWEEP_SEED)) + 1}}}", spec):
        raise SeedlockError(
            f"--seeds has a number of more than {len(str(limits.MAX_SWEEP_SEED))} digits; seeds "
            f"are ints in [0, 2**63 - 1]."
        )
    hint = "Use 0-19 (a range), 0,3,7 (a list) or 20 (twenty random seeds)."
    if re.fullmatch(r"\d+", spec):
        count = int(spec)
        if not 1 <= count <= _MAX_RANDOM:
            raise SeedlockError(
                f"--seeds {text!r} asks for {count} random seeds; give 1 to {_MAX_RANDOM}. {hint}"
            )
        return count
    seeds: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high < low:
                raise SeedlockError(f"--seeds range {part!r} is empty (end before start). {hint}")
            if high - low >= _MAX_RANDOM:
                raise SeedlockError(f"--seeds range {part!r} has more than {_MAX_RANDOM} seeds.")
            if high > limits.MAX_SWEEP_SEED:
                raise SeedlockError(f"--seeds {part!r}: seeds are ints in [0, 2**63 - 1].")
            seeds.extend(range(low, high + 1))
        elif re.fullmatch(r"\d+", part):
            if int(part) > limits.MAX_SWEEP_SEED:
                raise SeedlockError(f"--seeds {part!r}: seeds are ints in [0, 2**63 - 1].")
            seeds.append(int(part))
        elif part:
            raise SeedlockError(f"--seeds {text!r}: {part!r} is not a seed or a range. {hint}")
        if len(seeds) > limits.MAX_SEEDS:
            raise SeedlockError(
                f"--seeds {text[:40]!r} gives more than {limits.MAX_SEEDS} seeds (counting every "
                "range and list); split the sweep."
            )
    if not seeds:
        raise SeedlockError(f"--seeds {text!r} gives no seeds. {hint}")
    return list(dict.fromkeys(seeds))


def draw_seeds(count: int, exclude: Sequence[int] = ()) -> list[int]:
    """``count`` distinct fresh seeds from OS entropy, none of them in ``exclude``."""
    taken = set(exclude)
    seeds: list[int] = []
    while len(seeds) < count:
        seed = secrets.randbits(_RANDOM_BITS)
        if seed not in taken:
            taken.add(seed)
            seeds.append(seed)
    return seeds


def spec_path(store_path: str | os.PathLike[str], name: str) -> Path:
    """Where the spec of sweep ``name`` lives: ``<store dir>/sweeps/<name>.json``.

    Example:
        >>> spec_path("/tmp/x/runs.db", "adam").as_posix()
        '/tmp/x/sweeps/adam.json'
    """
    return Path(store_path).parent / "sweeps" / f"{check_name(name)}.json"


def save_spec(spec: SweepSpec, path: Path) -> None:
    """Write ``spec`` atomically (a crash leaves the old file or the new one, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(spec.to_dict(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise StateError(
            f"sweep file {str(path)!r} has an invalid {key!r}: {value!r}. It is corrupt; delete "
            "it to start the sweep afresh (its runs stay in the store)."
        )
    return value


def load_spec(path: Path) -> SweepSpec | None:
    """The spec at ``path``, or ``None`` when there is none.

    Raises:
        StateError: the file is not a seedlock sweep file, is corrupt, or is from a newer version.
    """
    fix = "Delete it to start the sweep afresh (its runs stay in the store)."
    try:
        data = persist.read_json(path, what="sweep file", fix=fix)
    except FileNotFoundError:
        return None
    persist.check_header(
        data,
        kind=SPEC_FORMAT,
        current=SPEC_VERSION,
        what=f"the seedlock sweep file {str(path)!r}",
        legacy={SPEC_FORMAT: 1},
        fix=fix,
    )
    command = _field(data, "command", list, path)
    seeds = _field(data, "seeds", list, path)
    threads = data.get("threads")
    if (
        not command
        or not all(isinstance(part, str) for part in command)
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
        or len(seeds) > limits.MAX_SEEDS
        or not all(isinstance(s, int) and s <= limits.MAX_SWEEP_SEED for s in seeds)
        or not (
            threads is None
            or isinstance(threads, int)
            and not isinstance(threads, bool)
            and 1 <= threads <= limits.MAX_THREADS
        )
    ):
        raise StateError(
            f"sweep file {str(path)!r} has an invalid command, seed list or thread count. "
            "Delete it to start the sweep afresh (its runs stay in the store)."
        )
    vary = data.get("vary", [])
    design = data.get("design", "")
    base_seed = data.get("base_seed", 0)
    if (
        not isinstance(vary, list)
        or not all(isinstance(v, str) and v for v in vary)
        or len(set(vary)) != len(vary)
        or (design not in DESIGNS if vary else design != "")
        or isinstance(base_seed, bool)
        or not isinstance(base_seed, int)
        or base_seed < 0
    ):
        raise StateError(
            f"sweep file {str(path)!r} has an invalid stream design (vary={vary!r}, "
            f"design={design!r}, base_seed={base_seed!r}). Delete it to start the sweep afresh "
            "(its runs stay in the store)."
        )
    return SweepSpec(
        name=check_name(_field(data, "name", str, path)),
        command=list(command),
        seeds=list(seeds),
        random=bool(_field(data, "random", bool, path)),
        deterministic=bool(_field(data, "deterministic", bool, path)),
        threads=threads,
        created=float(_field(data, "created", (int, float), path)),
        vary=list(vary),
        design=design,
        base_seed=base_seed,
    )


#: Replaced by each seed in a sweep's command.
PLACEHOLDER = "{seed}"


def command_for(command: Sequence[str], seed: int) -> list[str]:
    """The command of one seed: every ``{seed}`` replaced by the seed.

    Example:
        >>> command_for(["python", "train.py", "--seed={seed}", "--out", "run{seed}"], 7)
        ['python', 'train.py', '--seed=7', '--out', 'run7']
    """
    return [part.replace(PLACEHOLDER, str(seed)) for part in command]
