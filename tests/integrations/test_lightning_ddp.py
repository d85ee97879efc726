"""Lightning DDP (2 CPU processes, gloo, default Trainer settings) with workers and exact resume.

The ranks are started as ``torchrun`` starts them (tests/integrations/trainer_scripts.run_ranks);
each process trains several runs of tests/integrations/lightning_ddp.py in turn, with dropout in
the step, a plain shuffling ``DataLoader`` and per-sample augmentation. Lightning's own launcher
(``python script.py`` with ``devices=2``) is covered by tests/test_lightning.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from trainer_scripts import run_ranks

pytest.importorskip("lightning")
pytest.importorskip("torch")

pytestmark = [pytest.mark.torch, pytest.mark.slow]

SCRIPT = Path(__file__).with_name("lightning_ddp.py")
SAMPLES = 24


def _train(out: Path, *runs: str) -> dict[str, list[dict[str, Any]]]:
    """``{run: [rank 0's result, rank 1's result]}`` of 2 ranks with batch 2 each."""
    run_ranks(SCRIPT, (str(out), "2", "2", *runs))
    return {
        run: [json.loads((out / run / f"rank{r}.json").read_text()) for r in (0, 1)] for run in runs
    }


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """2 epochs with 0 and 2 workers; and each stopped at step 9, checkpointed there."""
    out = tmp_path_factory.mktemp("lightning_ddp")
    return out, _train(out, "full-0", "full-2", "stop-0", "stop-2")


def _epoch_ids(ranks: list[dict[str, Any]], epoch: int) -> list[int]:
    return sorted(
        i for rank in ranks for step in rank["seen"] if step[0] == epoch for i in step[1:]
    )


def test_two_ddp_ranks_with_2_workers_see_every_sample_once_an_epoch_and_equal_0_workers(
    first: tuple[Path, dict[str, Any]],
) -> None:
    _, runs = first
    for workers in (0, 2):
        ranks = runs[f"full-{workers}"]
        assert [(r["strategy"], r["world"], r["steps"]) for r in ranks] == [
            ("DDPStrategy", 2, 12)
        ] * 2
        for epoch in (0, 1):
            assert _epoch_ids(ranks, epoch) == list(range(SAMPLES)), (workers, epoch)
    # Same samples on the same rank at the same step, same augmentation, same dropout: bit-exact.
    for rank in (0, 1):
        assert runs["full-2"][rank]["seen"] == runs["full-0"][rank]["seen"]
        assert runs["full-2"][rank]["weights"] == runs["full-0"][rank]["weights"]
    assert runs["full-0"][0]["seen"] != runs["full-0"][1]["seen"]


def test_ddp_resumed_mid_epoch_2_in_new_processes_from_lightnings_checkpoint_is_bit_exact(
    first: tuple[Path, dict[str, Any]],
) -> None:
    out, runs = first
    for workers in (0, 2):
        assert [r["steps"] for r in runs[f"stop-{workers}"]] == [9, 9]
        assert len(list((out / f"stop-{workers}").glob("*.ckpt"))) == 1
    resumed = _train(out, "resume-0", "resume-2")
    for workers in (0, 2):
        for rank in (0, 1):
            stop, rest = runs[f"stop-{workers}"][rank], resumed[f"resume-{workers}"][rank]
            full = runs[f"full-{workers}"][rank]
            # The resumed processes run exactly the uninterrupted run's steps 10 to 12...
            assert stop["seen"] + rest["seen"] == full["seen"], (workers, rank)
            assert rest["steps"] == 12
            # ...and land on its weights, bit for bit.
            assert rest["weights"] == full["weights"], (workers, rank)
            assert stop["weights"] != full["weights"]
