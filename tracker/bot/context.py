"""What every handler may use: the BotContext (settings, the store, the watchlist)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.config import Settings
from tracker.store.releases import Store
from tracker.watchlist import Watchlist

if TYPE_CHECKING:
    from tracker.store.engine import Engine


@dataclass
class BotContext:
    """What the bot's handlers may use: settings, the store (read-mostly) and the watchlist."""

    settings: Settings
    store: Store
    watchlist: Watchlist

    @property
    def engine(self) -> Engine:
        return self.store.engine
