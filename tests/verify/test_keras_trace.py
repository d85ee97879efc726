"""The Keras trace names the first layer whose output differs, at its batch (``verify --trace``).

TensorFlow takes seconds to import and each ``verify --trace`` runs the script four times: one
test, marked slow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from seedlock._verify import verify_command
from seedlock.store import Store

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

SCRIPTS = Path(__file__).with_name("scripts")


def test_trace_names_the_keras_layer_whose_output_differs_at_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tensorflow")
    pytest.importorskip("keras")
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "runs.db")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "keras_layer_planted.py")], seed=3, trace=True, store=store
    )
    divergence = result.divergence
    assert divergence is not None, str(result)
    assert (divergence.step, divergence.kind) == (4, "output"), str(result)
    assert divergence.where == "jitter (Jitter)"
    assert "same parameters and same input, different output" in divergence.detail
