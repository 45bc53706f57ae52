"""Cards that gain a second hub: when ModelScope shows a release the Hub showed first (or the reverse), the cards
already posted for it are edited to link both hubs and say which was first and by how long.
Bot API: https://core.telegram.org/bots/api#editmessagetext
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from tracker.config import Settings
from tracker.render.follow import follow_url
from tracker.store import cards as card_rows
from tracker.store import followups as followup_rows
from tracker.store.queries import models_by_ids
from tracker.store.releases import Store
from tracker.telegram.cards import release_card
from tracker.telegram.targets import CHANNEL

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def relink_cards(bot: Bot, store: Store, settings: Settings, now: datetime) -> int:
    """Edit every card whose release another hub has shown since the last run; returns how many were edited.
    A card Telegram will not edit (unchanged, deleted) is left as it is; Telegram trouble (429, network) leaves
    them all for the next delivery run (an edit repeated then is "not modified", which costs nothing)."""
    edited = 0
    cards, newest = await asyncio.to_thread(card_rows.cards_to_relink, store, now)
    for card in cards:
        ids = list(card.model_ids or ())
        models = await asyncio.to_thread(models_by_ids, store.engine, ids)
        if not models:
            continue
        follow = None
        if card.target == CHANNEL:
            with contextlib.suppress(RuntimeError):  # the bot not initialised: no username yet
                follow = follow_url(bot.username, models[0].lab)
        found = await asyncio.to_thread(followup_rows.of_models, store, ids)  # what became of it stays on it
        kind = await asyncio.to_thread(followup_rows.release_kind, store, ids)
        text = release_card(models, card.lang, settings.hub_web_url, kind, follow, found)
        try:
            await bot.edit_message_text(text, chat_id=card.chat_id, message_id=card.message_id,
                                        parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower() and "not found" not in exc.message.lower():
                log.warning("could not edit a card to link both hubs: %s", exc.message)
        except TelegramError:
            return edited  # nothing marked done: the next run edits them again
        else:
            edited += 1
        await asyncio.to_thread(card_rows.set_card_models, store, card.id, ids, now)
    if newest is not None:
        await asyncio.to_thread(card_rows.relinked, store, newest, now)
    return edited
