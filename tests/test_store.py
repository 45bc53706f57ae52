"""The store's schema: migrations reach the head the code expects, and upgrades keep data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from tracker.db import MIGRATIONS_DIR, SCHEMA_HEAD, current_revision
from tracker.store import Store


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
    from alembic import command

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
