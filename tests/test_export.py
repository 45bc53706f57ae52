"""Exports (tracker.history.export) on a real SQLite store: every field, no limit, events filtered, atomic files."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.test_stats import store
from tracker.history.export import EVENT_FIELDS, EXPORT_FIELDS, destination, event_records, export, release_records
from tracker.render.output import write_json
from tracker.render.views import RECORD_FIELDS
from tracker.store.queries import HistoryFilter
from tracker.store.tables import Event

HUB = "https://huggingface.co"


def test_release_records_have_every_field_and_ignore_the_history_limit(tmp_path: Path) -> None:
    engine = store(tmp_path, [{"repo_id": f"org/M-{i}", "params_total": i * 10**9, "tags": ["x"]} for i in range(30)])
    records = list(release_records(engine, HistoryFilter(limit=20), HUB))
    assert len(records) == 30
    assert set(RECORD_FIELDS) <= set(records[0]) and set(EXPORT_FIELDS) <= set(records[0])
    assert records[0]["repo_id"] == "org/M-29"  # newest first
    assert records[0]["created_at"].endswith("Z") and records[0]["first_seen_at"].endswith("Z")
    assert records[0]["tags"] == ["x"] and records[0]["url"] == f"{HUB}/org/M-29"


def test_csv_export_writes_lists_as_json_and_none_as_empty(tmp_path: Path) -> None:
    engine = store(tmp_path, [{"repo_id": "org/A", "tags": ["a", "b"], "params_total": None}])
    out = tmp_path / "out" / "all.csv"
    assert export(engine, HistoryFilter(), HUB, fmt="csv", events=False, path=out) == 1
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert list(row) == list(EXPORT_FIELDS)
    assert json.loads(row["tags"]) == ["a", "b"] and row["params_total"] == ""


def test_event_export_filters_by_time_and_model(tmp_path: Path) -> None:
    engine = store(tmp_path, [{"repo_id": "a/One"}, {"repo_id": "b/Two"}])
    with Session(engine) as session:
        for model_id, repo, kind, day in ((1, "a/One", "new", 1), (2, "b/Two", "new", 2),
                                          (1, "a/One", "license_changed", 5), (1, "a/One", "removed", 9)):
            session.add(Event(model_id=model_id, repo_id=repo, kind=kind, at=datetime(2025, 6, day, tzinfo=UTC),
                              old_value={"license": "mit"} if kind == "license_changed" else None))
        session.commit()
    everything = list(event_records(engine, HistoryFilter()))
    assert [e["kind"] for e in everything] == ["new", "new", "license_changed", "removed"]
    assert list(everything[0]) == list(EVENT_FIELDS) and everything[2]["old_value"] == {"license": "mit"}
    window = list(event_records(engine, HistoryFilter(orgs=("a",), since=datetime(2025, 6, 2, tzinfo=UTC),
                                                      until=datetime(2025, 6, 6, tzinfo=UTC))))
    assert [(e["repo_id"], e["kind"]) for e in window] == [("a/One", "license_changed")]


def test_a_failed_export_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), destination(target) as out:
        out.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("records", [[], [{"a": 1}], [{"a": "x\ny", "b": [1, {"c": None}], "é": "ü"}, {"d": []}]])
def test_streamed_json_is_the_same_text_as_one_json_dump(records: list) -> None:
    out = io.StringIO()
    assert write_json(iter(records), out) == len(records)
    assert out.getvalue() == json.dumps(records, indent=2, ensure_ascii=False) + "\n"
