"""Claim: reading a large run store stays fast and small (issue 9's load goals).

Builds a store of N records (default 100,000: two 1,000-seed sweeps ``a`` and ``b``, the rest in
other sweeps, every record with a ~2 KB fingerprint and a 20-step metric history like a real run
has), then times ``seedlock runs --limit 10``, ``runs --json``, ``compare a b`` and ``report a``
as separate processes and prints wall time and peak memory (max RSS) of each. Goals on 100,000
records: ``runs --limit 10`` <= 0.2 s, ``compare`` <= 2 s and <= 200 MB.

``--baseline-src DIR`` also runs the same commands with another seedlock source tree first on
``PYTHONPATH`` (e.g. an export of the commit before the fix), alternating with this one, and
prints the ratios; the issue measured the old code on 10,000 records at 1.2 s (runs --limit 10),
6.3 s / 570 MB (runs --json), 11.4 s / 1.5 GB (compare) and 10.4 s / 1.1 GB (report).

    python benchmarks/store_load.py [--records 100000] [--repeat 3] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ISSUE_10K: dict[str, tuple[float | None, float | None]] = {
    "runs --limit 10": (1.2, None),
    "runs --json": (6.3, 570.0),
    "compare a b": (11.4, 1500.0),
    "report a": (10.4, 1100.0),
}


def build_store(path: Path, records: int) -> None:
    """A store of ``records`` finished runs, written in bulk (the schema comes from Store)."""
    from seedlock.store import Store

    store = Store(path)
    first = store.start_run(name="init", command=["true"], cwd="/", seed=0)
    store.delete(first.id)
    fingerprint = json.dumps({"packages": {f"pkg{i}": f"{i}.0.{i}" for i in range(80)}})
    columns = (
        "id, name, command, cwd, seed, status, exit_code, started, ended, deterministic, "
        "threads, sweep, tags, fingerprint, doctor, metrics, metric_history, outputs, "
        "stdout_tail, stderr_tail, host, pid"
    )
    conn = sqlite3.connect(path)
    conn.execute("BEGIN")
    now = time.time() - records
    rows = []
    for i in range(records):
        sweep = "a" if i < 1000 else "b" if i < 2000 else f"s{i // 1000}"
        seed = i % 1000
        acc = 0.8 + (seed % 97) / 1000 + (0.01 if sweep == "b" else 0.0)
        history = json.dumps([{"step": s, "metrics": {"loss": 1 / (s + 1)}} for s in range(20)])
        rows.append(
            (
                f"{i:012x}",
                sweep,
                json.dumps(["python", "train.py", "--seed", str(seed)]),
                "/work",
                str(seed),
                "finished",
                0,
                now + i,
                now + i + 0.5,
                0,
                None,
                sweep,
                "{}",
                fingerprint,
                "[]",
                json.dumps({"accuracy": acc, "loss": 1 - acc}),
                history,
                "{}",
                "epoch 20 done\n",
                "",
                "bench",
                None,
            )
        )
        if len(rows) == 5000:
            conn.executemany(f"INSERT INTO runs ({columns}) VALUES ({', '.join('?' * 22)})", rows)
            rows = []
    if rows:
        conn.executemany(f"INSERT INTO runs ({columns}) VALUES ({', '.join('?' * 22)})", rows)
    conn.execute("COMMIT")
    conn.close()


def measure(src: str, store: Path, args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``seedlock ARGS`` with ``src`` first."""
    env = dict(os.environ, PYTHONPATH=src, SEEDLOCK_STORE=str(store))
    # Measured as installed: bytecode cached (the first, warm-up call writes it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = (
        [sys.executable, "-c", args[1]]
        if args[0] == "-c"
        else [sys.executable, "-m", "seedlock", *args]
    )
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"seedlock {' '.join(args)} failed ({proc.returncode}): {err}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-src", help="another seedlock src/ to compare against")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="commands to skip, e.g. 'runs --json'"
    )
    args = parser.parse_args()

    ours = str(Path(__file__).resolve().parents[1] / "src")
    commands = {
        "runs --limit 10": ["runs", "--limit", "10"],
        "runs --json": ["runs", "--json"],
        "compare a b": ["compare", "a", "b", "--metric", "accuracy"],
        "report a": ["report", "a"],
        # The store's share of compare: reading both sweeps' values (the rest is statistics).
        "load a, b": [
            "-c",
            "from seedlock.report import load_values; load_values('a'); load_values('b')",
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp, "runs.db")
        began = time.perf_counter()
        build_store(store, args.records)
        size = store.stat().st_size / 1e6
        print(
            f"store: {args.records:,} records, {size:.0f} MB, built in "
            f"{time.perf_counter() - began:.1f} s"
        )
        print(
            f"{'command':<18}{'ours s':>9}{'ours MB':>9}{'base s':>9}{'base MB':>9}{'ratio':>8}"
            f"{'cpu s':>7}{'base cpu':>9}"
        )
        for label, argv in commands.items():
            if label in args.skip:
                continue
            for src in filter(None, (ours, args.baseline_src)):
                measure(src, store, argv)  # warm-up: bytecode and page cache
            mine: list[tuple[float, float, float]] = []
            base: list[tuple[float, float, float]] = []
            for _ in range(args.repeat):
                if args.baseline_src:
                    base.append(measure(args.baseline_src, store, argv))
                mine.append(measure(ours, store, argv))
            t = statistics.median(m[0] for m in mine)
            mb = max(m[1] for m in mine)
            line = f"{label:<18}{t:>9.2f}{mb:>9.0f}"
            if base:
                bt = statistics.median(b[0] for b in base)
                bmb = max(b[1] for b in base)
                line += f"{bt:>9.2f}{bmb:>9.0f}{bt / t:>7.1f}x"
                cpu = statistics.median(m[2] for m in mine)
                line += f"{cpu:>7.2f}{statistics.median(b[2] for b in base):>9.2f}"
            else:
                old_t, old_mb = _ISSUE_10K.get(label, (None, None))
                if old_t is not None:
                    line += f"{old_t:>9.2f}{'' if old_mb is None else f'{old_mb:.0f}':>9}"
                    line += "  (issue, 10k records)"
            print(line)


if __name__ == "__main__":
    main()
