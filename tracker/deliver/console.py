"""Delivery to the terminal: with no Telegram configured, alerts are printed to standard output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from tracker.render.templates import render
from tracker.render.views import card, followup
from tracker.store import outbox
from tracker.store.releases import Store
from tracker.store.tables import Alert, TrackedModel

CONSOLE = "console"


def console_text(item: outbox.DeliveryItem, hub_url: str) -> str:
    """The terminal text of one alert."""
    context = card(item.model, hub_url, item.event.kind)
    if item.alert.kind == "weights_updated":
        return render("console_weights.txt", old=item.event.old_value or {}, new=item.event.new_value or {},
                      **context)
    if item.alert.kind == "followup":
        return render("console_followup.txt", fu=followup(item.event.new_value), **context)
    if item.alert.kind == "license_changed":
        return render("console_license.txt", old=item.event.old_value or {}, new=item.event.new_value or {},
                      **context)
    return render("console_release.txt", **context)


def console_targets(weight_updates: bool) -> Callable[[Alert, TrackedModel], list[str]]:
    """The console takes every alert but quantized builds (they are for subscribers); weight updates only with
    `weight_updates` (TRACKER_ALERT_WEIGHT_UPDATES)."""
    return lambda alert, _model: [CONSOLE] if alert.kind != "quant_build" and (
        weight_updates or alert.kind != "weights_updated") else []


def deliver_to_console(store: Store, hub_url: str, now: Callable[[], datetime],
                       stream: TextIO | None = None, weight_updates: bool = False,
                       targets: Callable[[Alert, TrackedModel], list[str]] | None = None) -> int:
    """Fan new alerts out and print every pending console delivery; returns how many were printed.
    `targets` replaces the console-only fan-out when other sinks (Apprise) take alerts too."""
    out = stream or sys.stdout
    outbox.fan_out(store, targets or console_targets(weight_updates), now())
    printed = 0
    while True:
        batch = outbox.due(store, now(), target_prefix=CONSOLE)
        if not batch:
            return printed
        for item in batch:
            out.write(console_text(item, hub_url) + "\n\n")
            out.flush()
            assert item.delivery.id is not None
            outbox.mark_sent(store, [item.delivery.id], now())
            printed += 1
