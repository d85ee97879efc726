"""What the start-up hook does inside a Python process of a ``seedlock run``.

Determinism contract: every Python process of the run is seeded with ``seed_everything`` from the
root seed in ``$SEEDLOCK_SEED`` (and the run's deterministic/thread flags) before user code runs.
Only the run's main process (the first one booted) writes the doctor's findings and the
environment fingerprint, at interpreter exit, so they describe what the script actually did.
"""

from __future__ import annotations

import atexit
import os
import sys

from seedlock.launch._protocol import (
    BOOT_PID_VAR,
    DETERMINISTIC_VAR,
    DOCTOR_FILE,
    FINGERPRINT_FILE,
    RUN_DIR_VAR,
    RUN_FILE_HEADERS,
    SEED_VAR,
    THREADS_VAR,
    TRACE_VAR,
)

__all__ = ["boot"]

# Only os and sys at module level: this runs before the user's code in every Python process of a
# run, so json (and the report modules) are imported at exit, by the main process only.


def boot() -> None:
    """Seed this process from the run's environment; in the main process, report at exit."""
    env = os.environ
    is_main = BOOT_PID_VAR not in env
    if is_main:
        env[BOOT_PID_VAR] = str(os.getpid())
    threads_text = env.get(THREADS_VAR)
    from seedlock._everything import seed_everything
    from seedlock._seed import parse_seed_text

    seed_everything(
        parse_seed_text(env[SEED_VAR]),
        deterministic=env.get(DETERMINISTIC_VAR) == "1",
        threads=int(threads_text) if threads_text else None,
    )
    if env.get(TRACE_VAR):
        from seedlock._verify.trace import install_from_env

        install_from_env()
    run_dir = env.get(RUN_DIR_VAR)
    if is_main and run_dir:
        atexit.register(_write_reports, run_dir, os.getpid())


def _write_json(run_dir: str, name: str, value: object) -> None:
    import json

    tmp = os.path.join(run_dir, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(value, default=str))
    os.replace(tmp, os.path.join(run_dir, name))


def _write_reports(run_dir: str, pid: int) -> None:
    # A forked child inherits atexit handlers; only the process that registered them reports.
    if os.getpid() != pid:
        return
    try:
        from seedlock._base.persist import header
        from seedlock._doctor import doctor
        from seedlock.env import fingerprint

        kind, current, _ = RUN_FILE_HEADERS[DOCTOR_FILE]
        findings = [f.to_dict() for f in doctor()]
        _write_json(run_dir, DOCTOR_FILE, {**header(kind, current), "findings": findings})
        _write_json(run_dir, FINGERPRINT_FILE, fingerprint().to_dict())
    except Exception as exc:  # noqa: BLE001  (a report failure must not change the exit status)
        print(
            f"seedlock: start-up hook: could not write the run report: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
