"""A full database disk, said once when writes start failing for it and once when they work again.

SQLite answers "database or disk is full" (SQLITE_FULL), PostgreSQL "No space left on device" (53100).
While the disk is full every poll, delivery and bot write fails; the parts that retry them log such a
failure at debug level (`is_disk_full`) and this watch says the one line. Writes that fit in pages already
allocated may still succeed meanwhile, so "works again" is not any successful write: it is a transaction
that commits a statement which had failed for the full disk (the poll retrying its new releases, a delivery
marking its row), or, failing that, any write once none has failed for RECOVERY_FALLBACK.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext

from tracker.outage import duration
from tracker.store.tables import utcnow

log = logging.getLogger(__name__)
RECOVERY_FALLBACK = timedelta(minutes=10)
_FULL = ("database or disk is full", "no space left on device", "disk full")
_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "WITH", "SHOW", "SET ")


def is_disk_full(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) is the database saying its disk is full."""
    seen = 0
    while exc is not None and seen < 8:
        if any(s in str(exc).lower() for s in _FULL) or getattr(exc, "sqlstate", None) == "53100":
            return True
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "orig", None)
        seen += 1
    return False


class DiskFullWatch:
    """Watches one engine's writes: one warning when the disk is full, one line when writes work again."""

    def __init__(self, engine: Engine, where: str, clock: Callable[[], datetime] = utcnow,
                 logger: logging.Logger = log) -> None:
        self.where = where
        self.clock = clock
        self.logger = logger
        self.full_since: datetime | None = None
        self.last_failure: datetime | None = None
        self.failures = 0
        self._failed: set[str] = set()  # statements that failed for the full disk
        event.listen(engine, "before_cursor_execute", self._executing)
        event.listen(engine, "commit", self._committing)
        event.listen(engine, "rollback", self._rolled_back)
        event.listen(engine, "handle_error", self._error)
        event.listen(engine.pool, "checkin", self._checked_in)

    @property
    def full(self) -> bool:
        return self.full_since is not None

    # ---- engine events -------------------------------------------------------------------------
    def _executing(self, conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:9].upper().startswith(_READS):
            conn.info.setdefault("tracker_writes", set()).add(statement)

    def _committing(self, conn: Connection) -> None:
        # The commit may still fail (SQLite writes its WAL then): the transaction counts once the connection
        # goes back to the pool without an error (_checked_in).
        writes = conn.info.pop("tracker_writes", None)
        if writes:
            conn.info["tracker_committed"] = writes

    def _rolled_back(self, conn: Connection) -> None:
        conn.info.pop("tracker_writes", None)
        conn.info.pop("tracker_committed", None)

    def _error(self, context: ExceptionContext) -> None:
        if not is_disk_full(context.original_exception):
            return
        info = context.connection.info if context.connection is not None else {}
        statements = info.pop("tracker_committed", None) or info.get("tracker_writes") or set()
        if context.statement:
            statements = {*statements, context.statement}
        self._failed.update(statements)
        self.failed()

    def _checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        committed = record.info.pop("tracker_committed", None)
        record.info.pop("tracker_writes", None)
        if committed and self.full:
            self.wrote(committed)

    # ---- the two lines -------------------------------------------------------------------------
    def failed(self) -> None:
        """A write failed for the full disk: the first one is said."""
        now = self.clock()
        self.failures += 1
        self.last_failure = now
        if self.full_since is None:
            self.full_since = now
            self.logger.warning("the database disk is full (%s): writes fail since %s UTC; polls and deliveries "
                                "are retried, nothing is lost", self.where, f"{now:%H:%M:%S}")

    def wrote(self, statements: set[str]) -> None:
        """A write transaction committed: the disk has room again when it held a statement that had failed."""
        now = self.clock()
        quiet = self.last_failure is not None and now - self.last_failure >= RECOVERY_FALLBACK
        if self.full_since is None or not (statements & self._failed or quiet):
            return
        span = now - self.full_since
        self.logger.warning("the database disk has room again: writes work after %s (%d failed meanwhile)",
                            duration(span), self.failures)
        self.full_since, self.last_failure, self.failures = None, None, 0
        self._failed.clear()

