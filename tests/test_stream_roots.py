"""Per-stream roots: one named branch of the seed tree re-rooted, every other one unchanged."""

from __future__ import annotations

import os
import random

import pytest

import seedlock
from seedlock import _seed
from seedlock._errors import SeedlockError, SeedlockTypeError


def test_streams_parse_and_format_round_trip() -> None:
    streams = _seed.parse_streams("data=3, augment=0x7,global=run-b")
    assert streams["data"] == 3 and streams["augment"] == 7
    assert streams["global"] == _seed.normalize_seed("run-b")
    assert _seed.parse_streams(_seed.format_streams(streams)) == streams


@pytest.mark.parametrize("text", ["data", "data=", "=3", "data=3,data=4", "da ta=3", "data=-1"])
def test_bad_stream_text_is_refused_with_the_text(text: str) -> None:
    with pytest.raises(SeedlockError, match="SEEDLOCK_STREAMS"):
        _seed.parse_streams(text)


@pytest.mark.parametrize("name", ["data\n", "", "1data", "x" * 65, "dätä", "da ta"])
def test_a_stream_name_outside_the_documented_alphabet_is_refused(name: str) -> None:
    with pytest.raises(SeedlockError, match="stream name"):
        _seed.normalize_streams({name: 3})


def test_stream_names_of_the_documented_alphabet_are_accepted() -> None:
    names = ["data", "_x", "a.b-c_9", "Z" * 64]
    assert list(_seed.normalize_streams(dict.fromkeys(names, 1))) == names


def test_streams_must_be_a_mapping() -> None:
    with pytest.raises(SeedlockTypeError, match=r"streams=...\) must be a dict"):
        seedlock.seed_everything(1, streams=[("data", 3)])  # type: ignore[arg-type]


def test_an_overridden_stream_draws_from_its_own_root() -> None:
    seedlock.seed_everything(42, streams={"data": 3})
    assert seedlock.derive("data", "shuffle", 0) == seedlock.derive("data", "shuffle", 0, seed=3)
    assert seedlock.derive("model", 1) == seedlock.derive("model", 1, seed=42)
    assert os.environ["SEEDLOCK_STREAMS"] == "data=3"


def test_without_overrides_every_stream_uses_the_root() -> None:
    report = seedlock.seed_everything(42)
    assert report.streams == {}
    assert "SEEDLOCK_STREAMS" not in os.environ
    # The pinned golden value of derive (tests/test_seed.py) holds with streams in place.
    assert seedlock.derive("data", "shuffle", 3) == 6163578755725815011


def test_streams_come_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDLOCK_STREAMS", "augment=9")
    report = seedlock.seed_everything(5)
    assert report.streams == {"augment": 9}
    assert seedlock.stream_seeds() == {"augment": 9}
    assert "own stream roots: augment=9" in str(report)
    seedlock.seed_everything(5, streams={})
    assert seedlock.stream_seeds() == {} and "SEEDLOCK_STREAMS" not in os.environ


def test_the_global_stream_reroots_the_framework_rngs() -> None:
    report = seedlock.seed_everything(42, streams={"global": 7})
    drawn = random.random()
    random.seed(7)
    assert drawn == random.random() and report.frameworks["python"] == 7
    assert report.seed == 42 and seedlock.root_seed() == 42


def test_isolate_restores_the_stream_roots() -> None:
    seedlock.seed_everything(1, streams={"data": 2})
    with seedlock.isolate():
        seedlock.seed_everything(3, streams={"augment": 4})
        assert seedlock.stream_seeds() == {"augment": 4}
    assert seedlock.stream_seeds() == {"data": 2}
    assert os.environ["SEEDLOCK_STREAMS"] == "data=2"


# Varying one stream leaves every other stream's draws bit-identical.


def _order(n: int = 50) -> list[int]:
    return [int(i) for i in seedlock.data.EpochShuffle(n, rank=0, world=1)]


def _augment() -> list[float]:
    return [float(seedlock.data.sample_rng(i, 0).random()) for i in range(5)]


def _draws(**streams: int) -> tuple[list[int], list[float], list[float]]:
    seedlock.seed_everything(11, streams=streams)
    return _order(), _augment(), [random.random() for _ in range(3)]


@pytest.mark.parametrize("varied", ["data", "augment", "global"])
def test_varying_one_stream_leaves_every_other_stream_bit_identical(varied: str) -> None:
    base = dict(zip(("order", "augment", "global"), _draws(), strict=True))
    changed = dict(zip(("order", "augment", "global"), _draws(**{varied: 99}), strict=True))
    name = {"data": "order"}.get(varied, varied)
    for stream, values in base.items():
        if stream == name:
            assert changed[stream] != values, stream
        else:
            assert changed[stream] == values, stream


def test_initial_weights_follow_the_global_stream_only() -> None:
    torch = pytest.importorskip("torch")

    def weights(**streams: int) -> torch.Tensor:
        seedlock.seed_everything(11, streams=streams)
        return torch.nn.Linear(4, 3).weight.detach().clone()

    base = weights()
    assert torch.equal(weights(data=5, augment=6), base)
    assert not torch.equal(weights(**{"global": 5}), base)


def test_the_torch_loader_takes_order_from_data_and_samples_from_augment() -> None:
    torch = pytest.importorskip("torch")
    import seedlock.torch as sl_torch

    class Noisy(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return 12

        def __getitem__(self, index: int) -> tuple[int, float]:
            return index, float(torch.rand(()))

    def epoch(**streams: int) -> tuple[list[int], dict[int, float]]:
        seedlock.seed_everything(3, streams=streams)
        loader = sl_torch.dataloader(Noisy(), batch_size=4, shuffle=True, rank=0, world=1)
        order: list[int] = []
        noise: dict[int, float] = {}
        for index, value in loader:
            order += index.tolist()
            noise.update(zip(index.tolist(), value.tolist(), strict=True))
        return order, noise

    order, noise = epoch()
    new_order, same_noise = epoch(data=8)
    assert new_order != order and same_noise == noise
    same_order, new_noise = epoch(augment=8)
    assert same_order == order and new_noise != noise
