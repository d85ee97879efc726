"""The start-up hook directory that ``seedlock run`` puts first on a Python child's ``PYTHONPATH``.

Determinism contract: it holds only ``sitecustomize.py``, which seeds the child from
``$SEEDLOCK_SEED`` before the user's script runs; the directory itself does nothing on import.
"""
