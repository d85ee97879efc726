"""seedlock's start-up hook, imported by Python at start-up in every process of a ``seedlock run``.

Determinism contract: when ``$SEEDLOCK_SEED`` is set it calls ``seedlock.seed_everything`` with
that root seed before the user's code runs, then imports the next ``sitecustomize`` on the path,
so the program starts from the same RNG state in every run. It never stops the program: a failure
is reported once on stderr and the program continues.
"""

from __future__ import annotations

import os
import sys


def _chain() -> None:
    """Import the ``sitecustomize`` this one shadows, as Python would have without seedlock."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    ours = sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401  (the next one on the path, now that ours is off it)
    except ModuleNotFoundError as exc:
        if exc.name != "sitecustomize":
            _report("the next sitecustomize failed", exc)
        if ours is not None:
            sys.modules["sitecustomize"] = ours
    except Exception as exc:  # noqa: BLE001  (a broken user hook must not stop the program)
        _report("the next sitecustomize failed", exc)


def _report(what: str, exc: BaseException) -> None:
    print(f"seedlock: start-up hook: {what}: {type(exc).__name__}: {exc}", file=sys.stderr)


def _main() -> None:
    # Literal names: this hook runs before seedlock can be imported (the values are
    # seedlock._base.envvars.SEED and .PACKAGE_DIR; a test pins that they agree).
    if os.environ.get("SEEDLOCK_SEED"):
        try:
            try:
                from seedlock.launch._child import boot
            except ImportError:
                fallback = os.environ.get("SEEDLOCK_PACKAGE_DIR")
                if not fallback:
                    raise
                # Last on the path, so the child's own packages still win over the launcher's.
                sys.path.append(fallback)
                from seedlock.launch._child import boot
            boot()
        except Exception as exc:  # noqa: BLE001  (seeding must never crash the user's program)
            _report("seeding failed, the program runs unseeded", exc)
    _chain()


_main()
