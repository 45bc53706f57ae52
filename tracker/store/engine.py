"""Opening the database: engine, SQLite pragmas and schema migrations (Alembic).

Stages outside the store hold an engine only to hand it back to the store's functions; they take its
type, `Engine`, from here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from tracker.store import url as dburl
from tracker.store.filelock import lock_beside, sqlite_path

log = logging.getLogger(__name__)

# The newest migration's revision id; kept here so that opening an up-to-date store costs one query
# instead of importing Alembic. tests/test_store.py checks it equals Alembic's head.
SCHEMA_HEAD = "0013"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x7472_6B72_6D69_6772  # pg_advisory_xact_lock key ("trkrmigr"), ours alone
MIGRATION_WAIT = 120.0


class StoreError(Exception):
    """The database cannot be opened or upgraded; the message says why, without credentials."""


def make_engine(url: str, create: bool = True) -> Engine:
    """An engine for `url`; for SQLite, the file is created (0600, in a 0700 folder; with `create=False` a
    missing file is a StoreError naming where it was looked for) and WAL plus a busy timeout are set, or it is
    opened read-only when this process may not write it."""
    try:
        parsed = dburl.parse(url)
        store = dburl.sqlite_file(parsed, create=create)
    except dburl.DatabaseUrlError as exc:
        raise StoreError(str(exc)) from None
    except OSError as exc:
        raise StoreError(f"cannot create the database at {exc.filename}: {exc.strerror or exc}") from None
    connect_args: dict[str, Any] = {}
    if store is not None:
        connect_args = {"check_same_thread": False, "timeout": 30}
        if store.read_only:
            parsed = dburl.read_only_url(parsed, store)
    try:
        engine = create_engine(parsed, connect_args=connect_args)
    except Exception as exc:  # noqa: BLE001  (SQLAlchemy raises many kinds for a bad URL)
        raise StoreError(dburl.driver_problem(parsed, exc)) from None
    if engine.dialect.name == "sqlite":
        read_only = store is not None and store.read_only
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        engine.tracker_read_only = read_only  # type: ignore[attr-defined]
    return engine


def location(engine: Engine) -> str:
    """Where the store is, for messages: the SQLite file's absolute path, or the URL without its password."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        path = url.database.removeprefix("file:").split("?")[0]
        return str(Path(unquote(path)).resolve())
    return url.render_as_string(hide_password=True)


def is_read_only(engine: Engine) -> bool:
    """True for a SQLite store opened read-only (this process may not write the file or its folder)."""
    return bool(getattr(engine, "tracker_read_only", False))


def is_sqlite(engine: Engine) -> bool:
    """True for a SQLite store (its file, not a lease row, is what a leader locks)."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema up to date; a store that already is costs one query and is not written to."""
    try:
        revision = current_revision(engine)
        if revision == SCHEMA_HEAD:
            return
    except Exception as exc:  # noqa: BLE001
        raise StoreError(f"cannot open the database: {_short(exc)}") from None
    # Alembic costs a fifth of a second of every command's start and is needed only to check or upgrade the
    # schema, so it loads here; the migrations package (store/migrations) is Alembic's, not ours to import.
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if revision is not None and revision not in known:
        raise StoreError(f"the database schema (rev {revision}) is newer than this tracker (rev {SCHEMA_HEAD}); "
                         "upgrade the tracker")
    if is_read_only(engine):
        _refuse_stray_tables(engine, revision)
        raise StoreError(f"the database is read-only and its schema (rev {revision or 'none'}) needs upgrading to "
                         f"rev {SCHEMA_HEAD}; run the tracker once with write access to it")
    with _migration_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Instances starting together: one migrates, the others wait here, then find the schema done.
            connection.execute(text(f"SET LOCAL lock_timeout = '{int(MIGRATION_WAIT)}s'"))
            try:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            except Exception as exc:  # noqa: BLE001
                raise StoreError(f"another instance is migrating the database and did not finish within "
                                 f"{MIGRATION_WAIT:.0f}s: {_short(exc)}") from None
        revision = _revision(connection)
        if revision == SCHEMA_HEAD:
            return  # another instance migrated it while we waited
        # Checked under the lock: an instance migrating next to us creates tables before alembic_version.
        _refuse_stray_tables(engine, revision, connection)
        config.attributes["connection"] = connection
        log.info("upgrading the database schema to %s", SCHEMA_HEAD)
        command.upgrade(config, "head")


def _refuse_stray_tables(engine: Engine, revision: str | None, connection: Connection | None = None) -> None:
    """A database with tables but no alembic_version was not made by the tracker (or lost its revision)."""
    if revision is not None:
        return
    stray = _tables(engine, connection)
    if stray:
        raise StoreError(
            f"the database has tables ({', '.join(stray[:4])}{', …' if len(stray) > 4 else ''}) but no "
            "alembic_version table, so its schema revision is unknown; restore it from a backup, or point "
            "TRACKER_DATABASE_URL at a new database")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite: a lock file beside the database, so that one process migrates while the others wait."""
    path = sqlite_path(engine.url.render_as_string(hide_password=True))
    if path is None:
        yield
        return
    lock = lock_beside(path, "migrate")
    try:
        got = lock.acquire(MIGRATION_WAIT)
    except OSError as exc:
        raise StoreError(f"cannot migrate {path}: {exc.strerror}") from None
    if not got:
        raise StoreError(f"another process is migrating {path} and did not finish within {MIGRATION_WAIT:.0f}s")
    try:
        yield
    finally:
        lock.release()


def _tables(engine: Engine, connection: Connection | None = None) -> list[str]:
    """The tables (and views) in a database, but SQLite's own."""
    with contextlib.nullcontext(connection) if connection is not None else engine.connect() as conn:
        found = inspect(conn).get_table_names() + inspect(conn).get_view_names()
    return sorted(name for name in found if not name.startswith("sqlite_"))


def open_engine(url: str, create: bool = True) -> Engine:
    """An engine for `url` with the schema brought up to date; commands that only read pass `create=False`,
    so that run in the wrong folder they say where they looked instead of making an empty store there."""
    engine = make_engine(url, create=create)
    migrate(engine)
    return engine


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
