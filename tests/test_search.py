"""The inline search index: word matching, newest first, paging, and taking in new and changed rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.history.search import SearchIndex, words_of
from tracker.store.engine import open_engine
from tracker.store.refacts import stored_models, write_changes
from tracker.store.releases import Store
from tracker.store.tables import TrackedModel
from tracker.watchlist import load_watchlist

ROWS = [  # repo id, lab, org, released, params, moe, license, family
    ("deepseek-ai/DeepSeek-V3", "DeepSeek", "deepseek-ai", "2025-01-01T00:00:00Z", 671e9, 1, "mit", "DeepSeek-V3"),
    ("Qwen/Qwen3-235B-A22B", "Qwen (Alibaba)", "Qwen", "2025-04-29T00:00:00Z", 235e9, 1, "apache-2.0", "Qwen3"),
    ("Qwen/Qwen3-8B", "Qwen (Alibaba)", "Qwen", "2025-04-28T00:00:00Z", 8e9, 0, "apache-2.0", "Qwen3"),
    ("zai-org/GLM-4.5", "Zhipu / Z.ai", "zai-org", "2025-07-28T00:00:00Z", 355e9, 1, "mit", "GLM-4.5"),
    ("Qwen/100%_odd\\name", "Qwen (Alibaba)", "Qwen", "2024-01-01T00:00:00Z", 1e9, 0, None, None),
]


def insert(db: Path, rows: list[tuple]) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO models (repo_id, lab, org, status, backfill, released_at, params_total, is_moe, license_id,"
            " family, gated) VALUES (?, ?, ?, 'public', 0, ?, ?, ?, ?, ?, 'no')",
            [(r[0], r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7]) for r in rows])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    open_engine(f"sqlite:///{path}").dispose()
    insert(path, ROWS)
    return path


def repos(index: SearchIndex, query: str, limit: int = 50, offset: int = 0) -> list[str]:
    return [row.repo_id for row in index.search(query, limit, offset)]


def test_words_match_every_field_newest_first(db: Path) -> None:
    index = SearchIndex(open_engine(f"sqlite:///{db}"), load_watchlist(None))
    assert repos(index, "") == ["zai-org/GLM-4.5", "Qwen/Qwen3-235B-A22B", "Qwen/Qwen3-8B",
                                "deepseek-ai/DeepSeek-V3", "Qwen/100%_odd\\name"]
    assert repos(index, "qwen 235b") == ["Qwen/Qwen3-235B-A22B"]
    assert repos(index, "GLM") == repos(index, "zhipu") == ["zai-org/GLM-4.5"]
    assert repos(index, "mit moe") == ["zai-org/GLM-4.5", "deepseek-ai/DeepSeek-V3"]
    assert repos(index, "670b") == ["deepseek-ai/DeepSeek-V3"]  # a size within 3%
    assert repos(index, "%_") == ["Qwen/100%_odd\\name"] and repos(index, "\\") == ["Qwen/100%_odd\\name"]
    assert repos(index, "qwen nothing") == [] and repos(index, "<b>") == []


def test_paging_and_bounds(db: Path) -> None:
    index = SearchIndex(open_engine(f"sqlite:///{db}"))
    assert repos(index, "qwen", 2) + repos(index, "qwen", 2, 2) == repos(index, "qwen")
    assert repos(index, "", 2, 10**9) == []
    assert len(words_of(" ".join(f"w{i}" for i in range(50)))) == 8


def test_refresh_takes_in_new_rows_at_once_and_changes_after_a_rebuild(db: Path) -> None:
    now = [0.0]
    engine = open_engine(f"sqlite:///{db}")
    index = SearchIndex(engine, clock=lambda: now[0])
    assert repos(index, "kimi") == [] and index.generation == 1
    insert(db, [("moonshotai/Kimi-K2", "Moonshot AI", "moonshotai", "2025-07-11T00:00:00Z", 1e12, 1, "mit", "Kimi")])
    assert repos(index, "kimi") == []  # a search reads nothing from the store
    index.refresh()
    assert repos(index, "kimi") == ["moonshotai/Kimi-K2"] and index.generation == 1
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE models SET family = 'Kimi-K2-Renamed' WHERE repo_id = 'moonshotai/Kimi-K2'")
    index.refresh()
    assert repos(index, "renamed") == []
    now[0] += 301
    index.refresh()
    assert repos(index, "renamed") == ["moonshotai/Kimi-K2"] and index.generation == 2


def test_refresh_takes_in_changed_rows_at_once_and_drops_removed_ones(db: Path) -> None:
    engine = open_engine(f"sqlite:///{db}")
    store, index = Store(engine), SearchIndex(engine)
    assert repos(index, "glm") == ["zai-org/GLM-4.5"] and index.refresh() == set()  # nothing changed
    (glm,) = [row for row in stored_models(store) if row.repo_id == "zai-org/GLM-4.5"]
    write_changes(store, [(glm.id, glm.repo_id, {"family": ("GLM-4.5", "GLM-4.5-Renamed")})], "refacts",
                  datetime.now(UTC))

    assert index.refresh() == {glm.id} and index.refresh() == set()  # each change taken in once
    assert repos(index, "renamed") == ["zai-org/GLM-4.5"] and index.generation == 1
    assert repos(index, "") == ["zai-org/GLM-4.5", "Qwen/Qwen3-235B-A22B", "Qwen/Qwen3-8B",
                                "deepseek-ai/DeepSeek-V3", "Qwen/100%_odd\\name"]  # still newest first, once
    write_changes(store, [(glm.id, glm.repo_id, {"family": ("GLM-4.5-Renamed", "GLM-4.5-Again")})], "refacts",
                  datetime.now(UTC))  # within the same second: the stamp still differs
    assert index.refresh() == {glm.id} and repos(index, "renamed") == [] and repos(index, "again") == [glm.repo_id]

    with store.session() as session, session.begin():
        row = session.get(TrackedModel, glm.id)
        assert row is not None
        row.status = "removed"
    index.refresh()
    assert repos(index, "glm") == [] and len(repos(index, "")) == 4
    with store.session() as session, session.begin():
        row = session.get(TrackedModel, glm.id)
        assert row is not None
        row.status = "public"
    index.refresh()
    assert repos(index, "glm") == ["zai-org/GLM-4.5"]
