"""A new SQLite store in a test process is a copy of one store migrated once, not a new run of every migration.

Running the nine Alembic migrations on an empty SQLite file costs about 80 ms of CPU, and the fast tier
makes a new store in some 140 tests (the CLI's first command, `tracker run`, `Store.open` in units). `install()`
migrates one template store with the real `migrate`, then makes `tracker.store.engine.migrate` copy it (the
SQLite backup API, into the file the tracker already created with its modes) into a store that is new: a
writable SQLite file with no tables and no revision. Every other store (an old revision, stray tables, a newer
schema, read-only, PostgreSQL) still goes through the real `migrate`, and tests/test_store.py runs the real
one on new stores too (`real_migrations`), as does every `tracker` process the end-to-end tier starts.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

from tracker.store import engine as store_engine
from tracker.store.filelock import sqlite_path

_real_migrate = store_engine.migrate
_template: Path | None = None
log = logging.getLogger(store_engine.__name__)


def install(folder: Path) -> None:
    """Migrate the template in `folder` (once per process) and make new stores copies of it."""
    global _template
    if _template is not None:
        return
    template = folder / "template.db"
    engine = store_engine.make_engine(f"sqlite:///{template}")
    try:
        _real_migrate(engine)
    finally:
        engine.dispose()
    with sqlite3.connect(template) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _template = template
    store_engine.migrate = _migrate


@contextlib.contextmanager
def real_migrations() -> Iterator[None]:
    """Within this block, every store is migrated by Alembic, new ones too."""
    store_engine.migrate = _real_migrate
    try:
        yield
    finally:
        if _template is not None:
            store_engine.migrate = _migrate


def _migrate(engine: Engine) -> None:
    path = _new_store(engine)
    if path is None:
        _real_migrate(engine)
        return
    with store_engine._migration_lock(engine):
        if _new_store(engine) is None:  # another thread made it meanwhile
            _real_migrate(engine)
            return
        assert _template is not None
        log.info("upgrading the database schema to %s", store_engine.SCHEMA_HEAD)  # what the real one says
        with contextlib.closing(sqlite3.connect(_template)) as source, \
                contextlib.closing(sqlite3.connect(path, timeout=30)) as target:
            source.backup(target)


def _new_store(engine: Engine) -> str | None:
    """The file of a writable SQLite store that has no tables and no revision yet; None for any other."""
    if not store_engine.is_sqlite(engine) or store_engine.is_read_only(engine):
        return None
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        return None
    try:
        if store_engine.current_revision(engine) is not None or store_engine._tables(engine):
            return None
    except Exception:  # noqa: BLE001  (the real migrate says what is wrong with it)
        return None
    return str(path)
