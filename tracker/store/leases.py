"""The leader lease (`leader_lease`, PostgreSQL): one row per lease name, taken, renewed, expired and read
on a small connection pool of its own with short network timeouts, so a lost network fails a query
within seconds instead of hanging on TCP. Expiry times are on the database server's clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import URL, Engine, create_engine, text


class LeaseTable:
    """The lease rows of the database behind `engine`."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        url = engine.url
        self.engine: Engine = create_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True,
                                            connect_args=_pg_timeouts(url, ttl))

    def take(self, name: str, holder: str, ttl: float, now: datetime) -> int | None:
        """Take the lease for `ttl` seconds when it expired or `holder` has it; its new term, or None when
        another holder's lease is valid."""
        with self.engine.begin() as conn:
            return conn.execute(text(
                "INSERT INTO leader_lease (name, holder, term, expires_at, acquired_at) "
                "VALUES (:name, :me, 1, EXTRACT(EPOCH FROM clock_timestamp()) + :ttl, :at) "
                "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, term = leader_lease.term + 1, "
                "expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at "
                "WHERE leader_lease.expires_at < EXTRACT(EPOCH FROM clock_timestamp()) "
                "OR leader_lease.holder = EXCLUDED.holder "
                "RETURNING term"),
                {"name": name, "me": holder, "ttl": ttl, "at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}).scalar()

    def renew(self, name: str, holder: str, term: int | None, ttl: float) -> bool:
        """Extend the lease by `ttl` seconds from now; False when `holder` no longer has it in `term`."""
        with self.engine.begin() as conn:
            row = conn.execute(text(
                "UPDATE leader_lease SET expires_at = EXTRACT(EPOCH FROM clock_timestamp()) + :ttl "
                "WHERE name = :name AND holder = :me AND term = :term RETURNING term"),
                {"name": name, "me": holder, "term": term, "ttl": ttl}).first()
        return row is not None

    def expire(self, name: str, holder: str, term: int) -> None:
        """End `holder`'s lease of `term` now."""
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE leader_lease SET expires_at = 0 WHERE name = :name AND holder = :me "
                              "AND term = :term"), {"name": name, "me": holder, "term": term})

    def holder(self, name: str) -> tuple[str, float] | None:
        """Who holds the lease and for how many seconds more (negative: expired); None when nobody ever did."""
        with self.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT holder, expires_at - EXTRACT(EPOCH FROM clock_timestamp()) FROM leader_lease "
                "WHERE name = :name"), {"name": name}).first()
        return None if row is None else (row[0], float(row[1]))

    def dispose(self) -> None:
        """Close the pool's connections."""
        self.engine.dispose()


def _pg_timeouts(url: URL, ttl: float) -> dict[str, object]:
    """libpq options: a dead network fails a query within seconds instead of hanging on TCP."""
    if not url.drivername.startswith("postgresql"):
        return {}
    limit = max(1, int(ttl / 3))
    return {"connect_timeout": limit, "keepalives": 1, "keepalives_idle": limit, "keepalives_interval": 1,
            "keepalives_count": 2, "tcp_user_timeout": limit * 1000,
            "options": f"-c statement_timeout={limit * 1000}"}
