"""Who on Telegram gets an alert: the channel and the subscribers whose filters match (the fan-out's targets)."""

from __future__ import annotations

from collections.abc import Callable

from tracker.config import Settings
from tracker.deliver import builds as build_notices
from tracker.deliver.filters import SubscriptionFilter, fits_memory, matches, wants_change
from tracker.store import builds, discovered, outbox
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import Alert, TrackedModel

CHANNEL = "channel"
SUBSCRIBERS = "user:"  # each subscriber's target is user:<id>

TargetsFn = Callable[[Alert, TrackedModel], list[str]]


def telegram_targets(store: Store, settings: Settings) -> TargetsFn:
    """Who on Telegram gets an alert: the channel (when set) and every active subscriber whose filter
    matches. Subscribers are read once per fan-out, and only when there is an alert to fan out; no bot is
    needed, so alerts fan out while the bot is still connecting."""
    people: list[tuple[int, SubscriptionFilter]] | None = None
    quiet: set[str] = set()  # organisations watched through discovery, kept off the channel

    def targets(alert: Alert, model: TrackedModel) -> list[str]:
        nonlocal people, quiet
        if people is None:
            if not settings.discovery_channel:
                quiet = {row.org.lower() for row in discovered.watched(store)}
            # Digest subscribers get their releases once a period instead (tracker.deliver.digests).
            people = [(s.user_id, SubscriptionFilter.of(s)) for s in subscriptions.active(store)
                      if s.digest in (None, "off")]
        if alert.kind == "followup":  # it edits the channel's card; subscribers are not told again
            return [CHANNEL] if settings.telegram_channel and model.org.lower() not in quiet else []
        if alert.kind == builds.KIND:  # subscribers only, each with the notices they get (said once)
            return build_targets(store, alert, model, people)
        weights = alert.kind == "weights_updated"  # opt-in: TRACKER_ALERT_WEIGHT_UPDATES, /settings weights
        channel = settings.telegram_channel and (settings.alert_weight_updates or not weights)
        chosen = [CHANNEL] if channel and model.org.lower() not in quiet else []
        if alert.kind == "release":
            return chosen + [f"user:{uid}" for uid, f in people if matches(f, model)]
        return chosen + change_targets(store, model, [(uid, f) for uid, f in people if f.weight_updates or not weights])

    return targets


def change_targets(store: Store, model: TrackedModel, people: list[tuple[int, SubscriptionFilter]]) -> list[str]:
    """The subscribers who hear of a license change or weight update: those whose filters match it, memory
    aside when they were told of the release (a change to a model they were told about reaches them)."""
    told: set[int] = set()
    if model.id is not None and any(not fits_memory(f, model) for _, f in people):  # one query, only if needed
        told = {uid for uid, _ in outbox.told_of_releases(store, [model.id])}
    return [f"user:{uid}" for uid, f in people if wants_change(f, model, uid in told)]


def build_targets(store: Store, alert: Alert, model: TrackedModel,
                  people: list[tuple[int, SubscriptionFilter]]) -> list[str]:
    """The subscribers who hear of a quantized build, each named with its notices (`user:42#fits`)."""
    assert alert.model_id is not None
    said: dict[int, set[str]] = {}
    for uid, kind in builds.told(store, alert.model_id):
        said.setdefault(uid, set()).add(kind)
    build = builds.event_value(store, alert.event_id)
    chosen = []
    for uid, f in people:
        if notices := build_notices.notices(f, model, build, said.get(uid, set())):
            chosen.append(builds.notice_target(f"user:{uid}", notices))
    return chosen
