"""Recognising a full database disk, whatever the driver says it with (tracker.store.disk)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.store.disk import is_disk_full


class _PgDiskFull(Exception):
    sqlstate = "53100"  # psycopg's errors.DiskFull carries the SQLSTATE


def _wrapped(exc: Exception) -> Exception:
    try:
        try:
            raise exc
        except Exception as inner:
            raise RuntimeError("poll cycle failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(("exc", "full"), [
    (sqlite3.OperationalError("database or disk is full"), True),
    (OperationalError("INSERT INTO models", {}, sqlite3.OperationalError("database or disk is full")), True),
    (_wrapped(sqlite3.OperationalError("database or disk is full")), True),
    (OperationalError("INSERT", {}, Exception('could not extend file "base/1/2": No space left on device')), True),
    (_PgDiskFull("could not write"), True),
    (sqlite3.OperationalError("database is locked"), False),
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")), False),
    (None, False),
])
def test_a_full_disk_is_recognised_and_nothing_else_is(exc: Exception | None, full: bool) -> None:
    assert is_disk_full(exc) is full
