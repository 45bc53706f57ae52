"""Delivery to Apprise targets (Discord, Slack, Matrix, ntfy, e-mail, json:// ...): drains their outbox rows.

Each TRACKER_APPRISE_URLS URL is one outbox target (tracker.deliver.apprise_targets). These services cannot
edit a message, so a wave of one family's models is held until it settles and goes out as one message: once
no new variant came for TRACKER_WAVE_QUIET (2 minutes), or at the latest TRACKER_WAVE_WINDOW after its first
(so a lone release waits minutes, not the whole window). License changes and weight updates go out at once.
A target that fails is retried with backoff, across restarts (the rows stay pending), for up to two days;
the other targets go on. A row is marked sent right after its target accepted the message.
Apprise's API: https://github.com/caronc/apprise/wiki/Development_API
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apprise import Apprise, NotifyFormat

from tracker.deliver.apprise_targets import TARGET_PREFIX, Target, quiet_apprise, secrets_of
from tracker.logsafe import SecretFilter
from tracker.outage import Outage, OutageLog, duration
from tracker.render.templates import render
from tracker.render.views import card
from tracker.store import discovered, outbox
from tracker.store.releases import Store
from tracker.store.tables import Alert, TrackedModel, utcnow

log = logging.getLogger(__name__)

RETRY_CAP = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(days=2)
OUTAGE_WARN_AFTER = timedelta(seconds=10)

Notify = Callable[[Target, str, str], bool]  # (target, title, Markdown body) -> accepted


@dataclass(frozen=True)
class AppriseOptions:
    """The settings the sink needs."""

    hub_url: str
    wave_window: timedelta
    wave_quiet: timedelta = timedelta(minutes=2)  # a wave with no new variant for this long has settled
    weight_updates: bool = False  # TRACKER_ALERT_WEIGHT_UPDATES
    discovered_labs: bool = False  # TRACKER_DISCOVERY_CHANNEL: labs found by discovery are told too
    lang: str = "en"  # TRACKER_APPRISE_LANG (else TELEGRAM_CHANNEL_LANG): templates/<lang>/apprise_*


@dataclass
class AppriseReport:
    sent: int = 0  # messages
    retried: int = 0  # deliveries
    failed: int = 0
    dropped: int = 0
    held: int = 0  # deliveries of waves that have not settled yet

    def add(self, other: AppriseReport) -> None:
        for name in ("sent", "retried", "failed", "dropped", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Message:
    """Deliveries that become one message to one target: a wave, or one other alert."""

    target: str
    items: list[outbox.DeliveryItem] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [i.delivery.id for i in self.items if i.delivery.id is not None]


def wave_key(model: TrackedModel) -> str:
    """Models of one lab and family found close together make one message (as one Telegram card)."""
    return f"{model.lab}|{model.family or model.repo_id}"


def send_with_apprise(target: Target, title: str, body: str) -> bool:
    """Send one message through Apprise; True when the service accepted it."""
    sender = Apprise()
    sender.add(target.url)
    return bool(sender.notify(body=body, title=title, body_format=NotifyFormat.MARKDOWN))


def render_message(items: list[outbox.DeliveryItem], hub_url: str, lang: str = "en") -> tuple[str, str]:
    """The title and Markdown body of one message (templates/<lang>/apprise_*), numbers and dates in `lang`."""
    first = items[0]
    if first.alert.kind == "release":
        models = list({i.model.id: i.model for i in items}.values())
        models.sort(key=lambda m: (-(m.params_total or 0), m.repo_id))
        kinds = {i.event.kind for i in items}
        event = "published" if kinds == {"published"} else "new"
        cards = [card(m, hub_url, event) for m in models]
        context = {"kind": "release", "event": event, "cards": cards, "lab": first.model.lab,
                   "family": first.model.family}
        return (render("apprise_title.txt", lang=lang, **context),
                render("apprise_release.md", lang=lang, **context))
    context = {"kind": first.alert.kind, "old": first.event.old_value or {}, "new": first.event.new_value or {},
               **card(first.model, hub_url, first.event.kind)}
    template = "apprise_license.md" if first.alert.kind == "license_changed" else "apprise_weights.md"
    return render("apprise_title.txt", lang=lang, cards=[], **context), render(template, lang=lang, **context)


class AppriseDelivery:
    """Sends the Apprise targets' pending deliveries; the targets run side by side, each in its own thread."""

    def __init__(self, store: Store, targets: list[Target], options: AppriseOptions,
                 clock: Callable[[], datetime] | None = None, notify: Notify | None = None) -> None:
        self.store = store
        self.targets = {t.key: t for t in targets}
        self.options = options
        self.clock = clock or utcnow
        self.notify = notify or send_with_apprise
        self.outages = {t.key: OutageLog(log, OUTAGE_WARN_AFTER, _failing(t), _recovered(t)) for t in targets}
        self._scrub = {t.key: SecretFilter(secrets_of([t])).scrub for t in targets}
        self._gone_said: set[str] = set()
        quiet_apprise()

    def targets_for(self) -> Callable[[Alert, TrackedModel], list[str]]:
        """Every target gets what the Telegram channel gets: releases and license changes, weight updates
        with TRACKER_ALERT_WEIGHT_UPDATES, labs found by discovery with TRACKER_DISCOVERY_CHANNEL."""
        quiet: set[str] | None = None

        def targets(alert: Alert, model: TrackedModel) -> list[str]:
            nonlocal quiet
            if quiet is None:
                quiet = set() if self.options.discovered_labs else {r.org.lower() for r in
                                                                    discovered.watched(self.store)}
            # Builds go to subscribers only; follow-ups edit the channel's card, which these services cannot.
            skipped = alert.kind == "weights_updated" and not self.options.weight_updates
            if skipped or alert.kind in ("quant_build", "followup"):
                return []
            return [] if model.org.lower() in quiet else list(self.targets)

        return targets

    async def run_once(self) -> AppriseReport:
        """Send every message that is ready now (one thread per target)."""
        by_target, total = await asyncio.to_thread(self._ready)
        reports = await asyncio.gather(*(asyncio.to_thread(self._send_target, target, messages)
                                         for target, messages in by_target.items()))
        for report in reports:
            total.add(report)
        return total

    def run_once_sync(self) -> AppriseReport:
        """The same, in this thread (the one-shot `tracker poll`)."""
        by_target, total = self._ready()
        for target, messages in by_target.items():
            total.add(self._send_target(target, messages))
        return total

    # ---- choosing what goes now --------------------------------------------------------------
    def _ready(self) -> tuple[dict[str, list[_Message]], AppriseReport]:
        """The messages to send now, by target (and how many rows were held or dropped). A wave not yet settled
        is postponed to when it does, with its later variants; a message some of whose rows wait for a retry
        waits for them all."""
        now = self.clock()
        report = AppriseReport()
        groups: dict[tuple[str, str], _Message] = {}
        for item in outbox.pending(self.store, TARGET_PREFIX):
            key = wave_key(item.model) if item.alert.kind == "release" else f"alert:{item.alert.id}"
            groups.setdefault((item.delivery.target, key), _Message(item.delivery.target)).items.append(item)
        ready: dict[str, list[_Message]] = {}
        for message in groups.values():
            if message.target not in self.targets:
                self._drop(message)
                report.dropped += len(message.items)
                continue
            if message.items[0].alert.kind == "release":
                created = [i.delivery.created_at for i in message.items]
                settles = min(min(created) + self.options.wave_window, max(created) + self.options.wave_quiet)
                if settles > now:
                    if any(i.delivery.next_attempt_at is None or i.delivery.next_attempt_at < settles
                           for i in message.items):  # written once per variant, not at every run
                        outbox.postpone(self.store, message.ids, settles)
                    report.held += len(message.items)
                    continue
            if any(i.delivery.next_attempt_at and i.delivery.next_attempt_at > now for i in message.items):
                continue
            ready.setdefault(message.target, []).append(message)
        return ready, report

    def _drop(self, message: _Message) -> None:
        """A target no longer in the setting: its rows are dropped (said once per target and process)."""
        outbox.mark_failed(self.store, message.items, "target no longer in TRACKER_APPRISE_URLS", status="dropped")
        if message.target not in self._gone_said:
            self._gone_said.add(message.target)
            log.warning("dropped %d alert(s) queued for an Apprise target that is no longer configured (%s)",
                        len(message.items), message.target)

    # ---- sending -----------------------------------------------------------------------------
    def _send_target(self, key: str, messages: list[_Message]) -> AppriseReport:
        """Send one target's messages in order; the first failure puts the rest off too (the target is down)."""
        report = AppriseReport()
        target, outage = self.targets[key], self.outages[key]
        capture = quiet_apprise()
        for n, message in enumerate(messages):
            title, body = render_message(message.items, self.options.hub_url, self.options.lang)
            capture.take()
            try:
                accepted = self.notify(target, title, body)
            except Exception as exc:  # noqa: BLE001  (a plugin's bug must not stop the other targets)
                accepted = False
                capture.local.last = type(exc).__name__
            if accepted:
                outbox.mark_sent(self.store, message.ids, self.clock())
                report.sent += 1
                outage.success(self.clock())
                continue
            error = _short(self._scrub[key](capture.take())) or "not accepted"
            outage.failure(error, self.clock())
            for later in messages[n:]:
                self._failed(later, error, report)
            break
        return report

    def _failed(self, message: _Message, error: str, report: AppriseReport) -> None:
        now = self.clock()
        if min(i.delivery.created_at for i in message.items) + GIVE_UP_AFTER < now:
            outbox.mark_failed(self.store, message.items, f"gave up after {duration(GIVE_UP_AFTER)}: {error}")
            log.error("gave up on %d alert(s) to %s after %s of failures: %s", len(message.items),
                      self.targets[message.target].shown, duration(GIVE_UP_AFTER), error)
            report.failed += len(message.items)
            return
        outbox.mark_retry(self.store, message.items, error, now, cap=RETRY_CAP)
        report.retried += len(message.items)


def _short(text: str) -> str:
    return " ".join(text.split())[:160]


def _failing(target: Target) -> Callable[[Outage], str]:
    def line(outage: Outage) -> str:
        return (f"Apprise target {target.shown} failing: {outage.error} since {outage.since:%H:%M} UTC; "
                f"{outage.failed} send(s) failed, retrying with backoff")
    return line


def _recovered(target: Target) -> Callable[[Outage, timedelta, int], str]:
    def line(outage: Outage, span: timedelta, done: int) -> str:
        return f"Apprise target {target.shown} recovered after {duration(span)}"
    return line
