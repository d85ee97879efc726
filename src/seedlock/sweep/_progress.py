"""The sweep's progress display on stderr: done / failed / running and an ETA.

Determinism contract: display only; it reads outcomes and never affects what runs.
Uses ``rich`` when it is installed and stderr is a terminal, else plain text: one updating line
on a terminal, one line per finished seed otherwise (logs, CI).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

from seedlock.sweep._sweep import SeedOutcome

__all__ = ["SweepProgress"]


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class SweepProgress:
    """Counts seeds as they start and end and shows it.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> progress = SweepProgress("demo", total=2, stream=out)
        >>> progress.start(0)
        >>> progress.close()
    """

    def __init__(
        self,
        name: str,
        *,
        total: int,
        stream: IO[str] | None = None,
        label: Callable[[int], str] | None = None,
    ) -> None:
        self._name = name
        self._label = label or (lambda seed: f"seed {seed}")
        self._total = total
        self._stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._done = 0
        self._failed = 0
        self._running = 0
        self._began = time.monotonic()
        self._rich: Any = None
        self._task: Any = None
        if self._tty:
            self._start_rich()

    def _start_rich(self) -> None:
        try:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        except ImportError:
            return
        self._rich = Progress(
            TextColumn("sweep {task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} done, {task.fields[status]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=self._stream),
            transient=False,
        )
        self._rich.start()
        self._task = self._rich.add_task(self._name, total=self._total, status="")

    def _status(self) -> str:
        return f"{self._failed} failed, {self._running} running"

    def _eta(self) -> str:
        finished = self._done + self._failed
        if not finished:
            return "ETA -:--:--"
        elapsed = time.monotonic() - self._began
        return f"ETA {_clock(elapsed / finished * (self._total - finished))}"

    def _refresh(self) -> None:
        finished = self._done + self._failed
        if self._rich is not None:
            self._rich.update(self._task, completed=finished, status=self._status())
        elif self._tty:
            line = (
                f"sweep {self._name}: {finished}/{self._total} done, {self._status()}, "
                f"{self._eta()}"
            )
            self._stream.write(f"\r{line}\x1b[K")
            self._stream.flush()

    def start(self, seed: int) -> None:
        """A seed's run started."""
        self._running += 1
        self._refresh()

    def done(self, outcome: SeedOutcome) -> None:
        """A seed's run ended."""
        self._running = max(0, self._running - 1)
        if outcome.ok:
            self._done += 1
        else:
            self._failed += 1
        if not self._tty:
            self._stream.write(self._line(outcome) + "\n")
            self._stream.flush()
        self._refresh()

    def _line(self, outcome: SeedOutcome) -> str:
        record = outcome.record
        finished = self._done + self._failed
        head = f"sweep {self._name}: [{finished}/{self._total}] {self._label(outcome.seed)}"
        if record is None:
            return f"{head} failed: {outcome.error}"
        duration = "" if record.duration is None else f" in {record.duration:.1f}s"
        if outcome.ok:
            shown = ", ".join(f"{k}={v}" for k, v in list(record.metrics.items())[:4])
            return f"{head} finished{duration}" + (f" ({shown})" if shown else "")
        tail = record.stderr_tail.strip().splitlines()[-1:] or [""]
        return f"{head} {record.status} (exit {record.exit_code}){duration}: {tail[0][:200]}"

    def close(self) -> None:
        """Stop the display (leaves the final state visible)."""
        if self._rich is not None:
            self._rich.stop()
        elif self._tty:
            self._stream.write("\n")
            self._stream.flush()
