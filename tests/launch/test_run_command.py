from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from seedlock import SeedlockError, derive
from seedlock.launch import child_env, resolve_seed_arg, run_command
from seedlock.store import Store

PY = sys.executable


def _script(tmp_path: Path, body: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store" / "runs.db")


def test_the_child_gets_the_seed_and_a_derived_hash_seed_before_it_starts(store: Store) -> None:
    code = "import os; print(os.environ['SEEDLOCK_SEED'], os.environ['PYTHONHASHSEED'])"
    result = run_command([PY, "-c", code], seed=42, store=store, echo=False)
    assert result.stdout.split() == ["42", str(derive("python", "hashseed", seed=42) % 2**32)]
    assert result.record.status == "finished" and result.record.exit_code == 0


def test_string_hash_order_is_identical_in_two_runs_with_the_same_seed(
    tmp_path: Path, store: Store
) -> None:
    script = _script(tmp_path, "print(list({f'key{i}' for i in range(50)}), hash('seedlock'))")
    runs = [run_command([PY, str(script)], seed=7, store=store, echo=False) for _ in range(2)]
    other = run_command([PY, str(script)], seed=8, store=store, echo=False)
    assert runs[0].stdout == runs[1].stdout
    assert other.stdout != runs[0].stdout


def test_deterministic_and_thread_settings_reach_the_child_environment() -> None:
    env = child_env(seed=1, deterministic=True, threads=3)
    assert env["SEEDLOCK_DETERMINISTIC"] == "1" and env["SEEDLOCK_THREADS"] == "3"
    assert env["CUBLAS_WORKSPACE_CONFIG"] in (":4096:8", ":16:8")
    assert env["OMP_NUM_THREADS"] == "3"
    plain = child_env(seed=1)
    assert "SEEDLOCK_DETERMINISTIC" not in plain and "SEEDLOCK_THREADS" not in plain


def test_a_nested_run_does_not_inherit_the_outer_runs_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDLOCK_RUN_ID", "outer")
    monkeypatch.setenv("SEEDLOCK_BOOT_PID", "1")
    monkeypatch.setenv("SEEDLOCK_THREADS", "9")
    env = child_env(seed=5, run_id="inner")
    assert env["SEEDLOCK_RUN_ID"] == "inner"
    assert "SEEDLOCK_BOOT_PID" not in env and "SEEDLOCK_THREADS" not in env


_UNMODIFIED = """
import random
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

class Noise(Dataset):
    def __len__(self):
        return 8
    def __getitem__(self, i):
        return torch.tensor([np.random.rand(), random.random(), torch.rand(()).item()])

if __name__ == "__main__":
    print("start", random.random(), np.random.rand(), torch.rand(2).tolist())
    model = torch.nn.Linear(3, 1)
    loader = DataLoader(Noise(), batch_size=4, shuffle=True, num_workers=2)
    for batch in loader:
        print("batch", batch.tolist(), model(batch).sum().item())
"""


@pytest.mark.torch
@pytest.mark.slow
def test_an_unmodified_random_numpy_torch_script_repeats_exactly_only_under_seedlock(
    tmp_path: Path, store: Store
) -> None:
    pytest.importorskip("torch")
    script = _script(tmp_path, _UNMODIFIED)
    seeded = [run_command([PY, str(script)], seed=3, store=store, echo=False) for _ in range(2)]
    assert [r.record.exit_code for r in seeded] == [0, 0], seeded[0].stderr
    assert "seeding failed" not in seeded[0].stderr
    assert seeded[0].stdout == seeded[1].stdout
    assert seeded[0].stdout.count("batch") == 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    plain = [
        subprocess.run([PY, str(script)], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert plain[0].stdout.splitlines()[0] != plain[1].stdout.splitlines()[0]


def test_the_hook_chains_to_an_existing_sitecustomize(tmp_path: Path, store: Store) -> None:
    user_dir = tmp_path / "userhook"
    user_dir.mkdir()
    (user_dir / "sitecustomize.py").write_text("import builtins\nbuiltins.USER_HOOK = 'ran'\n")
    code = "import builtins, random; print(builtins.USER_HOOK, random.random())"
    results = [
        run_command(
            [PY, "-c", code],
            seed=11,
            store=store,
            echo=False,
            extra_env={"PYTHONPATH": str(user_dir)},
        )
        for _ in range(2)
    ]
    assert results[0].stdout.startswith("ran ")
    assert results[0].stdout == results[1].stdout
    assert "failed" not in results[0].stderr


def test_a_broken_user_sitecustomize_is_reported_and_the_program_still_runs(
    tmp_path: Path, store: Store
) -> None:
    user_dir = tmp_path / "badhook"
    user_dir.mkdir()
    (user_dir / "sitecustomize.py").write_text("raise RuntimeError('boom')\n")
    result = run_command(
        [PY, "-c", "print('alive')"],
        seed=1,
        store=store,
        echo=False,
        extra_env={"PYTHONPATH": str(user_dir)},
    )
    assert result.stdout == "alive\n" and result.record.exit_code == 0
    assert "RuntimeError: boom" in result.stderr


def test_metrics_and_artifacts_logged_by_the_script_are_recorded(
    tmp_path: Path, store: Store
) -> None:
    script = _script(
        tmp_path,
        """
        import seedlock
        for step in range(3):
            seedlock.log(step=step, loss=1.0 / (step + 1))
        seedlock.log(accuracy=0.75, label="done")
        with open("weights.bin", "wb") as fh:
            fh.write(b"abc")
        seedlock.log_artifact("weights.bin")
        with open("extra.txt", "w") as fh:
            fh.write("x")
        """,
    )
    result = run_command(
        [PY, str(script)], seed=1, store=store, echo=False, cwd=str(tmp_path), outputs=["extra.txt"]
    )
    rec = store.get(result.record.id)
    assert rec.metrics == {"loss": pytest.approx(1 / 3), "accuracy": 0.75, "label": "done"}
    assert [entry.get("step") for entry in rec.metric_history] == [0, 1, 2, None]
    assert (
        rec.outputs["extra.txt"]
        == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert rec.outputs[str((tmp_path / "weights.bin").resolve())] == abc


def test_a_missing_output_is_an_error_and_the_record_keeps_what_exists(
    tmp_path: Path, store: Store
) -> None:
    code = "open('made.txt', 'w').write('1')"
    with pytest.raises(SeedlockError, match=r"'absent.txt'.*did not exist"):
        run_command(
            [PY, "-c", code],
            seed=1,
            store=store,
            echo=False,
            cwd=str(tmp_path),
            outputs=["made.txt", "absent.txt"],
        )
    (rec,) = store.runs()
    assert list(rec.outputs) == ["made.txt"] and rec.status == "finished"


def test_exit_codes_and_signals_become_failed_and_killed(store: Store) -> None:
    failed = run_command([PY, "-c", "import sys; sys.exit(3)"], seed=1, store=store, echo=False)
    assert (failed.record.status, failed.record.exit_code) == ("failed", 3)
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    killed = run_command([PY, "-c", code], seed=1, store=store, echo=False)
    assert (killed.record.status, killed.record.exit_code) == ("killed", -signal.SIGKILL)


def test_a_command_that_cannot_start_leaves_a_failed_record(store: Store, tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="cannot start 'no-such-program-xyz'"):
        run_command(["no-such-program-xyz", "--flag"], seed=1, store=store, echo=False)
    not_exec = tmp_path / "data.txt"
    not_exec.write_text("hello")
    with pytest.raises(SeedlockError, match="cannot start"):
        run_command([str(not_exec)], seed=1, store=store, echo=False)
    records = store.runs()
    assert [r.status for r in records] == ["failed", "failed"]
    assert records[1].exit_code is None and "no-such-program-xyz" in records[1].stderr_tail


def test_a_non_python_command_runs_and_is_recorded(store: Store) -> None:
    result = run_command(["sh", "-c", 'echo "$SEEDLOCK_SEED"'], seed=99, store=store, echo=False)
    assert result.stdout == "99\n" and result.record.stdout_tail == "99\n"


def test_output_is_streamed_through_while_captured(
    store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    code = "import sys; print('to-out'); print('to-err', file=sys.stderr)"
    result = run_command([PY, "-c", code], seed=1, store=store)
    out, err = capfd.readouterr()
    assert "to-out" in out and "to-err" in err
    assert result.stdout == "to-out\n" and result.stderr.startswith("to-err\n")


def test_resolve_seed_arg_reads_ints_words_last_and_the_environment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def resolve(text: str | None, name: str | None = None) -> int:
        return resolve_seed_arg(text, store=store, name=name, command=["python", "t.py"])

    assert resolve("42") == 42 and resolve("0x10") == 16 and resolve("007") == 7
    assert resolve("baseline") == resolve("baseline") != resolve("other")
    assert resolve("random") != resolve("random")
    with pytest.raises(SeedlockError, match="--seed must be"):
        resolve("-3")
    with pytest.raises(SeedlockError, match="--seed last found no earlier run"):
        resolve("last", name="exp")
    rec = store.start_run(name="exp", command=["python", "t.py"], cwd="/", seed=2**100)
    assert resolve("last", name="exp") == 2**100
    assert resolve("last") == 2**100
    assert rec.seed == 2**100
    monkeypatch.setenv("SEEDLOCK_SEED", "1234")
    assert resolve(None) == 1234
    monkeypatch.delenv("SEEDLOCK_SEED")
    assert resolve(None) != resolve(None)


_PARENT = """
import sys
from seedlock.launch import run_command
from seedlock.store import Store
code = (
    "import os, time; open(os.environ['SEEDLOCK_RUN_DIR'] + '/../../started', 'w').close(); "
    "time.sleep(60)"
)
run_command([sys.executable, "-c", code], seed=5, store=Store(sys.argv[1]), echo=False)
"""


def test_a_parent_killed_with_sigkill_leaves_a_readable_store_and_an_unfinished_run(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    parent = subprocess.Popen([PY, "-c", _PARENT, str(db)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        (rec,) = Store(db).runs()
        assert rec.status == "unfinished" and rec.pid == parent.pid and rec.seed == 5
        assert Store(db).runs(status="unfinished") == [rec]
    finally:
        # The child has its own group and dies with its launcher; nothing should be left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)


def test_doctor_findings_and_fingerprint_come_only_from_the_main_process(
    tmp_path: Path, store: Store
) -> None:
    pytest.importorskip("seedlock.env")
    script = _script(
        tmp_path,
        """
        import subprocess, sys
        subprocess.run([sys.executable, "-c", "import os; print(os.environ['SEEDLOCK_BOOT_PID'])"])
        """,
    )
    result = run_command([PY, str(script)], seed=1, store=store, echo=False)
    run_dir = store.run_dir(result.record.id)
    doctor = json.loads((run_dir / "doctor.json").read_text())
    assert doctor["kind"] == "seedlock-doctor" and isinstance(doctor["findings"], list)
    assert result.record.fingerprint is not None
    assert result.record.fingerprint == json.loads((run_dir / "fingerprint.json").read_text())
    assert result.record.pid is not None and result.stdout.strip().isdigit()
    assert "seedlock:" not in result.stderr


def test_the_hook_costs_nothing_when_no_run_is_active(tmp_path: Path) -> None:
    from seedlock.launch._run import HOOK_DIR

    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    env["PYTHONPATH"] = HOOK_DIR
    code = "import sys; print('seedlock' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


#: Standard-library modules that cost a seeded child milliseconds each and that seeding does not
#: need (typing, dataclasses with inspect/ast/dis, re, hashlib's OpenSSL binding).
_HOOK_NEVER_IMPORTS = ("typing", "dataclasses", "inspect", "ast", "re", "hashlib", "logging")


def test_the_seeding_hook_imports_no_heavy_standard_module() -> None:
    code = (
        f"import sys; print(sorted(m for m in {_HOOK_NEVER_IMPORTS!r} if m in sys.modules), "
        "'seedlock._everything' in sys.modules)"
    )
    env = child_env(seed=42, deterministic=True, threads=1)
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]
    assert out.stderr == ""


_TERM_PARENT = """
import sys
from seedlock.launch import run_command
from seedlock.store import Store
code = (
    "import os, time; open(os.environ['SEEDLOCK_RUN_DIR'] + '/../../started', 'w').close(); "
    "time.sleep(60)"
)
result = run_command([sys.executable, "-c", code], seed=5, store=Store(sys.argv[1]), echo=False)
print(result.record.status, result.record.exit_code)
"""


def test_sigterm_to_the_launcher_is_forwarded_and_the_run_recorded_as_killed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    parent = subprocess.Popen(
        [PY, "-c", _TERM_PARENT, str(db)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        parent.send_signal(signal.SIGTERM)
        out, _ = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
    assert parent.returncode == 0
    assert out.split() == ["killed", str(-signal.SIGTERM)]
    assert Store(db).runs()[0].status == "killed"


def test_a_seeding_failure_is_reported_once_and_the_program_still_runs(tmp_path: Path) -> None:
    from seedlock.launch._run import HOOK_DIR

    env = {k: v for k, v in os.environ.items() if not k.startswith("SEEDLOCK_")}
    env.update(PYTHONPATH=HOOK_DIR, SEEDLOCK_SEED="-5")
    out = subprocess.run(
        [PY, "-c", "print('alive')"], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout == "alive\n"
    assert out.stderr.count("seeding failed, the program runs unseeded") == 1


def test_log_outside_a_run_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import seedlock

    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.bin").write_bytes(b"x")
    seedlock.log(step=1, loss=0.5)
    seedlock.log_artifact("w.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.bin"]


def test_log_accepts_numbers_strings_and_scalar_arrays_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    import seedlock
    from seedlock import SeedlockTypeError

    monkeypatch.setenv("SEEDLOCK_RUN_DIR", str(tmp_path))
    seedlock.log(a=1, b=0.5, c="x", d=np.float32(0.25), e=np.array([3]))
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {"metrics": {"a": 1, "b": 0.5, "c": "x", "d": 0.25, "e": 3}}
    with pytest.raises(SeedlockTypeError, match=r"seedlock.log\(v=...\)"):
        seedlock.log(v=np.zeros(3))
    with pytest.raises(SeedlockTypeError, match="step must be an int"):
        seedlock.log(step=1.5, v=1)  # type: ignore[arg-type]
    with pytest.raises(SeedlockError, match="needs an existing file"):
        seedlock.log_artifact(tmp_path / "missing.bin")


def test_importing_the_launcher_and_store_imports_no_framework() -> None:
    code = (
        "import sys, seedlock, seedlock.launch, seedlock.store, seedlock.cli.run, "
        "seedlock.cli.runs, seedlock.cli.diff; seedlock.log(x=1); "
        "print(sorted(m for m in ('torch', 'tensorflow', 'jax', 'mlflow') if m in sys.modules))"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


@pytest.mark.torch
def test_deterministic_and_threads_flags_configure_torch_in_the_child(store: Store) -> None:
    pytest.importorskip("torch")
    code = (
        "import torch; print(torch.are_deterministic_algorithms_enabled(), torch.get_num_threads())"
    )
    result = run_command(
        [PY, "-c", code], seed=1, deterministic=True, threads=2, store=store, echo=False
    )
    assert result.stdout.split() == ["True", "2"], result.stderr
    assert result.record.deterministic and result.record.threads == 2


def test_an_interpreter_without_seedlock_installed_is_still_seeded(
    tmp_path: Path, store: Store
) -> None:
    import random
    import venv

    import numpy

    # A bare venv of the same Python that sees our NumPy but not our seedlock install.
    env_dir = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bare_python = str(env_dir / "bin" / "python")
    site_packages = next(env_dir.glob("lib/python*/site-packages"))
    (site_packages / "numpy_only.pth").write_text(str(Path(numpy.__file__).parent.parent) + "\n")
    check = subprocess.run([bare_python, "-c", "import seedlock"], capture_output=True, text=True)
    assert "No module named 'seedlock'" in check.stderr
    code = "import random; print(random.random())"
    result = run_command([bare_python, "-c", code], seed=9, store=store, echo=False)
    assert result.record.exit_code == 0 and "seeding failed" not in result.stderr, result.stderr
    assert result.stdout == f"{random.Random(9).random()}\n"


def test_the_start_up_hook_imports_no_numpy_into_the_child(store: Store) -> None:
    code = "import sys; print('numpy' in sys.modules, 'seedlock' in sys.modules)"
    result = run_command([PY, "-c", code], seed=3, store=store, echo=False)
    assert result.stdout.split() == ["False", "True"]
    assert result.record.exit_code == 0


def test_a_background_process_holding_the_output_pipes_does_not_hold_the_run(
    store: Store,
) -> None:
    start = time.monotonic()
    result = run_command(["sh", "-c", "sleep 30 & echo started"], seed=1, store=store, echo=False)
    assert time.monotonic() - start < 20
    assert result.stdout == "started\n"
    assert result.record.status == "finished"


def test_a_child_seeded_with_a_string_seed_is_seeded_like_seed_everything() -> None:
    # A script inside a run may export its own SEEDLOCK_SEED for the Python processes it starts.
    code = "import random; print(random.random())"
    env = {**child_env(seed=1), "SEEDLOCK_SEED": "exp-a"}
    hooked = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, check=True)
    expected = subprocess.run(
        [PY, "-c", f"import seedlock; seedlock.seed_everything('exp-a'); {code}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "seeding failed" not in hooked.stderr
    assert hooked.stdout == expected


def test_seed_text_means_the_same_on_the_command_line_and_in_the_environment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for text in ("0123", "0x10", "exp-a"):
        monkeypatch.setenv("SEEDLOCK_SEED", text)
        from_env = resolve_seed_arg(None, store=store, name=None, command=["x"])
        assert resolve_seed_arg(text, store=store, name=None, command=["x"]) == from_env
