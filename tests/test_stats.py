"""Statistics over releases (tracker.history.stats), on rows inserted straight into a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from tracker.history import stats
from tracker.store import queries
from tracker.store.engine import open_engine
from tracker.store.tables import TrackedModel

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def insert_models(engine: Engine, specs: list[dict[str, Any]]) -> None:
    """Insert models with sensible defaults; each spec needs at least a repo_id."""
    with Session(engine) as session:
        for i, spec in enumerate(specs):
            org = spec["repo_id"].split("/", 1)[0]
            when = spec.pop("released_at", T0 + timedelta(days=i))
            row = TrackedModel(**{"lab": org, "org": org, "region": "China", "released_at": when, "created_at": when,
                                  "first_seen_at": when, "license": "apache-2.0", "license_id": "apache-2.0",
                                  "license_class": "permissive", **spec})
            session.add(row)
        session.commit()


def store(tmp_path: Path, specs: list[dict[str, Any]]) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    insert_models(engine, specs)
    return engine


def all_rows(engine: Engine) -> list[Any]:
    return queries.history(engine, queries.HistoryFilter(limit=None))


def test_summary_counts_medians_biggest_and_permissive_share(tmp_path: Path) -> None:
    engine = store(tmp_path, [
        {"repo_id": "a/Dense-7B", "params_total": 7 * 10**9},
        {"repo_id": "a/Moe-30B", "params_total": 30 * 10**9, "params_active": 3 * 10**9},
        {"repo_id": "b/Big-671B", "params_total": 671 * 10**9, "params_active": 37 * 10**9,
         "license_id": "deepseek", "license_class": "open-restricted"},
        {"repo_id": "b/Unknown", "params_total": None, "license_id": None, "license_class": None},
    ])
    s = stats.summarize(all_rows(engine))
    assert s.count == 4
    assert s.median_total == 30 * 10**9  # of the three known sizes
    assert s.median_active == 7 * 10**9  # dense models count their total as active: 3B, 7B, 37B
    assert (s.biggest_repo, s.biggest_params) == ("b/Big-671B", 671 * 10**9)
    assert s.permissive == 2 and s.permissive_share == 0.5
    assert s.license_classes == {"open-restricted": 1, "permissive": 2, "unknown": 1}


def test_grouping_by_lab_region_month_and_license(tmp_path: Path) -> None:
    engine = store(tmp_path, [
        {"repo_id": "a/One", "released_at": datetime(2025, 2, 3, tzinfo=UTC), "region": None},
        {"repo_id": "a/Two", "released_at": datetime(2025, 1, 9, tzinfo=UTC)},
        {"repo_id": "b/Three", "released_at": datetime(2025, 2, 1, tzinfo=UTC), "license_id": "mit"},
    ])
    rows = all_rows(engine)
    assert [(g.key, g.count) for g in stats.grouped(rows, "lab")] == [("a", 2), ("b", 1)]
    assert [(g.key, g.count) for g in stats.grouped(rows, "month")] == [("2025-01", 1), ("2025-02", 2)]
    assert {g.key for g in stats.grouped(rows, "region")} == {"China", "Unknown"}
    assert {g.key for g in stats.grouped(rows, "license")} == {"apache-2.0 (permissive)", "mit (permissive)"}
    with pytest.raises(ValueError, match="cannot group by"):
        stats.grouped(rows, "planet")


def test_empty_summary() -> None:
    s = stats.summarize([])
    assert s.count == 0 and s.median_total is None and s.biggest_repo is None and s.permissive_share == 0.0
