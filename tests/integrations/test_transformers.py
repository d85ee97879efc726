"""seedlock.transformers: the Hugging Face Trainer seeded, worker-invariant, exactly resumable.

The multi-process tests start 2 CPU processes as ``torchrun`` does (``ddp_backend="gloo"``,
tests/integrations/trainer_scripts.run_ranks).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from trainer_scripts import Ranks, rank_runs, step_digests

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402
from transformers import Trainer, TrainerCallback, TrainerState, TrainingArguments  # noqa: E402

import seedlock  # noqa: E402
from seedlock import SeedlockError, StateError  # noqa: E402
from seedlock.transformers import SeedlockCallback  # noqa: E402

pytestmark = pytest.mark.torch

SCRIPT = Path(__file__).with_name("hf_run.py")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)


def _run(out: Path, workers: int, *modes: str) -> dict[str, str]:
    return step_digests(SCRIPT, out, workers, modes, OFFLINE)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], str]:
    """Final-weight digests: 3 epochs straight, and stopped mid-epoch 2 then resumed anew."""
    root = tmp_path_factory.mktemp("hf")
    with ThreadPoolExecutor(2) as pool:
        first = {w: pool.submit(_run, root / str(w), w, "full", "plain", "stop") for w in (0, 2)}
        results = {(w, m): d for w, f in first.items() for m, d in f.result().items()}
        resumed = {w: pool.submit(_run, root / str(w), w, "resume") for w in (0, 2)}
        results.update({(w, "resume"): f.result()["resume"] for w, f in resumed.items()})
    return results


@pytest.mark.parametrize("workers", [0, 2])
def test_resume_from_checkpoint_in_a_new_process_gives_bit_identical_weights(
    weights: dict[tuple[int, str], str], workers: int
) -> None:
    assert weights[workers, "resume"] == weights[workers, "full"]


def test_weights_are_identical_for_0_and_2_workers(weights: dict[tuple[int, str], str]) -> None:
    assert weights[0, "full"] == weights[2, "full"]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Ranks:
    """2 processes (batch 4 each, 2 workers), each seeded with its own root ``7 + rank``: 3
    epochs; stopped at step 9; resumed anew."""
    out = tmp_path_factory.mktemp("hf2")
    env = {**OFFLINE, "SEED_PER_RANK": "1"}
    ranks = rank_runs(SCRIPT, out, 2, ("full", "stop"), env)
    for rank, resumed in zip(ranks, rank_runs(SCRIPT, out, 2, ("resume",), env), strict=True):
        rank.update(resumed)
    return ranks


@pytest.mark.slow
def test_two_processes_seeded_per_rank_with_2_workers_see_every_sample_once_an_epoch(
    two_processes: Ranks,
) -> None:
    # Ranks seeded apart must still split one order, agreed across ranks (rank 0's).
    steps = [rank["full"][1] for rank in two_processes]
    assert [len(s) for s in steps] == [18, 18]  # 6 steps an epoch, batch 4 on each rank
    for epoch in range(3):
        ids = [i for s in steps for step in s[6 * epoch : 6 * epoch + 6] for i in step]
        assert sorted(ids) == list(range(48)), epoch
    assert steps[0][:6] != steps[0][6:12]  # each epoch its own order
    assert two_processes[0]["full"][0] == two_processes[1]["full"][0]  # DDP: equal weights


@pytest.mark.slow
def test_two_processes_seeded_per_rank_resume_mid_epoch_in_new_processes_bit_exactly(
    two_processes: Ranks,
) -> None:
    # trainer_state.json holds rank 0's seedlock state; rank 1 must neither refuse it (another
    # root) nor take rank 0's RNG state in place of its own.
    for rank in two_processes:
        (full, full_seen), (stop, stop_seen) = rank["full"], rank["stop"]
        resumed, resumed_seen = rank["resume"]
        # Steps 10 to 18 of the uninterrupted run (epoch 2 from its 4th batch), same weights.
        assert stop_seen + resumed_seen == full_seen
        assert resumed == full != stop


def test_without_the_callback_the_worker_count_changes_the_weights(
    weights: dict[tuple[int, str], str],
) -> None:
    # The control: the same script without SeedlockCallback is not worker-invariant, so the
    # equalities above are the callback's doing.
    assert weights[0, "plain"] != weights[2, "plain"]
    assert weights[0, "plain"] != weights[0, "full"]


def test_the_checkpoint_holds_seedlocks_state_as_json(
    weights: dict[tuple[int, str], str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    del weights  # the checkpoints it wrote
    base = tmp_path_factory.getbasetemp()
    state_files = sorted(base.glob("hf*/0/checkpoint-9/trainer_state.json"))
    assert state_files
    entry = json.loads(state_files[0].read_text())["stateful_callbacks"]["SeedlockCallback"]
    assert entry["seedlock"]["seed"] == 7
    assert entry["seedlock"]["kind"] == "seedlock.transformers"
    assert seedlock.Snapshot.from_dict(entry["seedlock"]["rng"]).frameworks["torch"]


def _tiny_trainer(tmp_path: Path, callbacks: list[SeedlockCallback], **kwargs: object) -> Trainer:
    args = TrainingArguments(
        output_dir=str(tmp_path), report_to="none", use_cpu=True, disable_tqdm=True, **kwargs
    )
    return Trainer(model=torch.nn.Linear(2, 2), args=args, callbacks=callbacks)


def test_trainer_seed_is_aligned_with_seedlocks_root_seed(tmp_path: Path) -> None:
    seedlock.seed_everything(7)
    callback = SeedlockCallback()
    trainer = _tiny_trainer(tmp_path, [callback])  # TrainingArguments' default seed is 42
    drawn = torch.rand(3)
    torch.manual_seed(7)
    assert torch.equal(drawn, torch.rand(3))
    assert trainer.args.seed == 7
    assert callback.aligned_from == 42
    assert callback.report is not None and callback.report.seed == 7


def test_without_the_callback_the_trainer_silently_reseeds_with_its_own_seed(
    tmp_path: Path,
) -> None:
    seedlock.seed_everything(7)
    _tiny_trainer(tmp_path, [])
    drawn = torch.rand(3)
    torch.manual_seed(42)
    assert torch.equal(drawn, torch.rand(3))


def test_an_explicit_callback_seed_wins_and_an_agreeing_seed_is_left_alone(
    tmp_path: Path,
) -> None:
    callback = SeedlockCallback(seed=11)
    trainer = _tiny_trainer(tmp_path, [callback], seed=11)
    assert trainer.args.seed == 11 and callback.aligned_from is None
    assert seedlock.root_seed() == 11


def _resumed_state(entry: object, step: int = 3) -> TrainerState:
    return TrainerState(global_step=step, epoch=0.5, stateful_callbacks={"SeedlockCallback": entry})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"args": {}, "seedlock": {"kind": "other"}}, "not seedlock's state"),
        ({"seedlock": {"kind": "seedlock.transformers", "format": 99}}, "format 99"),
        (
            {"seedlock": {"kind": "seedlock.transformers", "format": 1, "seed": 8, "rng": {}}},
            "root seed 8",
        ),
    ],
)
def test_a_foreign_or_mismatched_checkpoint_state_is_refused(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    callback = SeedlockCallback(seed=7)
    trainer = _tiny_trainer(tmp_path, [callback], seed=7)
    with pytest.raises(StateError, match=message):
        callback.on_train_begin(trainer.args, _resumed_state(entry), trainer.control)


class _Items(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """12 labelled points read with torch noise; ``input_ids`` give group_by_length lengths."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int) -> dict[str, object]:
        if not 0 <= i < 12:
            raise IndexError(i)  # ends `for item in dataset`, as LengthGroupedSampler reads it
        x = torch.full((2,), float(i)) + 0.1 * torch.randn(2)
        return {"x": x, "ids": i, "input_ids": [0] * (i % 3 + 1)}


def _collate(items: list[dict[str, object]]) -> dict[str, torch.Tensor]:
    return {
        "x": torch.stack([item["x"] for item in items]),  # type: ignore[misc]
        "ids": torch.tensor([item["ids"] for item in items]),
    }


class _Recorder(torch.nn.Module):
    """A linear model with dropout that records the sample ids of each training batch."""

    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(2, 1))
        self.seen: list[list[int]] = []
        self.inputs: list[list[float]] = []

    def forward(self, x: torch.Tensor, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        self.seen.append(ids.tolist())
        self.inputs.extend(x[:, 0].tolist())
        return {"loss": self.body(x).pow(2).mean()}


def _train(
    out: Path, callbacks: list[object], resume: str | None = None, **kwargs: object
) -> _Recorder:
    """Train ``_Recorder`` 2 epochs of 3 batches on ``_Items``; return it (with what it saw)."""
    options: dict[str, object] = {
        "per_device_train_batch_size": 4,
        "num_train_epochs": 2,
        "save_strategy": "no",
        "logging_strategy": "no",
        "remove_unused_columns": False,
        **kwargs,
    }
    args = TrainingArguments(
        output_dir=str(out), report_to="none", use_cpu=True, disable_tqdm=True, **options
    )
    model = _Recorder()
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=_Items(),
        data_collator=_collate,
        callbacks=callbacks,  # type: ignore[arg-type]
    )
    trainer.train(resume_from_checkpoint=resume)
    return model


def test_a_sequential_train_sampling_strategy_keeps_index_order(tmp_path: Path) -> None:
    seedlock.seed_everything(7)
    model = _train(tmp_path, [SeedlockCallback()], seed=7, train_sampling_strategy="sequential")
    assert model.seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] * 2


class _WeightedTrainer(Trainer):  # type: ignore[misc]
    def _get_train_sampler(self, train_dataset: object = None) -> torch.utils.data.Sampler:  # type: ignore[type-arg]
        return torch.utils.data.WeightedRandomSampler([1.0] * 6 + [3.0] * 6, 12)


def _refusing_trainer(
    tmp_path: Path, dataset: object, make: type[Trainer] = Trainer, **kwargs: object
) -> Trainer:
    """A Trainer with a default ``SeedlockCallback`` whose data the callback must refuse."""
    seedlock.seed_everything(7)
    args = TrainingArguments(
        output_dir=str(tmp_path),
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        per_device_train_batch_size=4,
        remove_unused_columns=False,
        seed=7,
        **kwargs,
    )
    return make(
        model=_Recorder(),
        args=args,
        train_dataset=dataset,
        data_collator=_collate,
        callbacks=[SeedlockCallback()],
    )


@pytest.mark.parametrize("case", ["group_by_length", "weighted"])
def test_a_sampler_the_callback_would_silently_replace_is_refused_with_the_fix(
    tmp_path: Path, case: str
) -> None:
    strategy = "group_by_length" if case == "group_by_length" else "random"
    make = _WeightedTrainer if case == "weighted" else Trainer
    trainer = _refusing_trainer(tmp_path, _Items(), make, train_sampling_strategy=strategy)
    sampler = "WeightedRandomSampler" if case == "weighted" else "LengthGroupedSampler"
    with pytest.raises(
        SeedlockError, match=rf"samples with {sampler} .*SeedlockCallback\(data=False\)"
    ):
        trainer.train()


def test_trainings_data_seed_fixes_the_data_order_whatever_the_seed(tmp_path: Path) -> None:
    # TrainingArguments(data_seed=...) orders the data independently of the model seed, so that
    # initialisation and dropout vary over seeds while the order stays (as without the callback).
    seen = []
    for seed in (1, 2):
        seedlock.seed_everything(seed)
        seen.append(_train(tmp_path, [SeedlockCallback()], seed=seed, data_seed=5).seen)
    assert seen[0] == seen[1]
    seedlock.seed_everything(1)
    assert _train(tmp_path, [SeedlockCallback()], seed=1).seen != seen[0]


def test_a_data_stream_with_its_own_root_orders_the_data_whatever_the_root_seed(
    tmp_path: Path,
) -> None:
    seen = []
    for seed in (1, 2):
        seedlock.seed_everything(seed, streams={"data": 3})
        seen.append(_train(tmp_path, [SeedlockCallback()], seed=seed).seen)
    assert seen[0] == seen[1]


def test_an_augment_stream_with_its_own_root_fixes_each_samples_augmentation(
    tmp_path: Path,
) -> None:
    drawn = []
    for seed in (1, 2):
        seedlock.seed_everything(seed, streams={"augment": 3})
        model = _train(tmp_path, [SeedlockCallback()], seed=seed)
        ids = [(step // 3, i) for step, batch in enumerate(model.seen) for i in batch]
        drawn.append(dict(zip(ids, model.inputs, strict=True)))
    assert drawn[0] == drawn[1]


class _StopAt(TrainerCallback):  # type: ignore[misc]
    """Saves a checkpoint at ``step`` and stops training there."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if state.global_step == self.step:
            control.should_save = True
            control.should_training_stop = True


def test_callback_state_restored_from_a_checkpoint_keeps_data_false(tmp_path: Path) -> None:
    # restore_callback_states_from_checkpoint=True rebuilds the callback from its saved args; a
    # rebuilt SeedlockCallback(data=True) would swap in seedlock's order in mid-training.
    def run(out: str, *extra: TrainerCallback, resume: str | None = None) -> _Recorder:
        seedlock.seed_everything(7)
        callbacks = [SeedlockCallback(data=False), *extra]
        return _train(
            tmp_path / out,
            callbacks,
            resume,
            seed=7,
            save_strategy="steps",
            save_steps=2,
            restore_callback_states_from_checkpoint=True,
        )

    full = run("full")
    stopped = run("stop", _StopAt(2))
    resumed = run("stop", resume=str(tmp_path / "stop" / "checkpoint-2"))
    assert stopped.seen + resumed.seen == full.seen


class _Stream(torch.utils.data.IterableDataset):  # type: ignore[type-arg]
    """``_Items`` as a stream (a streaming dataset has no length and no sampler)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        items = _Items()
        return (items[i] for i in range(len(items)))


def test_an_iterable_train_dataset_is_refused_with_the_fix_not_a_type_error(
    tmp_path: Path,
) -> None:
    trainer = _refusing_trainer(tmp_path, _Stream(), max_steps=2)
    with pytest.raises(SeedlockError, match=r"iterable _Stream.*SeedlockCallback\(data=False\)"):
        trainer.train()


def test_one_callback_reused_for_a_trainer_per_seed_aligns_each_with_its_seed(
    tmp_path: Path,
) -> None:
    callback = SeedlockCallback()
    for seed in (1, 2):
        seedlock.seed_everything(seed)
        trainer = _tiny_trainer(tmp_path, [callback])
        drawn = torch.rand(3)
        torch.manual_seed(seed)
        assert torch.equal(drawn, torch.rand(3))
        assert trainer.args.seed == seed and callback.aligned_from == 42
        assert callback.report is not None and callback.report.seed == seed
