"""Helpers of the database-problem tests (both tiers): reading and changing a SQLite store behind the tracker's
back, and the one line of error a person should see."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single `error: …` line of a failed command (no traceback, nothing else)."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def content(path: Path) -> list[str]:
    """Everything the database holds, as SQL (the file's bytes move when SQLite checkpoints its WAL)."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def sql(path: Path, statement: str) -> None:
    """Run one statement on the store and commit it."""
    db = sqlite3.connect(path)
    try:
        db.execute(statement)
        db.commit()
    finally:
        db.close()


class FullDisk:
    """A full disk under a store's engine, as SQLite reports one: while `full`, every connection the engine
    hands out may not grow the database (PRAGMA max_page_count clamps to its current size), so a write that
    needs a page fails with "database or disk is full" (SQLITE_FULL) and one that fits still succeeds, as on
    a real full disk; `free()` gives the room back."""

    def __init__(self, engine: Engine) -> None:
        self.full = False
        event.listen(engine, "checkout", self._checkout)

    def fill(self) -> None:
        self.full = True

    def free(self) -> None:
        self.full = False

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {1 if self.full else 1_073_741_823}")
        cursor.close()
