"""CLI commands for reviewing the stored history: export, feed, site, stats."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the history-review subcommands on the `tracker` parser."""
