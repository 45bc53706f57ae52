"""What health is judged on, read from the store in one session: polls, failing organisations, the outbox
queue and the pause flag (the judging is tracker.run.health's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from tracker.store.releases import Store
from tracker.store.tables import Delivery, OrgState, RuntimeFlag


@dataclass(frozen=True)
class HealthFacts:
    """The stored facts behind a health reading (times aware UTC)."""

    last_poll_at: datetime | None  # the newest successful poll of any organisation
    orgs_failing: list[str]  # by name
    outbox_pending: int
    oldest_pending_at: datetime | None
    paused: bool


def health_facts(store: Store) -> HealthFacts:
    """The facts now."""
    with store.session() as session:
        last_poll = _aware(session.exec(select(func.max(OrgState.last_success_at))).one())
        failing = list(session.exec(select(OrgState.org).where(OrgState.error_count > 0).order_by(OrgState.org)))
        pending, oldest = session.exec(
            select(func.count(), func.min(Delivery.created_at)).where(Delivery.status == "pending")
        ).one()
        paused = session.get(RuntimeFlag, "paused") is not None
    return HealthFacts(last_poll, failing, int(pending), _aware(oldest), paused)


def _aware(value: Any) -> datetime | None:
    """A time from an aggregate query (SQLite hands back text or naive values) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
