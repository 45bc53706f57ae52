"""End to end on PostgreSQL: the same code runs by a change of TRACKER_DATABASE_URL.

Starts a throwaway PostgreSQL server from the machine's binaries; skips, saying why, when there are none.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

pytest.importorskip("psycopg", reason="psycopg (PostgreSQL driver) is not installed")


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    # Not pytest's tmp_path: its parents are private to our user, and the server may run as another one.
    tmp_path = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    data = tmp_path / "pgdata"
    data.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to start PostgreSQL as another user")
        for path in (tmp_path, data):
            shutil.chown(path, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    options = f"-p {port} -k {tmp_path} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(tmp_path / "pg.log"), "-w",
                        "start"], check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(tmp_path, ignore_errors=True)
        pytest.skip(f"could not start a throwaway PostgreSQL server here: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_whole_flow_runs_on_postgresql(tracker: Tracker, fake_hub: FakeHub, postgres_url: str) -> None:
    tracker.env["TRACKER_DATABASE_URL"] = postgres_url
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen2_5_7b(fake_hub)
    tracker.run("poll", "--enrich", "5", check=True)

    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    fake_hub.delete("Qwen/Qwen2.5-7B")
    second = tracker.run("poll", check=True)
    assert "Qwen/Qwen3-30B-A3B" in second.stdout and "LICENSE CHANGED" in second.stdout
    assert tracker.run("poll", check=True).stdout == ""  # nothing alerted twice

    records = {r["repo_id"]: r for r in json.loads(
        tracker.run("history", "--format", "json", "--min-params", "1B", check=True).stdout)}
    assert records["deepseek-ai/DeepSeek-V3"]["params_total"] < 680e9  # config read: MTP left out
    assert records["Qwen/Qwen2.5-7B"]["status"] == "removed"
    assert records["Qwen/Qwen3-8B"]["license"] == "mit"
    kinds = [e["kind"] for e in json.loads(tracker.run("export", "--events", "--format", "json", check=True).stdout)]
    assert {"backfill", "new", "license_changed", "removed"} <= set(kinds)
    assert "releases" in tracker.run("stats", check=True).stdout
    assert not tracker.db_path.exists()  # nothing went to SQLite
