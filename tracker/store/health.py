"""What health is judged on, read from the store in one session: polls, failing organisations, the outbox
queue and the pause flag (the judging is tracker.run.health's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from tracker.hub.sources import HF, MS, MS_STATE_PREFIX
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
    # Per hub (huggingface, and modelscope once polled): its newest successful poll and failing organisations.
    hubs: dict[str, tuple[datetime | None, list[str]]] = field(default_factory=dict)


def health_facts(store: Store) -> HealthFacts:
    """The facts now. The health rule reads the Hugging Face Hub's polls; ModelScope's are reported beside."""
    on_ms = col(OrgState.org).startswith(MS_STATE_PREFIX)
    with store.session() as session:
        hubs: dict[str, tuple[datetime | None, list[str]]] = {}
        for hub, where in ((HF, ~on_ms), (MS, on_ms)):
            last = _aware(session.exec(select(func.max(OrgState.last_success_at)).where(where)).one())
            failing = list(session.exec(select(OrgState.org).where(where, OrgState.error_count > 0)
                                        .order_by(OrgState.org)))
            polled = session.exec(select(func.count()).select_from(OrgState).where(where)).one()
            if hub == HF or polled:
                hubs[hub] = (last, [o.removeprefix(MS_STATE_PREFIX) for o in failing])
        pending, oldest = session.exec(
            select(func.count(), func.min(Delivery.created_at)).where(Delivery.status == "pending")
        ).one()
        paused = session.get(RuntimeFlag, "paused") is not None
    return HealthFacts(hubs[HF][0], hubs[HF][1], int(pending), _aware(oldest), paused, hubs)


def _aware(value: Any) -> datetime | None:
    """A time from an aggregate query (SQLite hands back text or naive values) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
