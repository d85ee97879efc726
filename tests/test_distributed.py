"""Rank discovery from torchrun variables and torch.distributed; rank 0's root on every rank."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

import seedlock
from seedlock import distributed
from seedlock.distributed import RankInfo
from seedlock.frameworks import _registry


def test_a_plain_process_is_rank_0_of_1(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    if distributed.process_group_ready():
        pytest.skip("a process group is initialised in this process")
    assert distributed.rank_info() == RankInfo(0, 1, 0, "default")


def test_torchrun_variables_give_rank_world_and_local_rank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RANK", "5")
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert distributed.rank_info() == RankInfo(5, 8, 1, "env")


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"RANK": "one", "WORLD_SIZE": "2"}, r"\$RANK must be an int >= 0, got 'one'"),
        ({"RANK": "0", "WORLD_SIZE": "0"}, r"\$WORLD_SIZE must be an int >= 1, got 0"),
        ({"RANK": "-1", "WORLD_SIZE": "2"}, r"\$RANK must be an int >= 0, got -1"),
        ({"RANK": "2", "WORLD_SIZE": "2"}, "RANK must be below"),
        ({"LOCAL_RANK": "x"}, r"\$LOCAL_RANK"),
    ],
)
def test_bad_launcher_variables_raise_clear_errors(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], match: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(seedlock.SeedlockError, match=match):
        distributed.rank_info()


def test_broadcast_root_needs_a_process_group() -> None:
    if distributed.process_group_ready():
        pytest.skip("a process group is initialised in this process")
    with pytest.raises(seedlock.SeedlockError, match="init_process_group"):
        distributed.broadcast_root(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rank_main(rank: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        report = seedlock.seed_everything()
        info = distributed.rank_info()
        result = {
            "seed": str(report.seed),
            "source": report.source,
            "rank": info.rank,
            "world": info.world,
            "rank_stream": str(seedlock.derive("rank", info.rank)),
            "env": os.environ["SEEDLOCK_SEED"],
        }
        Path(out_dir, f"{rank}.json").write_text(json.dumps(result))
    finally:
        dist.destroy_process_group()
        _registry._uninstall_hook()


@pytest.mark.torch
@pytest.mark.slow
def test_every_rank_of_a_gloo_run_gets_rank_0_root_and_its_own_stream(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    import torch.multiprocessing as mp

    mp.spawn(_rank_main, args=(_free_port(), str(tmp_path)), nprocs=2, join=True)
    results = [json.loads((tmp_path / f"{r}.json").read_text()) for r in (0, 1)]
    assert results[0]["seed"] == results[1]["seed"] == results[0]["env"] == results[1]["env"]
    assert {r["source"] for r in results} == {"broadcast"}
    assert [(r["rank"], r["world"]) for r in results] == [(0, 2), (1, 2)]
    assert results[0]["rank_stream"] != results[1]["rank_stream"]
    root = int(results[0]["seed"])
    assert results[1]["rank_stream"] == str(seedlock.derive("rank", 1, seed=root))
