"""A big organisation: reading commands stream, so their memory does not grow with the store (issue 8 §6).

25,000 releases with the JSON a real poll keeps per model: before streaming, `history --format json`
peaked at 185 MB on this store (stats and export grow the same way); now each stays near the interpreter's
own ~90 MB (bench/bench_memory.py measures 50,000 releases).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

from tests.conftest import TRACKER, Tracker

RELEASES = 25_000
LIMIT_MB = 160
SITE_RELEASES = 60_000
META = json.dumps({"card_data": {"license": "apache-2.0", "base_model": ["Qwen/Qwen3-8B-Base"]},
                   "safetensors": {"parameters": {"BF16": 8190735360}, "total": 8190735360},
                   "config_subset": {f"key_{i}": i * 1000 for i in range(40)}})
TAGS = json.dumps(["transformers", "safetensors", "qwen3", "text-generation", "conversational", "license:mit"] * 2)


def fill(db_path: str, last: int = RELEASES, first: int = 1) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO models (repo_id, lab, org, region, status, backfill, released_at, created_at, first_seen_at,"
            " gated, params_total, params_active, is_moe, license, license_id, license_class, family, tags, hub_meta)"
            " SELECT 'Qwen/Qwen3-' || i || 'B', 'Qwen (Alibaba)', 'Qwen', 'China', 'public', 0,"
            " printf('20%02d-%02d-%02dT12:00:00Z', 20 + i % 6, 1 + i % 12, 1 + i % 28),"
            " '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'no', i * 1000000, i * 100000, 0,"
            " CASE WHEN i % 7 = 0 THEN '=cmd|'' /C calc''!A0' ELSE 'apache-2.0' END, 'apache-2.0', 'permissive',"
            " 'Qwen3', ?, ? FROM n", (first, last, TAGS, META))


def peak_mb(tracker: Tracker, *args: str) -> tuple[float, int]:
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen([TRACKER, *args], cwd=tracker.cwd, env=tracker.env, stdout=sink,
                                stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, proc.returncode


def test_stats_history_and_export_stay_small_on_a_big_store(tracker: Tracker) -> None:
    tracker.run("poll", check=True)  # creates the store (readers never do)
    fill(str(tracker.db_path))

    for command in (("stats",), ("history", "--format", "json", "--limit", "100000"),
                    ("export", "--format", "json", "-o", "all.json"), ("export", "-o", "all.csv")):
        mb, status = peak_mb(tracker, *command)
        assert status == 0
        assert mb < LIMIT_MB, f"tracker {' '.join(command)} peaked at {mb:.0f} MB"

    exported = json.loads((tracker.cwd / "all.json").read_text(encoding="utf-8"))
    assert len(exported) == RELEASES and exported[0]["released_at"] >= exported[-1]["released_at"]
    assert "hub_meta" not in exported[0]
    lines = (tracker.cwd / "all.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == RELEASES + 1 and not any(",=cmd" in line for line in lines)


def test_the_site_build_does_not_grow_with_the_store(tracker: Tracker) -> None:
    """Issue 19 §5: the site streams its releases. Holding them grew the build's peak by about 0.5 MB per
    thousand releases (bench_site: 80 MB at 10k, 125 MB at 100k); here main's build went from 83 MB at 2,500
    releases to 103 MB at 60,000; streamed, 83 MB to 86 MB."""
    tracker.run("poll", check=True)
    fill(str(tracker.db_path), 2_500)
    small, status = peak_mb(tracker, "site", "site")
    assert status == 0
    fill(str(tracker.db_path), SITE_RELEASES, first=2_501)
    big, status = peak_mb(tracker, "site", "site")
    assert status == 0
    assert (tracker.cwd / "site" / f"releases-{SITE_RELEASES // 1000}.html").is_file()
    assert big - small < 8, f"tracker site peaked at {small:.0f} MB on 2,500 releases, {big:.0f} MB on 60,000"
