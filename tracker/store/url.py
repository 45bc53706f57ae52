"""Reading TRACKER_DATABASE_URL: a clear one-line reason for a URL we cannot use, and SQLite file handling.

A SQLite store holds subscribers' chat ids, so its folder is created 0700 and the file 0600 (SQLite gives
its -wal and -shm files the database file's mode). A store we may only read is opened read-only, so that
`tracker history` and the other readers work on a read-only file or folder.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url

EXAMPLES = "sqlite:///state/tracker.db or postgresql+psycopg://USER:PASSWORD@HOST/DB"
POSTGRES_EXTRA = "pip install 'release-tracker[postgres]' (pipx: pipx inject release-tracker 'psycopg[binary]')"


class DatabaseUrlError(ValueError):
    """TRACKER_DATABASE_URL cannot be used; the message says why and what would work."""


@dataclass(frozen=True)
class SqliteFile:
    """A SQLite store on disk: where it is, and whether this process may only read it."""

    path: Path
    read_only: bool


def parse(url: str) -> URL:
    """The URL, or DatabaseUrlError for one that is not a database URL or is an in-memory SQLite one."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001  (ArgumentError, ValueError: either way not a URL)
        raise DatabaseUrlError(f"TRACKER_DATABASE_URL is not a database URL; expected {EXAMPLES}") from None
    if parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
        or (parsed.database or "").startswith("file::memory:")
    ):
        raise DatabaseUrlError(
            f"TRACKER_DATABASE_URL {url!r} is an in-memory SQLite database, which is forgotten when the command "
            "ends and not shared between the tracker's connections; use a file, e.g. sqlite:///state/tracker.db")
    return parsed


def driver_problem(url: URL, exc: BaseException) -> str:
    """One line for an engine SQLAlchemy could not make: which scheme, and what driver or extra it needs."""
    scheme = url.drivername
    if isinstance(exc, ImportError):
        module = getattr(exc, "name", None) or str(exc)
        hint = (f"for PostgreSQL use postgresql+psycopg://… and install its driver: {POSTGRES_EXTRA}"
                if url.get_backend_name() == "postgresql" else f"the tracker supports {EXAMPLES}")
        return (f"TRACKER_DATABASE_URL scheme {scheme!r} needs the Python module {module!r}, which is not "
                f"installed; {hint}")
    if scheme in ("postgres", "postgres+psycopg"):
        return f"TRACKER_DATABASE_URL scheme {scheme!r} is not known: write postgresql+psycopg://USER:PASSWORD@HOST/DB"
    return (f"TRACKER_DATABASE_URL scheme {scheme!r} has no database driver here; the tracker supports {EXAMPLES} "
            f"(the PostgreSQL driver: {POSTGRES_EXTRA})")


def sqlite_folder(url: str) -> Path | None:
    """The folder of a SQLite store's file (None for other databases, in-memory SQLite or a bad URL)."""
    try:
        parsed = parse(url)
    except DatabaseUrlError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).parent


class StoreMissing(DatabaseUrlError):
    """A command that only reads found no SQLite store where the URL points (it never creates one)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no store at {path.resolve()}: run `tracker poll` (or `tracker run`) in this folder "
                         "first, or point TRACKER_DATABASE_URL at your store (e.g. sqlite:////path/to/tracker.db)")
        self.path = path


def sqlite_file(url: URL, create: bool = True) -> SqliteFile | None:
    """The SQLite store's file (None for other databases); a missing one is created, private to this user,
    or with `create=False` is StoreMissing."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith("file:"):
        return None
    path = Path(url.database)
    if path.exists():
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
        return SqliteFile(path, read_only=not writable)
    if not create:
        raise StoreMissing(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is masked by the umask; this is exact
    # An empty file is an empty SQLite database; created here so that it (and its -wal, -shm) is 0600.
    with contextlib.suppress(FileExistsError):  # another tracker starting at the same moment made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return SqliteFile(path, read_only=False)


def read_only_url(url: URL, store: SqliteFile) -> URL:
    """A URL that opens `store` read-only; immutable when SQLite could not create its -shm file beside it."""
    query = {"mode": "ro", "uri": "true"}
    side_files = [store.path.with_name(store.path.name + s) for s in ("-wal", "-shm")]
    if not os.access(store.path.parent, os.W_OK) and not any(p.exists() for p in side_files):
        query["immutable"] = "1"  # nothing can be writing it: there is no WAL, and none can be made
    return url.set(database=f"file:{quote(str(store.path.resolve()))}", query=query)
