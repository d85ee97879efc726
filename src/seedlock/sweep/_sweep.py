"""``run_sweep``: one command over many seeds, every run recorded in the store, resumable.

Determinism contract: seed ``s`` of a sweep runs exactly like ``seedlock run --seed s`` with
``{seed}`` in the command replaced by ``s``; the seed list is written down before the first run,
so a crashed sweep resumed with ``resume=True`` runs the same seeds it would have run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError
from seedlock.store import RunRecord, Store
from seedlock.sweep._spec import (
    DESIGNS,
    PLACEHOLDER,
    SweepSpec,
    check_name,
    command_for,
    draw_seeds,
    load_spec,
    save_spec,
    spec_path,
)

__all__ = [
    "BACKENDS",
    "CELL_TAG",
    "PLACEHOLDER",
    "SeedOutcome",
    "SweepResult",
    "command_for",
    "needs_seed_placeholder",
    "plan_sweep",
    "run_sweep",
]

_log = logging.getLogger("seedlock")

BACKENDS = ("local", "ray")
#: The tag that names the cell of a stream-varying sweep in each run's record.
CELL_TAG = "sweep.cell"
_MAX_CELLS = 100_000


@dataclass(frozen=True)
class SeedOutcome:
    """What happened to one seed of a sweep in this call.

    Attributes:
        seed: the seed.
        record: its run record (``None`` when the command could not even be recorded).
        error: why the seed failed before or outside the command, if it did.
        tracker_errors: trackers that failed to log this run, with the reason.
    """

    seed: int
    record: RunRecord | None
    error: str | None = None
    tracker_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The run finished with exit code 0."""
        return self.record is not None and self.record.status == "finished"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (the full record is in the store under ``run_id``)."""
        record = self.record
        return {
            "seed": self.seed,
            "run_id": None if record is None else record.id,
            "status": "failed" if record is None else record.status,
            "exit_code": None if record is None else record.exit_code,
            "duration": None if record is None else record.duration,
            "metrics": {} if record is None else dict(record.metrics),
            "error": self.error,
            "tracker_errors": list(self.tracker_errors),
        }


@dataclass(frozen=True)
class SweepResult:
    """The outcome of :func:`run_sweep`.

    Attributes:
        spec: the sweep as recorded next to the store.
        outcomes: the seeds run in this call, in the sweep's seed order.
        skipped: seeds not run because they already have a finished run (``resume=True``).
        not_started: seeds not started because the sweep was interrupted.
        interrupted: Ctrl-C stopped the sweep early.
        store_path: the run store.
    """

    spec: SweepSpec
    outcomes: list[SeedOutcome]
    skipped: list[int] = field(default_factory=list)
    not_started: list[int] = field(default_factory=list)
    interrupted: bool = False
    store_path: str = ""

    @property
    def failed(self) -> list[int]:
        """Seeds (cells when varying streams) whose run failed, was killed or could not start."""
        return [o.seed for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        """Every seed of the sweep has a finished run and nothing was interrupted."""
        return not self.failed and not self.not_started and not self.interrupted

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary."""
        return {
            "format": "seedlock-sweep-result",
            "version": 1,
            "name": self.spec.name,
            "command": self.spec.command,
            "seeds": self.spec.seeds,
            "vary": self.spec.vary,
            "design": self.spec.design,
            "base_seed": self.spec.base_seed if self.spec.vary else None,
            "store": self.store_path,
            "finished": sum(o.ok for o in self.outcomes),
            "failed": self.failed,
            "skipped": self.skipped,
            "not_started": self.not_started,
            "interrupted": self.interrupted,
            "runs": [self._run_dict(o) for o in self.outcomes],
        }

    def _run_dict(self, outcome: SeedOutcome) -> dict[str, Any]:
        data = outcome.to_dict()
        if self.spec.vary:
            data["cell"] = data.pop("seed")
            data["streams"] = self.spec.cells[outcome.seed]
        return data


def needs_seed_placeholder(command: Sequence[str]) -> bool:
    """Whether to warn that ``command`` has no ``{seed}``.

    Python commands are seeded by ``seedlock run``'s start-up hook without a flag; anything else
    (a shell script, a binary) only sees ``$SEEDLOCK_SEED`` and may ignore it.

    Example:
        >>> needs_seed_placeholder(["python", "train.py"]), needs_seed_placeholder(["./train.sh"])
        (False, True)
    """
    if any(PLACEHOLDER in part for part in command):
        return False
    from seedlock._base.commands import is_python_command

    return not (is_python_command(command) or (bool(command) and command[0].endswith(".py")))


def _check_command(command: Sequence[str]) -> list[str]:
    parts = [os.fspath(part) for part in command]
    if not parts or not parts[0]:
        raise SeedlockError(
            "no command given for the sweep. Put it after '--', e.g. "
            "`seedlock sweep --seeds 0-9 --name base -- python train.py --seed {seed}`."
        )
    return parts


def _check_seeds(seeds: Sequence[int] | int | None) -> None:
    if seeds is None:
        return
    if isinstance(seeds, (bool, int)):
        validate.check_int(
            seeds,
            func="run_sweep",
            param="seeds",
            low=1,
            high=limits.MAX_SEEDS,
            accepted=f"a count in [1, {limits.MAX_SEEDS}] or a list of seeds",
        )
        return
    if not seeds:
        raise SeedlockError("the seed list is empty. Give at least one seed, e.g. [0, 1, 2].")
    if len(seeds) > limits.MAX_SEEDS:
        raise SeedlockError(
            f"run_sweep(): seeds has {len(seeds)} seeds; at most {limits.MAX_SEEDS} are accepted."
        )
    for seed in seeds:
        validate.check_int(
            seed,
            func="run_sweep",
            param="seeds",
            low=0,
            high=limits.MAX_SWEEP_SEED,
            accepted="non-negative ints",
            fix="Seeds are at most 2**63 - 1; pass e.g. list(range(20)).",
        )


def plan_sweep(
    name: str,
    command: Sequence[str] | None,
    seeds: Sequence[int] | int | None,
    *,
    store: Store,
    resume: bool = False,
    deterministic: bool = False,
    threads: int | None = None,
    vary: Sequence[str] = (),
    design: str = "one-at-a-time",
    base_seed: int = 0,
) -> tuple[SweepSpec, list[int], list[int]]:
    """The sweep's spec, the runs to do now and the runs skipped; writes the spec.

    Runs are known by their seed, or by their cell number (see :attr:`SweepSpec.cells`) when
    ``vary`` names streams.

    Raises:
        SeedlockError: bad name, no command, no seeds, or an existing sweep of that name with a
            different command or flags and ``resume=False``.
    """
    check_name(name)
    _check_seeds(seeds)
    vary, design, base_seed = _check_design(vary, design, base_seed)
    path = spec_path(store.path, name)
    old = load_spec(path)
    if old is None:
        if command is None or not command:
            raise SeedlockError(
                f"no sweep named {name!r} to resume (no {str(path)!r}) and no command given. "
                "Give the command after '--'."
            )
        if seeds is None:
            raise SeedlockError(
                f"sweep {name!r} is new, so it needs --seeds (e.g. 0-19, 0,3,7 or 20 for twenty "
                "random seeds)."
            )
        parts = _check_command(command)
        seed_list = draw_seeds(seeds) if isinstance(seeds, int) else list(seeds)
        spec = SweepSpec(
            name=name,
            command=parts,
            seeds=seed_list,
            random=isinstance(seeds, int),
            deterministic=deterministic,
            threads=threads,
            created=time.time(),
            vary=vary,
            design=design,
            base_seed=base_seed,
        )
    else:
        if (vary, design, base_seed) != (old.vary, old.design, old.base_seed) and (
            vary or seeds is not None
        ):
            raise SeedlockError(
                f"sweep {name!r} already exists with another stream design (vary={old.vary}, "
                f"design={old.design!r}, base seed {old.base_seed}); its runs are numbered by "
                "that design. Pick a new name for the new design."
            )
        parts = old.command if command is None or not command else _check_command(command)
        wanted = (parts, deterministic or (resume and old.deterministic))
        wanted_threads = threads if threads is not None or not resume else old.threads
        changes = []
        if wanted[0] != old.command:
            changes.append(f"command {old.command!r} -> {parts!r}")
        if wanted[1] != old.deterministic:
            changes.append(f"deterministic {old.deterministic} -> {wanted[1]}")
        if wanted_threads != old.threads:
            changes.append(f"threads {old.threads} -> {wanted_threads}")
        if changes and not resume:
            raise SeedlockError(
                f"sweep {name!r} already exists with a different setup ({'; '.join(changes)}). "
                "Pick a new --name, or pass --resume to continue it with the new setup."
            )
        if changes:
            _log.warning("resuming sweep %r with changes: %s", name, "; ".join(changes))
        if seeds is None:
            seed_list = list(old.seeds)
        elif isinstance(seeds, int):
            extra = max(0, seeds - len(old.seeds))
            seed_list = list(old.seeds[:seeds]) + draw_seeds(extra, exclude=old.seeds)
        else:
            seed_list = list(seeds)
        spec = SweepSpec(
            name=name,
            command=parts,
            seeds=list(dict.fromkeys([*old.seeds, *seed_list])),
            random=old.random,
            deterministic=wanted[1],
            threads=wanted_threads,
            created=old.created,
            vary=old.vary,
            design=old.design,
            base_seed=old.base_seed,
        )
    if len(spec.keys) > _MAX_CELLS:
        raise SeedlockError(
            f"sweep {name!r} would have {len(spec.keys)} runs ({len(spec.seeds)} seeds, "
            f"{spec.design} over {len(spec.vary)} streams); the limit is {_MAX_CELLS}."
        )
    save_spec(spec, path)
    wanted_keys = spec.keys if spec.vary else seed_list
    skipped: list[int] = []
    if resume:
        finished = store.iter_runs(sweep=name, status="finished")
        if spec.vary:
            done_cells = {r.tags.get(CELL_TAG) for r in finished}
            skipped = [k for k in wanted_keys if spec.describe(k) in done_cells]
        else:
            done = {r.seed for r in finished}
            skipped = [s for s in wanted_keys if s in done]
    to_run = [k for k in wanted_keys if k not in skipped]
    return spec, to_run, skipped


def _check_design(vary: Sequence[str], design: str, base_seed: int) -> tuple[list[str], str, int]:
    from seedlock._seed import normalize_seed, normalize_streams

    if isinstance(vary, str):
        raise SeedlockError(f"vary must be a list of stream names, got the str {vary!r}.")
    streams = list(normalize_streams(dict.fromkeys(vary, 0), name="vary"))
    if len(streams) != len(list(vary)):
        raise SeedlockError(f"vary names a stream twice: {list(vary)!r}.")
    if not streams:
        return [], "", 0
    if design not in DESIGNS:
        raise SeedlockError(f"design must be one of {', '.join(DESIGNS)}, got {design!r}.")
    return streams, design, normalize_seed(base_seed, name="base_seed")


def launch_args(spec: SweepSpec, key: int) -> tuple[list[str], int, dict[str, int], dict[str, str]]:
    """How run ``key`` of ``spec`` is launched: command, root seed, stream roots and tags.

    Example:
        >>> spec = SweepSpec("s", ["t", "{seed}"], [5, 6], vary=["data"], design="one-at-a-time")
        >>> launch_args(spec, 1)
        (['t', '0'], 0, {'data': 6}, {'sweep.cell': 'data=6'})
    """
    if not spec.vary:
        return command_for(spec.command, key), key, {}, {}
    seed = spec.base_seed
    return command_for(spec.command, seed), seed, spec.cells[key], {CELL_TAG: spec.describe(key)}


def _log_to_trackers(record: RunRecord, track: Sequence[str]) -> tuple[str, ...]:
    from seedlock.trackers import log_run

    errors = []
    for backend in track:
        try:
            log_run(record, backend)
        except Exception as exc:  # noqa: BLE001  (a tracker outage must not stop the sweep)
            errors.append(f"{backend}: {exc}")
    return tuple(errors)


def run_sweep(
    name: str,
    command: Sequence[str] | None,
    seeds: Sequence[int] | int | None,
    *,
    jobs: int = 1,
    backend: str = "local",
    address: str | None = None,
    cpus_per_run: float = 1.0,
    gpus_per_run: float = 0.0,
    resume: bool = False,
    deterministic: bool = False,
    threads: int | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    track: Sequence[str] = (),
    on_start: Callable[[int], None] | None = None,
    on_plan: Callable[[SweepSpec, list[int], list[int]], None] | None = None,
    on_done: Callable[[SeedOutcome], None] | None = None,
    vary: Sequence[str] = (),
    design: str = "one-at-a-time",
    base_seed: int = 0,
) -> SweepResult:
    """Run ``command`` once per seed and record every run in the store under the sweep ``name``.

    Each seed runs through :func:`seedlock.launch.run_command` (``{seed}`` replaced, the seed
    given as the run's root seed). One seed failing does not stop the others. Finished runs are
    in the store as soon as they end, so a crash or SIGKILL of the sweep loses none of them.

    Args:
        name: the sweep's name (letters, digits, ``._-``).
        command: the command with optional ``{seed}``; ``None`` to resume with the stored one.
        seeds: the seeds, or an int N for N random seeds (drawn once, recorded), or ``None``
            to use the recorded seeds of an existing sweep.
        jobs: seeds run at once (local backend).
        backend: ``"local"`` or ``"ray"``.
        address: Ray cluster address (``"auto"`` joins a running one; ``None`` starts a local one).
        cpus_per_run: CPUs each Ray task reserves.
        gpus_per_run: GPUs each Ray task reserves.
        resume: run only seeds with no finished run; allows a changed command.
        deterministic: deterministic mode for every run.
        threads: pin thread pools in every run.
        store: the run store (a :class:`~seedlock.store.Store` or its path).
        track: trackers to log each run to (``"mlflow"``, ``"comet"``, ``"wandb"``).
        on_plan: called once before any run with the spec, the seeds to run and the seeds
            skipped.
        on_start: called with a seed when its run starts.
        on_done: called with each :class:`SeedOutcome` as it ends.
        vary: streams to vary (``["data"]``): every run keeps the root ``base_seed`` and only
            these streams take the sweep's seeds (see :attr:`SweepSpec.cells`); outcomes are
            then keyed by cell number instead of seed.
        design: ``"one-at-a-time"`` (each stream varied alone, the others at ``base_seed``) or
            ``"factorial"`` (every combination of seeds over the varied streams).
        base_seed: the root seed every run of a ``vary`` sweep keeps.

    Raises:
        SeedlockError: bad arguments, or a name clash (see :func:`plan_sweep`).

    Example:
        >>> import sys, tempfile, os
        >>> store = os.path.join(tempfile.mkdtemp(), "runs.db")
        >>> result = run_sweep("demo", [sys.executable, "-c", "pass"], [0, 1], store=store)
        >>> [o.ok for o in result.outcomes]
        [True, True]
    """
    validate.check_choice(backend, BACKENDS, func="run_sweep", param="backend")
    validate.check_count(jobs, func="run_sweep", param="jobs", high=limits.MAX_JOBS)
    validate.check_threads(threads, func="run_sweep")
    from seedlock.trackers import BACKENDS as TRACKERS

    unknown = [t for t in track if t not in TRACKERS]
    if unknown:
        raise SeedlockError(f"unknown tracker {unknown[0]!r}; accepted: {', '.join(TRACKERS)}.")
    if cpus_per_run < 0 or gpus_per_run < 0:
        raise SeedlockError(
            f"cpus/gpus per run must be >= 0, got {cpus_per_run} CPUs and {gpus_per_run} GPUs."
        )
    run_store = store if isinstance(store, Store) else Store(store)
    spec, to_run, skipped = plan_sweep(
        name,
        command,
        seeds,
        store=run_store,
        resume=resume,
        deterministic=deterministic,
        threads=threads,
        vary=vary,
        design=design,
        base_seed=base_seed,
    )
    if spec.vary and backend == "ray":
        raise SeedlockError(
            "the ray backend does not run stream-varying sweeps yet; use the local backend "
            "(drop backend='ray' / --backend ray)."
        )
    if on_plan is not None:
        on_plan(spec, to_run, skipped)
    outcomes: dict[int, SeedOutcome] = {}
    began = time.time()

    def finish(seed: int, record: RunRecord | None, error: BaseException | str | None) -> None:
        message = (
            error if error is None or isinstance(error, str) else str(error) or type(error).__name__
        )
        tracker_errors: tuple[str, ...] = ()
        if record is not None and track:
            tracker_errors = _log_to_trackers(record, track)
        outcome = SeedOutcome(seed, record, message, tracker_errors)
        outcomes[seed] = outcome
        if on_done is not None:
            on_done(outcome)

    def started(seed: int) -> None:
        if on_start is not None:
            on_start(seed)

    if backend == "ray":
        from seedlock.sweep._ray import run_ray

        interrupted = run_ray(
            spec,
            to_run,
            store=run_store,
            address=address,
            cpus_per_run=cpus_per_run,
            gpus_per_run=gpus_per_run,
            on_start=started,
            on_done=finish,
        )
    else:
        from seedlock.launch import RunResult, run_command
        from seedlock.sweep._local import run_local

        def run_one(key: int) -> RunResult:
            command_line, seed, streams, tags = launch_args(spec, key)
            return run_command(
                command_line,
                seed=seed,
                deterministic=spec.deterministic,
                threads=spec.threads,
                name=spec.name,
                store=run_store,
                sweep=spec.name,
                tags=tags,
                echo=False,
                streams=streams,
            )

        def done(key: int, result: object | None, error: BaseException | None) -> None:
            record = result.record if isinstance(result, RunResult) else None
            problem = None if error is None else str(error) or type(error).__name__
            if isinstance(result, RunResult) and result.store_error is not None:
                # The command ran but its end is not in the store: not a finished seed yet.
                record = None
                problem = (
                    f"run {result.record.id} ended with exit code {result.record.exit_code} but "
                    f"was not recorded: {result.store_error}"
                )
            elif error is not None:
                # Reading the store may fail as well; that is this seed's problem only.
                try:
                    record = _failed_record(run_store, spec, key, since=began)
                except SeedlockError as exc:
                    problem = f"{problem}; its record could not be read either: {exc}"
            finish(key, record, problem)

        from seedlock.launch import forward_signals

        with forward_signals():
            interrupted = run_local(to_run, run_one, jobs=jobs, on_start=started, on_done=done)
    return SweepResult(
        spec=spec,
        outcomes=[outcomes[s] for s in to_run if s in outcomes],
        skipped=skipped,
        not_started=[s for s in to_run if s not in outcomes],
        interrupted=interrupted,
        store_path=str(run_store.path),
    )


def _failed_record(store: Store, spec: SweepSpec, key: int, *, since: float) -> RunRecord | None:
    """The record ``run_command`` kept for a run whose command could not start."""
    _, seed, _, tags = launch_args(spec, key)
    for record in store.iter_runs(sweep=spec.name):
        if record.started < since:
            break
        if (
            record.seed == seed
            and record.tags.get(CELL_TAG) == tags.get(CELL_TAG)
            and record.status != "running"
        ):
            return record
    return None
