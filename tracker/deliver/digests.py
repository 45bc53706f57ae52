"""Digests: one message per period instead of an alert per release, for subscribers and for the channel.

A period starts at TRACKER_DIGEST_TIME (HH:MM UTC) every day, or on Mondays for weekly digests. When a
period has begun and a target has not had its digest for it, one `Digest` row is queued (the digest's
outbox) covering the releases alerted since that target's previous digest, in the same transaction that
moves the target on. Queuing runs on a schedule and once at start, so a digest missed while the tracker
was down is queued when it comes back; sending marks a row sent once Telegram accepted it.

The period maths and the message are here; the rows are read and written by tracker.store.digests.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from tracker.deliver.filters import SubscriptionFilter, fits_memory, matches, wants_change
from tracker.render.templates import render
from tracker.render.text import MAX_VISIBLE, visible_length
from tracker.render.views import card
from tracker.store import digests as digest_rows
from tracker.store import outbox
from tracker.store.releases import Store
from tracker.store.tables import Digest, Subscriber, TrackedModel

MODES = ("off", "daily", "weekly")
CHANNEL = "channel"
LENGTH = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_CHANGES = 10  # license changes listed in one digest; the rest are counted
PERIOD_WORDS = {"day": "daily", "week": "weekly", "daily": "daily", "weekly": "weekly"}


def boundary(mode: str, digest_time: str, now: datetime) -> datetime:
    """When the current period began: the latest HH:MM at or before `now` (a Monday's, for weekly)."""
    hour, minute = (int(p) for p in digest_time.split(":"))
    start = datetime.combine(now.date(), time(hour, minute), tzinfo=now.tzinfo)
    if start > now:
        start -= timedelta(days=1)
    if mode == "weekly":
        start -= timedelta(days=start.weekday())
    return start


def period_key(mode: str, start: datetime) -> str:
    """The stored name of a period, e.g. 'daily:2026-12-02' or 'weekly:2026-11-30'."""
    return f"{mode}:{start:%Y-%m-%d}"


def next_time(mode: str, digest_time: str, now: datetime) -> datetime:
    """When the next period begins."""
    return boundary(mode, digest_time, now) + LENGTH[mode]


def mode_changes(mode: str, digest_time: str, now: datetime) -> dict[str, Any]:
    """The subscriber fields to store when someone chooses a digest mode: the current period counts as
    had, and their first digest starts now (alerts until now went to them one by one)."""
    if mode == "off":
        return {"digest": "off", "digest_period": None, "digest_since": None}
    return {"digest": mode, "digest_period": period_key(mode, boundary(mode, digest_time, now)),
            "digest_since": now}


def queue_due(store: Store, digest_time: str, now: datetime) -> int:
    """Queue the digest of every digest subscriber whose period has begun; returns how many were queued."""

    def plan(person: Subscriber) -> tuple[str, datetime] | None:
        start = boundary(person.digest, digest_time, now)
        key = period_key(person.digest, start)
        if person.digest_period == key:
            return None
        return key, person.digest_since or start - LENGTH[person.digest]

    return digest_rows.queue_for_subscribers(store, plan, now)


def queue_channel(store: Store, mode: str, digest_time: str, now: datetime) -> Digest | None:
    """Queue the channel's digest of the period that began last, unless it already is; returns it."""
    if mode not in LENGTH:
        return None
    start = boundary(mode, digest_time, now)
    return digest_rows.queue_period(store, CHANNEL, period_key(mode, start), start - LENGTH[mode], now)


def releases(store: Store, since: datetime, until: datetime, f: SubscriptionFilter | None = None) -> list[TrackedModel]:
    """Public releases alerted in [since, until) that the filter matches, by lab then release time.

    Times are whole seconds: half-open windows that follow on (one digest's `until` is the next one's
    `since`) put an alert of the very second a digest was queued, or a mode was chosen, in exactly one."""
    return [m for m in digest_rows.alerted_releases(store, since, until) if f is None or matches(f, m)]


@dataclass(frozen=True)
class Change:
    """A license change (or weight update) alerted during a digest's period: a digest subscriber hears of it
    there, since they get no instant alerts."""

    kind: str  # license_changed | weights_updated
    model: TrackedModel
    old: dict[str, Any]
    new: dict[str, Any]


def changes(store: Store, since: datetime, until: datetime, f: SubscriptionFilter | None = None,
            weight_updates: bool = False, user_id: int | None = None) -> list[Change]:
    """License changes (and, when opted in, weight updates) alerted in [since, until) that the filter
    matches, oldest first: the memory filter aside for a release subscriber `user_id` was told of."""
    kinds = ["license_changed", "weights_updated"] if weight_updates else ["license_changed"]
    rows = digest_rows.alerted_changes(store, kinds, since, until)
    told: set[int] = set()
    unfit = [model.id for _, _, model in rows if f is not None and model.id is not None and not fits_memory(f, model)]
    if unfit and user_id is not None:
        told = {mid for _, mid in outbox.told_of_releases(store, unfit, user_id)}
    return [Change(alert.kind, model, _as_dict(event.old_value), _as_dict(event.new_value))
            for alert, event, model in rows if f is None or wants_change(f, model, model.id in told)]


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class DigestView:
    """What one digest message shows."""

    mode: str
    since: datetime
    until: datetime
    models: Sequence[Any]
    changes: Sequence[Change] = ()


def by_lab(models: Sequence[Any]) -> OrderedDict[str, list[Any]]:
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for model in models:
        groups.setdefault(model.lab, []).append(model)
    return groups


def cut_to_fit(text: Callable[[int], str], total: int, limit: int) -> str:
    """`text(total)` when it fits in `limit` visible characters, else `text(n)` for the largest n that
    fits (the template says "… and N more" for the rest)."""
    full = text(total)
    if visible_length(full) <= limit:
        return full
    lo, hi = 0, total  # the most that fit lies in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if visible_length(text(mid)) <= limit:
            lo = mid
        else:
            hi = mid
    return text(lo)


def digest_text(view: DigestView, lang: str, hub_url: str, limit: int = MAX_VISIBLE,
                template: str = "digest.html") -> str:
    """The digest as Telegram HTML (templates/{lang}/digest.html), cut to `limit` visible characters
    with "… and N more" when it is too long."""

    def text(shown: int) -> str:
        groups = by_lab(view.models[:shown])
        return render(template, lang=lang, mode=view.mode, since=view.since, until=view.until,
                      total=len(view.models), more=len(view.models) - shown,
                      groups=[(lab, [card(m, hub_url) for m in ms]) for lab, ms in groups.items()],
                      changes=[(c, card(c.model, hub_url)) for c in view.changes[:MAX_CHANGES]],
                      more_changes=max(0, len(view.changes) - MAX_CHANGES))

    return cut_to_fit(text, len(view.models), limit)
