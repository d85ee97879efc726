"""The Ray backend: each seed is a Ray task; records come back into the driver's local store.

Determinism contract: a seed runs exactly as it would locally (same command, same root seed,
same flags); which node runs it is recorded in the run's tags, never fed to its RNGs. Ray is
imported only when this backend is used.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.store import RunRecord, Store
from seedlock.sweep._spec import SweepSpec, command_for

__all__ = ["run_ray", "run_seed_task"]

_LOCAL_CPUS = 2


def run_seed_task(
    command: list[str], seed: int, sweep: str, deterministic: bool, threads: int | None, cwd: str
) -> dict[str, Any]:
    """What a Ray worker runs for one seed: the command in a throw-away store, returned as data.

    The worker may be on another machine without access to the driver's store, so the record
    travels back as a plain dict and the driver writes it.
    """
    from seedlock.launch import run_command

    workdir = cwd if os.path.isdir(cwd) else os.getcwd()
    with tempfile.TemporaryDirectory(prefix="seedlock-ray-") as tmp:
        try:
            result = run_command(
                command,
                seed=seed,
                deterministic=deterministic,
                threads=threads,
                name=sweep,
                store=Store(os.path.join(tmp, "runs.db")),
                sweep=sweep,
                echo=False,
                cwd=workdir,
            )
            return {"record": result.record.to_dict(), "error": None}
        except SeedlockError as exc:
            records = Store(os.path.join(tmp, "runs.db")).runs()
            return {"record": records[0].to_dict() if records else None, "error": str(exc)}


def _store_record(store: Store, data: dict[str, Any], sweep: str) -> RunRecord:
    """Write a worker's record into the driver's store (the store assigns a new id)."""
    tags = {str(k): str(v) for k, v in dict(data.get("tags") or {}).items()}
    tags["ray.host"] = str(data.get("host", ""))
    tags["ray.run_id"] = str(data.get("id", ""))
    record = store.start_run(
        name=data.get("name"),
        command=list(data["command"]),
        cwd=str(data.get("cwd", "")),
        seed=int(data["seed"]),
        deterministic=bool(data.get("deterministic")),
        threads=data.get("threads"),
        sweep=sweep,
        tags=tags,
        started=data.get("started"),
    )
    status = str(data.get("status"))
    return store.finish_run(
        record.id,
        exit_code=data.get("exit_code"),
        status=status if status in ("finished", "failed", "killed") else "failed",
        metrics=dict(data.get("metrics") or {}),
        metric_history=list(data.get("metric_history") or []),
        outputs=dict(data.get("outputs") or {}),
        stdout_tail=str(data.get("stdout_tail", "")),
        stderr_tail=str(data.get("stderr_tail", "")),
        fingerprint=data.get("fingerprint"),
        doctor=list(data.get("doctor") or []),
        ended=data.get("ended"),
    )


def run_ray(
    spec: SweepSpec,
    seeds: Sequence[int],
    *,
    store: Store,
    address: str | None,
    cpus_per_run: float,
    gpus_per_run: float,
    on_start: Callable[[int], None],
    on_done: Callable[[int, RunRecord | None, BaseException | None], None],
) -> bool:
    """Run every seed as a Ray task and write each record into ``store`` as it comes back.

    ``address=None`` starts a local Ray instance (2 CPUs) and shuts it down afterwards;
    ``"auto"`` or ``"ray://host:port"`` joins a running cluster.

    Returns:
        ``True`` when the sweep was interrupted (Ctrl-C cancels the tasks not yet finished).
    """
    try:
        import ray
    except ImportError:
        raise SeedlockError(
            "the ray backend needs Ray, which is not installed. Install it with "
            "`pip install 'seedlock[ray]'`, or use --backend local."
        ) from None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
        }
        if address is None:
            options["num_cpus"] = _LOCAL_CPUS
            options["num_gpus"] = 0 if gpus_per_run == 0 else None
        ray.init(address=address, **{k: v for k, v in options.items() if v is not None})
    task = ray.remote(num_cpus=cpus_per_run, num_gpus=gpus_per_run, max_retries=0)(run_seed_task)
    cwd = os.getcwd()
    pending: dict[Any, int] = {}
    interrupted = False
    try:
        for seed in seeds:
            ref = task.remote(
                command_for(spec.command, seed),
                seed,
                spec.name,
                spec.deterministic,
                spec.threads,
                cwd,
            )
            pending[ref] = seed
            on_start(seed)
        while pending:
            try:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            except KeyboardInterrupt:
                interrupted = True
                for ref in pending:
                    ray.cancel(ref, force=True)
                break
            for ref in ready:
                seed = pending.pop(ref)
                try:
                    data = ray.get(ref)
                except Exception as exc:  # noqa: BLE001  (a lost worker fails one seed only)
                    on_done(seed, None, exc)
                    continue
                record = (
                    None
                    if data["record"] is None
                    else _store_record(store, data["record"], spec.name)
                )
                error = None if data["error"] is None else SeedlockError(data["error"])
                on_done(seed, record, error)
    finally:
        if started_here:
            ray.shutdown()
    return interrupted
