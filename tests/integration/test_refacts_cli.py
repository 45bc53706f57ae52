"""End to end: `tracker refacts` recomputes stored facts from the kept metadata, as an operator runs it.

The store is filled by real polls of the fake Hub; the facts are then set back to what an older version of
the tracker computed, and refacts must restore them: a table of old -> new, one event per changed model,
no alert, no Hub request.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

OSS = "openai/gpt-oss-120b"
DSV3 = "deepseek-ai/DeepSeek-V3"


def _db(tracker: Tracker, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(tracker.db_path) as db:
        return db.execute(sql, params).fetchall()


def _facts(tracker: Tracker, repo_id: str) -> tuple:
    return _db(tracker, "SELECT params_total, params_active, params_active_lab, license_class, params_notes "
                        "FROM models WHERE repo_id = ?", repo_id)[0]


def _polled(tracker: Tracker, fake_hub: FakeHub) -> dict[str, tuple]:
    hub_catalog.deepseek_v3(fake_hub)  # old news: backfilled, its config.json is not read
    hub_catalog.gpt_oss_120b(fake_hub, created_at=datetime.now(UTC) - timedelta(hours=2))  # a release
    tracker.run("poll", check=True)
    return {repo: _facts(tracker, repo) for repo in (OSS, DSV3)}


def _age(tracker: Tracker) -> None:
    """What an older tracker stored: no lab figure, a wrong active count, a license class since corrected."""
    _db(tracker, "UPDATE models SET params_active = 4000000000, params_active_lab = NULL WHERE repo_id = ?", OSS)
    _db(tracker, "UPDATE models SET params_total = 600000000000, license_class = 'unknown' WHERE repo_id = ?", DSV3)


def test_refacts_restores_the_facts_with_a_table_events_and_no_alert(tracker: Tracker, fake_hub: FakeHub) -> None:
    good = _polled(tracker, fake_hub)
    assert good[OSS][2] is not None and good[OSS][2] < good[OSS][1]  # OpenAI leaves the input embedding out
    _age(tracker)
    alerts = _db(tracker, "SELECT count(*) FROM alerts")[0][0]
    events = _db(tracker, "SELECT count(*) FROM events")[0][0]
    hub_requests = len(fake_hub.requests)

    dry = tracker.run("refacts", "--dry-run", check=True)

    assert "would change 2 of 2 stored models (dry run: nothing written)" in dry.stderr
    assert _facts(tracker, OSS)[1] == 4000000000 and _db(tracker, "SELECT count(*) FROM events")[0][0] == events

    result = tracker.run("refacts", check=True)

    lines = result.stdout.splitlines()
    assert lines[0].split() == ["repo_id", "field", "old", "new"]
    by_field = {(line.split()[0], line.split()[1]): line for line in lines[1:]}
    assert set(by_field) == {(OSS, "params_active"), (OSS, "params_active_lab"), (DSV3, "params_total"),
                             (DSV3, "license_class")}
    assert "4B" in by_field[(OSS, "params_active")] and "5.7B" in by_field[(OSS, "params_active")]
    assert "—" in by_field[(OSS, "params_active_lab")] and "5.1B" in by_field[(OSS, "params_active_lab")]
    assert "600B" in by_field[(DSV3, "params_total")] and "685B" in by_field[(DSV3, "params_total")]
    assert "unknown" in by_field[(DSV3, "license_class")]
    assert "changed 2 of 2 stored models; 2 refacts events written, nobody alerted" in result.stderr
    assert {repo: _facts(tracker, repo) for repo in (OSS, DSV3)} == good
    written = _db(tracker, "SELECT repo_id, old_value, new_value FROM events WHERE kind = 'refacts' ORDER BY repo_id")
    assert [(r, json.loads(o), json.loads(n)) for r, o, n in written] == [
        (DSV3, {"params_total": 600000000000, "license_class": "unknown"},
         {"params_total": good[DSV3][0], "license_class": good[DSV3][3]}),
        (OSS, {"params_active": 4000000000, "params_active_lab": None},
         {"params_active": good[OSS][1], "params_active_lab": good[OSS][2]}),
    ]
    assert _db(tracker, "SELECT count(*) FROM alerts")[0][0] == alerts  # nobody is told
    assert len(fake_hub.requests) == hub_requests  # everything came from the kept metadata

    again = tracker.run("refacts", check=True)
    assert again.stdout == "" and "changed 0 of 2 stored models" in again.stderr
    record = next(r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)
                  if r["repo_id"] == OSS)
    assert (record["params_active"], record["params_active_lab"]) == (good[OSS][1], good[OSS][2])


def test_refacts_of_one_lab_and_a_clear_error_for_an_unknown_one(tracker: Tracker, fake_hub: FakeHub) -> None:
    _polled(tracker, fake_hub)
    _age(tracker)

    result = tracker.run("refacts", "--lab", "openai", check=True)

    assert {line.split()[0] for line in result.stdout.splitlines()[1:]} == {OSS}
    assert "changed 1 of 1 stored models" in result.stderr
    assert _facts(tracker, DSV3)[3] == "unknown"  # the other lab is left alone
    bad = tracker.run("refacts", "--lab", "nobody")
    assert bad.returncode == 2 and "unknown lab 'nobody'; known labs: DeepSeek" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_model_whose_config_is_gone_from_the_cache_is_skipped_not_degraded(
    tracker: Tracker, fake_hub: FakeHub
) -> None:
    good = _polled(tracker, fake_hub)
    _age(tracker)
    shutil.rmtree(tracker.cwd / "state" / "hf-cache")

    result = tracker.run("refacts", check=True)

    assert f"skipped {OSS}: its config.json is no longer in the local Hub cache" in result.stderr
    assert "changed 1 of 2 stored models, 1 skipped" in result.stderr
    assert _facts(tracker, OSS)[1] == 4000000000  # not recomputed without the config it was counted from
    assert _facts(tracker, DSV3) == good[DSV3]


def test_refacts_fills_the_kv_cache_size_of_models_stored_before_it_existed(tracker: Tracker,
                                                                            fake_hub: FakeHub) -> None:
    _polled(tracker, fake_hub)
    (stored,) = _db(tracker, "SELECT kv_bytes_per_token FROM models WHERE repo_id = ?", OSS)[0]
    assert stored == 18 * 2 * 8 * 64 * 2  # the 18 full-attention layers of gpt-oss-120b, BF16
    _db(tracker, "UPDATE models SET kv_bytes_per_token = NULL WHERE repo_id = ?", OSS)  # as migration 0009 left it

    result = tracker.run("refacts", check=True)

    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [[OSS, "kv_bytes_per_token"]]
    assert _db(tracker, "SELECT kv_bytes_per_token FROM models WHERE repo_id = ?", OSS)[0][0] == stored
    record = json.loads(tracker.run("inspect", OSS, "--format", "json", check=True).stdout)
    assert record["kv_bytes_per_token"] == stored and record["fits_on"]["as_shipped"]["kv_headroom_tokens"] > 0
