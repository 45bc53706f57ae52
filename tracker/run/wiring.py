"""Wiring settings to parts: the store, the Hub client, the poller, and whether Telegram can work at all."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from tracker.config import Settings
from tracker.hub.client import HubClient
from tracker.poll.cycle import Poller
from tracker.store.releases import Store
from tracker.store.url import sqlite_folder
from tracker.telegram.app import TOKEN_REJECTED, token_rejected
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
    return Poller(make_hub(settings), store, watchlist, workers=settings.hub_workers,
                  discover_min_likes=settings.discovery_min_likes if settings.discovery else None)


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


