"""The store's schema: migrations reach the head the code expects, and upgrades keep data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.store_template import real_migrations
from tracker.store import outbox
from tracker.store.engine import MIGRATIONS_DIR, SCHEMA_HEAD, current_revision
from tracker.store.releases import Store
from tracker.store.tables import Alert, Delivery, Event, TrackedModel


@pytest.fixture(autouse=True)
def _real_migrations() -> Iterator[None]:
    """These tests are about migrations: new stores too run every one (not the copy of tests/store_template.py)."""
    with real_migrations():
        yield


def test_schema_head_constant_matches_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_opening_a_new_store_migrates_it_and_reopening_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Store.open(url)
    assert current_revision(store.engine) == SCHEMA_HEAD
    Store.open(url)  # second open: already at head
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"models", "events", "alerts", "deliveries", "org_state", "releases"} <= names
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upgrading_an_old_store_keeps_its_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0001")
    with sqlite3.connect(tmp_path / "old.sqlite") as db:
        db.execute(
            "INSERT INTO models (repo_id, lab, org, status, backfill, gated, is_moe, params_total, released_at)"
            " VALUES ('deepseek-ai/DeepSeek-V3', 'DeepSeek', 'deepseek-ai', 'public', 0, 'no', 1, 671000000000,"
            " '2024-12-26T00:00:00Z')"
        )

    store = Store.open(url)

    assert current_revision(store.engine) == SCHEMA_HEAD
    with sqlite3.connect(tmp_path / "old.sqlite") as db:
        row = db.execute("SELECT repo_id, params_total, url FROM releases").fetchone()
    assert row == ("deepseek-ai/DeepSeek-V3", 671000000000, "https://huggingface.co/deepseek-ai/DeepSeek-V3")


def test_prune_forgets_old_finished_deliveries_but_keeps_pending_ones(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    old = datetime(2025, 1, 1, tzinfo=UTC)
    with store.session() as session, session.begin():
        model = TrackedModel(repo_id="a/b", lab="A", org="a")
        session.add(model)
        session.flush()
        event = Event(model_id=model.id, repo_id="a/b", kind="new", at=old)
        session.add(event)
        session.flush()
        alert = Alert(event_id=event.id, model_id=model.id, kind="release", created_at=old)
        session.add(alert)
        session.flush()
        for target, status in (("console", "sent"), ("channel", "pending"), ("user:1", "dropped")):
            session.add(Delivery(alert_id=alert.id, target=target, status=status, created_at=old))

    assert outbox.prune(store, old + timedelta(days=31)) == 2
    assert outbox.pending_count(store) == 1
    assert outbox.prune(store, old + timedelta(days=31)) == 0


def test_upgrading_from_0004_keeps_models_and_subscribers_and_adds_empty_run_and_openness_columns(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'v4.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0004")
    with sqlite3.connect(tmp_path / "v4.sqlite") as db:
        db.execute(
            "INSERT INTO models (repo_id, lab, org, status, backfill, gated, is_moe, params_total, hub_meta)"
            " VALUES ('deepseek-ai/DeepSeek-V3', 'DeepSeek', 'deepseek-ai', 'public', 1, 'no', 1, 671000000000,"
            " '{\"safetensors\": {\"parameters\": {\"BF16\": 1}}}')"
        )
        db.execute(
            "INSERT INTO subscribers (user_id, chat_id, lang, active, include_quantized, created_at, updated_at)"
            " VALUES (7, 7, 'en', 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )

    store = Store.open(url)

    assert current_revision(store.engine) == SCHEMA_HEAD
    with sqlite3.connect(tmp_path / "v4.sqlite") as db:
        row = db.execute("SELECT repo_id, params_total, hub_meta, weights_bytes, context_length, openness_level,"
                         " openness_evidence, summary, params_active_lab, readme_sha FROM models").fetchone()
        sub = db.execute("SELECT user_id, active, weight_updates, openness_levels FROM subscribers").fetchone()
    assert row[:3] == ("deepseek-ai/DeepSeek-V3", 671000000000, '{"safetensors": {"parameters": {"BF16": 1}}}')
    assert row[3:] == (None,) * 7
    assert sub == (7, 1, 0, None)
