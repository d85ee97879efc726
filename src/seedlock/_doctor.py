"""The doctor: reproducibility hazards in the current process, each with its fix.

Determinism contract: the doctor only reads; it changes nothing and never imports a framework.
Process-wide checks (thread pinning, the root seed, frameworks seedlock did not seed) live here;
each framework's own checks live in its adapter and run only when it is imported.
"""

from __future__ import annotations

import os

from seedlock._seed import root_seed
from seedlock.frameworks import FRAMEWORKS, Finding, get, loaded, seeded

__all__ = ["SEVERITIES", "Finding", "doctor"]

#: Finding severities, most serious first.
SEVERITIES = ("error", "warning", "info")


def doctor() -> list[Finding]:
    """Check the current process for reproducibility hazards.

    Looks at hash randomisation, thread pinning, the root seed, and the determinism settings of
    every framework already imported (torch, TensorFlow, JAX); it never imports a framework.

    Returns:
        The findings, most severe first; an empty list means nothing was found.

    Example:
        >>> import seedlock
        >>> all(f.severity in ("error", "warning", "info") for f in seedlock.doctor())
        True
    """
    findings = [*get("python").doctor(), *_check_process(), *_check_frameworks_seeded()]
    for fw in FRAMEWORKS:
        if fw.name != "python" and fw.is_loaded():
            findings += fw.doctor()
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def _check_process() -> list[Finding]:
    findings = []
    threads = get("numpy").thread_vars
    unset = [name for name in threads[:3] if name not in os.environ]
    if unset:
        findings.append(
            Finding(
                "threads-unpinned",
                "info",
                f"thread counts not pinned ({', '.join(unset)} unset)",
                "OpenMP and BLAS pick a thread count from the machine; float reductions can "
                "differ when it changes (another machine, another container limit).",
                "`export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`, or "
                "`seedlock run --threads 1 -- python ...`, or seed_everything(SEED, threads=1)",
            )
        )
    if root_seed() is None:
        findings.append(
            Finding(
                "no-root-seed",
                "warning",
                "no root seed set",
                "seed_everything() has not been called and SEEDLOCK_SEED is unset, so derived "
                "streams have no seed and frameworks start from entropy.",
                "call seedlock.seed_everything(SEED) at start-up, or "
                "`seedlock run --seed SEED -- python ...`",
            )
        )
    return findings


def _check_frameworks_seeded() -> list[Finding]:
    unseeded = sorted(set(loaded()) - set(seeded()))
    if not unseeded:
        return []
    return [
        Finding(
            "unseeded-frameworks",
            "warning",
            f"loaded but not seeded by seedlock: {', '.join(unseeded)}",
            "Their global random generators start from entropy or from a seed set elsewhere, "
            "which seedlock cannot record or replay.",
            "call seedlock.seed_everything(SEED) after the imports (or before: frameworks "
            "imported later are seeded at import)",
        )
    ]
