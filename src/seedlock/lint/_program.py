"""Whole-program rule: a global RNG drawn by a program whose entry point never seeds (SL013).

Each file contributes :class:`ProgramFacts` (its global draws, whether it seeds any RNG, its
imports, whether it runs as a program: an ``if __name__ == "__main__":`` block or a loop at
module level, as a script's ``for epoch in range(n):``). Entry points are the configured
``entry-points`` or, without them, the checked files that run as a program and that no other
checked file (tests aside) imports: a library module's own demo block is no program.
From each entry point the imports are followed through the checked files; a program in which
no reached file seeds anything (``random.seed``, ``np.random.seed``, ``torch.manual_seed``,
any ``seed_everything`` / ``set_seed``, ``tf.random.set_seed``, ...) draws different numbers on
every run, and its draws are reported, naming the entry point. A draw that a seeded program
also reaches is not reported (that program is reproducible).

Determinism contract: a pure function of the facts and the entry points; entry points are
visited in sorted order and each draw is reported once, under the first entry point that
reaches it unseeded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from seedlock.lint._rule import Rule

__all__ = ["RULES", "SL013", "ProgramFacts", "program_findings"]

SL013 = Rule(
    "SL013",
    "unseeded-program-draw",
    "warning",
    "Global np.random / random / torch draw in a program whose entry point never seeds any RNG.",
    "Seed once at the entry point: seedlock.seed_everything(seed) before anything draws.",
    "so the numbers drawn change on every run",
)
RULES = (SL013,)

_MAX_SUFFIX = 8


@dataclass(frozen=True)
class ProgramFacts:
    """What the whole-program pass needs from one file.

    Attributes:
        draws: ``(line, column, call as shown)`` of each global draw not silenced by ``# noqa``.
        seeds: whether the file calls anything that seeds a global RNG.
        imports: ``(level, module, names)`` of each ``import`` / ``from ... import``.
        main: whether the file runs as a program: an ``if __name__ == "__main__":`` block, or
            a loop at module level (a script).

    Example:
        >>> ProgramFacts((), True, (), False).seeds
        True
    """

    draws: tuple[tuple[int, int, str], ...]
    seeds: bool
    imports: tuple[tuple[int, str, tuple[str, ...]], ...]
    main: bool


def draw_message(shown: str, entry: str) -> str:
    """The SL013 message for a draw of ``shown`` reached from ``entry``.

    Example:
        >>> draw_message("np.random.rand", "train.py").startswith("global np.random.rand()")
        True
    """
    return SL013.message(
        f"global {shown}() in a program whose entry point {entry} never seeds any RNG,"
    )


class _Modules:
    """Which checked file an import names, by dotted suffix of its path (paths as part tuples:
    pathlib objects cost more than the rest of the pass)."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.by_parts: dict[tuple[str, ...], Path] = {f.parts: f for f in files}
        self.by_name: dict[str, list[tuple[Path, tuple[str, ...]]]] = {}
        for file in files:
            parts = list(file.parts)
            parts[-1] = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
            if parts[-1] == "__init__":
                parts.pop()
            for k in range(1, min(len(parts) - 1, _MAX_SUFFIX) + 1):
                root = tuple(parts[: len(parts) - k])
                self.by_name.setdefault(".".join(parts[-k:]), []).append((file, root))

    def absolute(self, directory: tuple[str, ...], name: str) -> list[Path]:
        """Files named ``name`` (and its parent packages) whose import root holds
        ``directory`` (the importing file's directory)."""
        out = []
        pieces = name.split(".")
        for k in range(1, len(pieces) + 1):
            for file, root in self.by_name.get(".".join(pieces[:k]), ()):
                if directory[: len(root)] == root:
                    out.append(file)
        return out

    def relative(
        self, directory: tuple[str, ...], level: int, module: str, names: tuple[str, ...]
    ) -> list[Path]:
        base = directory[: len(directory) - (level - 1)] if level > 1 else directory
        target = base + tuple(module.split(".")) if module else base
        candidates = [
            (*base, "__init__.py"),
            (*target[:-1], target[-1] + ".py"),
            (*target, "__init__.py"),
        ]
        for name in names:
            candidates += [(*target, f"{name}.py"), (*target, name, "__init__.py")]
        found = (self.by_parts.get(c) for c in candidates)
        return [f for f in found if f is not None]

    def imported(self, importer: Path, facts: ProgramFacts) -> list[Path]:
        directory = importer.parts[:-1]
        out: list[Path] = []
        for level, module, names in facts.imports:
            if level:
                out += self.relative(directory, level, module, names)
            else:
                out += self.absolute(directory, module)
                for name in names:
                    out += self.absolute(directory, f"{module}.{name}")
        return out


def _is_test(path: Path) -> bool:
    name = path.name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _main_programs(
    facts: Mapping[Path, ProgramFacts], modules: _Modules, edges: dict[Path, list[Path]]
) -> list[Path]:
    """The files that run as a program (a ``__main__`` block or a module-level loop) and that
    no other checked file (tests aside) imports.

    A module that the rest of the code imports is a library; its ``__main__`` block is a demo
    or self-test of that module (a forward pass on random input), not a program whose results
    anyone keeps. Tests are left out of the importers: a test importing ``train.py`` does not
    make it a library.
    """
    imported: set[Path] = set()
    for file in sorted(facts):
        if _is_test(file):
            continue
        targets = edges[file] = modules.imported(file, facts[file])
        imported.update(t for t in targets if t != file)
    return [path for path, fact in facts.items() if fact.main and path not in imported]


def program_findings(
    facts: Mapping[Path, ProgramFacts],
    shown: Mapping[Path, str],
    entries: Sequence[Path] | None = None,
) -> list[tuple[str, int, int, str]]:
    """SL013 findings ``(shown path, line, column, message)`` of the files in ``facts`` (keys
    are resolved paths), sorted.

    Args:
        facts: each checked file's facts, by resolved path.
        shown: the path to report each file under.
        entries: the entry points (resolved); ``None`` takes every file with a ``__main__``
            block that no other checked file (tests aside) imports.

    Example:
        >>> f = ProgramFacts(((3, 5, "random.random"),), False, (), True)
        >>> [d[:3] for d in program_findings({Path("/t.py"): f}, {Path("/t.py"): "t.py"})]
        [('t.py', 3, 5)]
    """
    modules = _Modules(sorted(facts))
    edges: dict[Path, list[Path]] = {}
    if entries is None:
        entries = _main_programs(facts, modules, edges)
    entries = sorted(e for e in set(entries) if e in facts)
    if not entries:
        return []
    reaches: list[tuple[Path, set[Path], bool]] = []
    for entry in entries:
        reached = {entry}
        todo = [entry]
        while todo:
            file = todo.pop()
            targets = edges.get(file)
            if targets is None:
                targets = edges[file] = modules.imported(file, facts[file])
            for target in targets:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        reaches.append((entry, reached, any(facts[f].seeds for f in reached)))
    seeded: set[Path] = set()
    for _, reached, is_seeded in reaches:
        if is_seeded:
            seeded |= reached
    out: dict[tuple[Path, int, int], tuple[str, int, int, str]] = {}
    for entry, reached, is_seeded in reaches:
        if is_seeded:
            continue
        for file in sorted(reached - seeded):
            for line, column, call in facts[file].draws:
                key = (file, line, column)
                if key not in out:
                    out[key] = (shown[file], line, column, draw_message(call, shown[entry]))
    return sorted(out.values())
