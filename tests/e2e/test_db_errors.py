"""Database problems a user hits are one clear line each (no traceback), and readers need no write access."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import tracker as tracker_package
from tests.conftest import TRACKER, Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
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
    db = sqlite3.connect(path)
    try:
        db.execute(statement)
        db.commit()
    finally:
        db.close()


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


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _reachable(path: Path, uid: int, gid: int) -> bool:
    """Whether `uid` (without root's override of file modes) can reach `path` through its parent folders."""
    for folder in [*reversed(path.parents), path]:
        st = folder.stat()
        bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def as_other_user(*args: str) -> list[str]:
    """Run where file modes apply: as ourselves, or as root without the capabilities that override them.

    Root ignores file modes. It used to drop to nobody (65534), who cannot reach a checkout in a private
    folder (mode 0700, like a home directory) and so not run its venv's `tracker`. Root without
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH is held to the modes like anyone else, and still reaches its
    own checkout; a checkout root does not own is reached as nobody when its folders allow it."""
    if os.geteuid() != 0:
        return list(args)
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot drop what lets root ignore file modes")
    code = [Path(TRACKER), Path(sys.prefix), Path(tracker_package.__file__).parent]
    if all(_reachable(path, 0, 0) for path in code):
        drop = "-dac_override,-dac_read_search"
        return ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", *args]
    if all(_reachable(path, 65534, 65534) for path in code):
        return ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", *args]
    pytest.skip("running as root in a checkout root does not own, in folders nobody may enter: no user that "
                "file modes apply to can run this checkout's `tracker`")


def test_a_read_only_store_still_reads_and_writers_say_why_they_cannot(
    stored: Tracker, shared_dir: Path
) -> None:
    state = shared_dir / "state"
    state.mkdir()
    shutil.copy(stored.db_path, state / "tracker.db")  # the last connection closed: no -wal, no -shm
    (state / "tracker.db").chmod(0o444)
    state.chmod(0o555)
    watchlist = shared_dir / "watchlist.toml"
    shutil.copy(stored.env["TRACKER_WATCHLIST"], watchlist)
    watchlist.chmod(0o644)
    env = {**stored.env, "HOME": str(shared_dir), "TRACKER_WATCHLIST": str(watchlist)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(as_other_user(TRACKER, *args), cwd=shared_dir, env=env, capture_output=True,
                              text=True, timeout=60)

    history = run("history", "--format", "json")
    assert history.returncode == 0, history.stderr
    assert "Qwen/Qwen3-8B" in history.stdout
    assert run("stats").returncode == 0
    line = one_line_error(run("poll"))
    assert "read-only" in line and "write access" in line
    assert sorted(p.name for p in state.iterdir()) == ["tracker.db"]  # nothing was created beside it


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


def test_a_read_only_store_that_needs_an_upgrade_says_so_without_writing(stored: Tracker, shared_dir: Path) -> None:
    state = shared_dir / "state"
    state.mkdir()
    shutil.copy(stored.db_path, state / "tracker.db")
    sql(state / "tracker.db", "UPDATE alembic_version SET version_num = '0003'")  # as made by an older tracker
    before = content(state / "tracker.db")
    (state / "tracker.db").chmod(0o444)
    state.chmod(0o555)
    watchlist = shared_dir / "watchlist.toml"
    shutil.copy(stored.env["TRACKER_WATCHLIST"], watchlist)
    watchlist.chmod(0o644)
    env = {**stored.env, "HOME": str(shared_dir), "TRACKER_WATCHLIST": str(watchlist)}

    result = subprocess.run(as_other_user(TRACKER, "history"), cwd=shared_dir, env=env, capture_output=True,
                            text=True, timeout=60)

    line = one_line_error(result)
    assert "read-only" in line and "rev 0003" in line and "needs upgrading" in line
    assert content(state / "tracker.db") == before
