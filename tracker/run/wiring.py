"""Wiring settings to parts: the store, the Hub client, the poller, and whether Telegram can work at all."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tracker.config import Settings
from tracker.deliver.apprise_sink import AppriseDelivery, AppriseOptions
from tracker.deliver.apprise_targets import parse_targets
from tracker.deliver.console import console_targets
from tracker.hub.client import HubClient
from tracker.hub.modelscope import ModelScopeClient
from tracker.poll.cycle import Poller
from tracker.poll.followup import FollowupRunner
from tracker.poll.modelscope import ModelScopePoller
from tracker.store import subscribers
from tracker.store.releases import Store
from tracker.store.url import sqlite_folder
from tracker.telegram.app import TOKEN_REJECTED, token_rejected
from tracker.telegram.targets import TargetsFn, telegram_targets
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> Store:
    """The store at TRACKER_DATABASE_URL, migrated to the current schema."""
    return Store.open(settings.database_url)


def make_hub(settings: Settings) -> HubClient:
    """The Hub client for HF_ENDPOINT, with the token and its download cache beside the store."""
    token = settings.hf_token.get_secret_value() if settings.hf_token else None
    return HubClient(settings.hf_endpoint, token, settings.hub_timeout, hub_cache_dir(settings))


def hub_cache_dir(settings: Settings) -> Path:
    """Where config.json and model cards are cached: TRACKER_STATE_DIR when set, else the folder of the SQLite
    store (`tracker refacts` reads what polls cached there). A command run where no store exists (`inspect`
    in any folder) uses the user's cache folder instead of making `state/` there."""
    if "state_dir" in settings.model_fields_set:
        return settings.state_dir / "hf-cache"
    folder = sqlite_folder(settings.database_url)
    if folder is None:
        folder = settings.state_dir
    if folder.is_dir():
        return folder / "hf-cache"
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user_cache / "release-tracker" / "hf-cache"


def make_poller(settings: Settings, store: Store, watchlist: Watchlist) -> Poller:
    """A Poller over the watchlist, with discovery when TRACKER_DISCOVERY is on."""
    poller = Poller(make_hub(settings), store, watchlist, workers=settings.hub_workers,
                    discover_min_likes=settings.discovery_min_likes if settings.discovery else None)
    poller.web_url = settings.hub_web_url
    return poller


def make_modelscope_poller(settings: Settings, store: Store, watchlist: Watchlist) -> ModelScopePoller | None:
    """The ModelScope lane (TRACKER_MODELSCOPE, on by default), or None when it is off or no lab names
    ModelScope organisations. The client keeps its session id beside the Hub's cache, not in ~/.modelscope."""
    if not settings.modelscope or not watchlist.modelscope_orgs:
        return None
    client = ModelScopeClient(settings.modelscope_endpoint, settings.modelscope_timeout,
                              hub_cache_dir(settings).parent / "modelscope", settings.modelscope_web_url)
    return ModelScopePoller(client, store, watchlist, settings.hub_web_url,
                            workers=min(settings.hub_workers, 4))


def make_followups(settings: Settings, store: Store, poller: Poller) -> FollowupRunner:
    """The follow-ups of TRACKER_FOLLOWUP_AFTER, through the poller's Hub client and behind its stop gate."""
    return FollowupRunner(poller.hub, store, settings.followup_after, gate=poller.gate)


def telegram_ready(settings: Settings, check_token: bool) -> bool:
    """Say once, at start, when the Telegram settings cannot work; False when delivery would only fail.
    With `check_token`, ask Telegram whether it accepts the token (getMe)."""
    problem = settings.telegram_problem()
    if problem is not None:
        log.warning(problem)
        return settings.telegram_bot_token is None  # a channel without a token: the terminal still works
    if check_token and settings.telegram_enabled and asyncio.run(token_rejected(settings)):
        log.warning(TOKEN_REJECTED)
        return False
    return True




def make_apprise(settings: Settings, store: Store) -> AppriseDelivery | None:
    """The Apprise sink of TRACKER_APPRISE_URLS, or None; each entry that cannot be used is one warning, its
    secrets masked."""
    if settings.apprise_urls is None:
        return None
    parsed = parse_targets(settings.apprise_urls.get_secret_value())
    for problem in parsed.problems:
        log.warning(problem)
    if not parsed.targets:
        return None
    options = AppriseOptions(hub_url=settings.hub_web_url, wave_window=timedelta(minutes=settings.wave_window_minutes),
                             wave_quiet=timedelta(minutes=settings.wave_quiet_minutes),
                             weight_updates=settings.alert_weight_updates,
                             discovered_labs=settings.discovery_channel, lang=settings.apprise_language)
    return AppriseDelivery(store, parsed.targets, options)


def alert_targets(settings: Settings, store: Store, apprise: AppriseDelivery | None) -> Callable[[], TargetsFn]:
    """Who gets a new alert, built afresh for each fan-out: Telegram's targets (or the terminal without a bot
    token) and the Apprise targets. One fan-out creates every sink's rows, so no sink misses an alert."""

    def build() -> TargetsFn:
        first = (telegram_targets(store, settings) if settings.telegram_enabled
                 else console_targets(settings.alert_weight_updates))
        if apprise is None:
            return first
        second = apprise.targets_for()
        return lambda alert, model: [*first(alert, model), *second(alert, model)]

    return build


def alerts_destination(settings: Settings, store: Store, apprise: AppriseDelivery | None) -> str:
    """Where alerts go, said at start: the terminal, or the channel and how many people subscribed; and the
    Apprise targets."""
    where = _telegram_destination(settings, store)
    if apprise is None:
        return where
    shown = ", ".join(t.shown for t in apprise.targets.values())
    return f"{where}, and {len(apprise.targets)} Apprise target(s): {shown}"


def _telegram_destination(settings: Settings, store: Store) -> str:
    problem = settings.telegram_problem()  # a setting that cannot work was already said at start
    if not settings.telegram_enabled:
        return "this terminal" + ("" if problem else " (set TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL for Telegram)")
    if problem:
        return "nowhere yet: they wait in the store until the Telegram settings work"
    people = subscribers.counts(store)["subscribed"]
    channel = f"the Telegram channel {settings.telegram_channel}" if settings.telegram_channel \
        else "no channel (TELEGRAM_CHANNEL is not set)"
    return f"{channel} and {people} subscriber{'' if people == 1 else 's'} of the bot"
