"""Database problems a user hits are one clear line each (no traceback), and readers need no write access."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import tracker as tracker_package
from tests.conftest import TRACKER, Tracker
from tests.db_files import content, one_line_error, sql
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


@pytest.fixture
def stored(tracker: Tracker, fake_hub: FakeHub) -> Tracker:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)
    return tracker


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
