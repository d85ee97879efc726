"""``python -m seedlock`` runs the command line."""

from __future__ import annotations

from seedlock.cli import console_main

console_main()
