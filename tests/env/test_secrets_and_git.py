"""Nothing secret is stored, and fingerprinting never runs a repository's configured commands."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import seedlock
from seedlock.env import redact_env


@pytest.mark.parametrize(
    "name",
    [
        "SEEDLOCK_API_TOKEN",
        "HF_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "MY_CREDENTIALS",
        "github_auth",
        "WANDB_API_KEY",
        "seedlock_passwd",
    ],
)
def test_secret_looking_names_are_redacted_whatever_their_prefix(name: str) -> None:
    assert redact_env({name: "s3cr3t"}) == {name: "<redacted>"}


def test_credentials_in_urls_are_masked_and_other_values_kept() -> None:
    out = redact_env({"SEEDLOCK_STORE": "https://alice:pw@host/x", "SEEDLOCK_SEED": "42"})
    assert out == {"SEEDLOCK_STORE": "https://***@host/x", "SEEDLOCK_SEED": "42"}


def test_the_fingerprint_never_holds_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDLOCK_API_TOKEN", "tok-123456")
    monkeypatch.setenv("SEEDLOCK_REMOTE", "s3://key:secret@bucket/path")
    fp = seedlock.env.collect()
    text = str(fp.to_dict())
    assert "tok-123456" not in text and "secret@" not in text
    assert fp.env["SEEDLOCK_API_TOKEN"] == "<redacted>"


def test_fingerprinting_a_repository_does_not_run_its_fsmonitor(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    marker = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "monitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], cwd=repo, check=True)
    (repo / "f.txt").write_text("x")
    subprocess.run(
        ["git", "add", "f.txt"],
        cwd=repo,
        check=True,
        env={"GIT_OPTIONAL_LOCKS": "0", "PATH": "/usr/bin:/bin"},
    )
    marker.unlink(missing_ok=True)  # `git add` itself may have run it
    fp = seedlock.env.collect(repo)
    assert fp.git is not None and fp.git["dirty"]
    assert not marker.exists()
