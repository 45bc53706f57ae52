"""A release's follow-up on Telegram: its card edited to carry what became of it, or a reply to the card.

The card is re-rendered from the store with every follow-up of its models (tracker.telegram.cards), so an edit
never loses what an earlier one added. A card that cannot be edited any more (deleted by an admin: "message
to edit not found"; or "message can't be edited") gets the follow-up as a reply; a release that never had a
card in this chat gets it as a message of its own.
Bot API: https://core.telegram.org/bots/api#editmessagetext and #sendmessage (reply_parameters)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from tracker.render.templates import render
from tracker.render.text import fit_message
from tracker.render.views import followup, model_url
from tracker.store import followups as followup_rows
from tracker.store.outbox import DeliveryItem
from tracker.store.queries import models_by_ids
from tracker.store.releases import Store
from tracker.store.tables import Card
from tracker.telegram.cards import release_card, wave_key

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


@dataclass(frozen=True)
class Where:
    """The chat a follow-up goes to."""

    target: str
    chat_id: str | int
    lang: str
    thread_id: int | None
    follow_url: str | None


def followup_reply(model: Any, numbers: dict[str, Any], lang: str, hub_url: str) -> str:
    """The follow-up of one release as a message of its own (a reply to its card, or without a card)."""
    entries = [{"name": model.repo_id.split("/", 1)[-1], "fu": followup(numbers)}]
    return render("card_followup.html", lang=lang, entries=entries) + f"\n{model_url(hub_url, model.repo_id)}"


async def send_followup(bot: Bot, store: Store, items: Sequence[DeliveryItem], where: Where, hub_url: str) -> bool:
    """Put the follow-ups of one family's releases on their cards, one edit per card; True when a card was
    edited, False when only messages were sent. Repeating it is harmless: an edit to the same text is a no-op."""
    cards: dict[int | None, tuple[Card | None, list[DeliveryItem]]] = {}
    for item in items:
        assert item.model.id is not None
        card = await asyncio.to_thread(followup_rows.card_of, store, where.target, wave_key(item.model), item.model.id)
        cards.setdefault(card.id if card is not None else None, (card, []))[1].append(item)
    edited = False
    for card, group in cards.values():
        if card is not None and await _edit(bot, store, card, where, hub_url):
            edited = True
            continue
        lang = card.lang if card is not None else where.lang
        text = fit_message("\n\n".join(followup_reply(i.model, i.event.new_value or {}, lang, hub_url) for i in group))
        reply = ReplyParameters(card.message_id, allow_sending_without_reply=True) if card is not None else None
        await bot.send_message(card.chat_id if card is not None else where.chat_id, text, parse_mode=ParseMode.HTML,
                               link_preview_options=NO_PREVIEW, reply_parameters=reply,
                               message_thread_id=card.thread_id if card is not None else where.thread_id)
    return edited


async def _edit(bot: Bot, store: Store, card: Card, where: Where, hub_url: str) -> bool:
    """Re-render the card with every follow-up of its models; False when it cannot be edited any more."""
    ids = list(card.model_ids or [])
    models = await asyncio.to_thread(models_by_ids, store.engine, ids)
    found = await asyncio.to_thread(followup_rows.of_models, store, ids)
    kind = await asyncio.to_thread(followup_rows.release_kind, store, ids)
    text = release_card(models, card.lang, hub_url, kind, where.follow_url, found)
    try:
        await bot.edit_message_text(text, chat_id=card.chat_id, message_id=card.message_id,
                                    parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
    except BadRequest as exc:
        message = exc.message.lower()
        if "not modified" in message:
            return True
        if not any(reason in message for reason in _GONE):
            raise
        return False
    return True
