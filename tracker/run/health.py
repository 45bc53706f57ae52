"""Health: is the tracker polling, and how much waits in the outbox — for GET /healthz and `tracker status`.

Read from the store, so the running process and a cron job on the same machine see the same numbers.
Unhealthy (503, exit 1) when the leader's last successful poll of any organisation is older than
STALE_INTERVALS poll intervals. A process that has not polled yet is healthy for the same grace from
its start; a standby, which does not poll, is healthy; so is a tracker paused by an admin (/pause).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.store.health import health_facts
from tracker.store.releases import Store

STALE_INTERVALS = 3


@dataclass(frozen=True)
class Health:
    """One health reading."""

    status: str  # ok | starting | paused | standby | stale
    role: str | None  # leader | standby (None: not known outside the running process)
    last_poll_at: datetime | None
    last_poll_age_s: float | None
    orgs_failing: list[str]
    orgs_rate_limited: dict[str, datetime]  # skipped for a 429 until then (known inside `tracker run` only)
    outbox_pending: int
    oldest_pending_age_s: float | None
    detail: str
    # Each hub's state: {"huggingface": {...}, "modelscope": {...}} (last_poll_at, last_poll_age_s,
    # orgs_failing, orgs_rate_limited); ModelScope only once it was polled.
    hubs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.status != "stale"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "healthy": self.healthy,
            "role": self.role,
            "last_poll_at": self.last_poll_at.isoformat() if self.last_poll_at else None,
            "last_poll_age_s": _round(self.last_poll_age_s),
            "orgs_failing": self.orgs_failing,
            "orgs_rate_limited": {org: until.isoformat() for org, until in self.orgs_rate_limited.items()},
            "outbox_pending": self.outbox_pending,
            "oldest_pending_age_s": _round(self.oldest_pending_age_s),
            "detail": self.detail,
            "hubs": self.hubs,
        }


def read_health(store: Store, poll_interval: float, now: datetime, role: str | None = "leader",
                started_at: datetime | None = None, rate_limited: Mapping[str, datetime] | None = None) -> Health:
    """The health now; `started_at` (the process start) gives a tracker that has not polled yet its grace;
    `rate_limited` are the organisations a running poller skips for a 429, and until when."""
    facts = health_facts(store)
    last_poll, oldest = facts.last_poll_at, facts.oldest_pending_at
    age = (now - last_poll).total_seconds() if last_poll else None
    limit = STALE_INTERVALS * poll_interval
    if role == "standby":
        status, detail = "standby", "standby: another instance polls and delivers"
    elif facts.paused:
        status, detail = "paused", "paused by an admin (/resume restarts polling)"
    elif age is not None and age <= limit:
        status, detail = "ok", f"last successful poll {age:.0f}s ago"
    elif started_at is not None and (now - started_at).total_seconds() <= limit:
        status, detail = "starting", "started recently; the first poll is under way"
    else:
        status = "stale"
        detail = (f"no successful poll for {age:.0f}s (more than {STALE_INTERVALS} poll intervals of "
                  f"{poll_interval:g}s)" if age is not None else "no successful poll yet")
    limited = dict(rate_limited or {})
    hubs = {hub: {"last_poll_at": last.isoformat() if last else None,
                  "last_poll_age_s": _round((now - last).total_seconds()) if last else None,
                  "orgs_failing": failing, "orgs_rate_limited": _limited_on(limited, hub)}
            for hub, (last, failing) in facts.hubs.items()}
    return Health(status=status, role=role, last_poll_at=last_poll, last_poll_age_s=age,
                  orgs_failing=facts.orgs_failing,
                  orgs_rate_limited={o: u for o, u in limited.items() if ":" not in o},  # the Hub's
                  outbox_pending=facts.outbox_pending,
                  oldest_pending_age_s=(now - oldest).total_seconds() if oldest else None, detail=detail, hubs=hubs)


def format_health(health: Health) -> str:
    """`tracker status` as text: one line per fact."""
    def ago(seconds: float | None) -> str:
        return "never" if seconds is None else f"{seconds:.0f}s ago"

    lines = [
        f"status:          {health.status} ({'healthy' if health.healthy else 'UNHEALTHY'}): {health.detail}",
        f"last poll:       {health.last_poll_at.isoformat(timespec='seconds') if health.last_poll_at else 'never'}"
        f" ({ago(health.last_poll_age_s)})",
        f"orgs failing:    {', '.join(health.orgs_failing) if health.orgs_failing else 'none'}",
        *(["rate-limited:    " + ", ".join(f"{org} until {until:%H:%M} UTC" for org, until in
                                             health.orgs_rate_limited.items())] if health.orgs_rate_limited else []),
        f"outbox pending:  {health.outbox_pending}"
        + (f" (oldest {ago(health.oldest_pending_age_s)})" if health.oldest_pending_age_s is not None else ""),
    ]
    for hub, state in health.hubs.items():
        if hub == "huggingface":
            continue
        failing = ", ".join(state["orgs_failing"]) or "none failing"
        limited = ", ".join(state["orgs_rate_limited"])
        lines.append(f"{hub + ':':<17}last poll {ago(state['last_poll_age_s'])}; {failing}"
                     + (f"; rate-limited: {limited}" if limited else ""))
    if health.role is not None:
        lines.insert(1, f"role:            {health.role}")
    return "\n".join(lines)


def _limited_on(limited: Mapping[str, datetime], hub: str) -> dict[str, str]:
    """The organisations of one hub skipped for a 429 (ModelScope's are keyed `modelscope:ORG`)."""
    if hub == "huggingface":
        return {org: until.isoformat() for org, until in limited.items() if ":" not in org}
    prefix = f"{hub}:"
    return {org.removeprefix(prefix): until.isoformat() for org, until in limited.items() if org.startswith(prefix)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
