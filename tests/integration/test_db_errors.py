"""Database problems a user hits are one clear line each (no traceback), and readers need no write access."""

from __future__ import annotations

import os
import sqlite3
import stat
import time

import pytest

from tests.conftest import Tracker
from tests.db_files import FullDisk, content, one_line_error, sql
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.integration.daemon_harness import InProcessRun
from tests.telegram_world import ago

RELEASES = 20


@pytest.fixture
def stored(tracker: Tracker, fake_hub: FakeHub) -> Tracker:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)
    return tracker


def test_a_schema_from_the_future_is_refused_without_writing(stored: Tracker) -> None:
    sql(stored.db_path, "UPDATE alembic_version SET version_num = '0999'")
    before = content(stored.db_path)

    for command in (("history",), ("poll",), ("export",), ("stats",)):
        line = one_line_error(stored.run(*command))
        assert "the database schema (rev 0999) is newer than this tracker (rev " in line
        assert "upgrade the tracker" in line
    assert content(stored.db_path) == before


def test_a_dropped_alembic_version_table_is_named_not_a_garbled_sql_error(stored: Tracker) -> None:
    sql(stored.db_path, "DROP TABLE alembic_version")
    before = content(stored.db_path)

    for command in (("poll",), ("history",)):
        line = one_line_error(stored.run(*command))
        assert "no alembic_version table" in line and "alerts" in line and "VARC" not in line
    assert content(stored.db_path) == before


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?cache=shared"])
def test_an_in_memory_sqlite_url_is_refused_clearly(tracker: Tracker, url: str) -> None:
    tracker.env["TRACKER_DATABASE_URL"] = url
    for command in (("poll",), ("history",)):
        line = one_line_error(tracker.run(*command))
        assert "in-memory SQLite database" in line and "sqlite:///state/tracker.db" in line


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u:pw@localhost/db", "scheme 'postgres' is not known: write postgresql+psycopg://"),
    ("mysql://u:pw@localhost/db", "scheme 'mysql' needs the Python module 'MySQLdb'"),
    ("oracle+nosuch://u@h/db", "scheme 'oracle+nosuch' has no database driver here"),
    ("cockroach://u@h/db", "release-tracker[postgres]"),
    ("not a url", "is not a database URL; expected sqlite:///"),
])
def test_a_bad_database_url_names_the_scheme_and_the_drivers(tracker: Tracker, url: str, expected: str) -> None:
    tracker.env["TRACKER_DATABASE_URL"] = url
    line = one_line_error(tracker.run("history"))
    assert expected in line
    assert "NoSuchModuleError" not in line and "pw" not in line


def test_the_state_folder_and_database_are_private_to_their_owner(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    old = os.umask(0o022)
    try:
        tracker.run("poll", check=True)
        # While a connection is open SQLite keeps its -wal and -shm files: check those too.
        with sqlite3.connect(tracker.db_path) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE org_state SET org = org")
            files = [p for p in tracker.db_path.parent.iterdir() if p.name.startswith("tracker.db")]
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
            db.rollback()
    finally:
        os.umask(old)
    assert stat.S_IMODE(tracker.db_path.parent.stat().st_mode) == 0o700
    assert modes["tracker.db"] == 0o600
    assert {"tracker.db-wal", "tracker.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}


def test_a_full_database_disk_is_one_line_when_it_fills_and_one_when_it_has_room(tracker: Tracker,
                                                                                 fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = InProcessRun(tracker)
    names = [f"Qwen/Full{n:02d}-7B" for n in range(RELEASES)]
    try:
        running.wait_polls(fake_hub)
        disk = FullDisk(running.store.engine)
        disk.fill()
        for name in names:  # more than the pages the store has free: storing them needs the disk to grow
            fake_hub.add_model(name, created_at=ago(minutes=1), safetensors={"BF16": 7 * 10**9})
        running.wait_polls(fake_hub, cycles=3)  # every one of these cycles fails to store them
        full = running.err
        assert "Full00" not in running.out

        disk.free()
        deadline = time.time() + 30
        while not all(f"· {name}\n" in running.out for name in names):
            assert time.time() < deadline, running.err
            time.sleep(0.1)
        running.wait_polls(fake_hub, cycles=2)
    finally:
        err = running.stop()

    said = [line for line in full.splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(said) == 1 and "the database disk is full" in said[0], full
    lines = [line for line in err.splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(lines) == 2, err
    assert "the database disk is full" in lines[0] and str(tracker.db_path) in lines[0]
    assert "the database disk has room again" in lines[1]
    assert "Traceback" not in err
    assert all(running.out.count(f"· {name}\n") == 1 for name in names), running.out  # each alerted once
