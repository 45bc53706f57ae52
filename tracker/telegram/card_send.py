"""Sending one card group to one chat: a release wave's card, posted or edited as the wave grows, a follow-up,
a weights, license or quantized-build card; in the lab's forum topic where the channel has topics.

TelegramDelivery (tracker.telegram.sender) decides what is due and what an error means; this sends.
Bot API: https://core.telegram.org/bots/api#sendmessage and #editmessagetext
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest

from tracker.config import Settings
from tracker.render.follow import follow_url
from tracker.store import cards as card_rows
from tracker.store import followups as followup_rows
from tracker.store import outbox
from tracker.store.builds import KIND, notices_of
from tracker.store.queries import models_by_ids
from tracker.store.releases import Store
from tracker.store.tables import Card
from tracker.telegram.cards import build_card, license_card, release_card, weights_card
from tracker.telegram.followups import Where, send_followup
from tracker.telegram.targets import CHANNEL

log = logging.getLogger("tracker.telegram.sender")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class Group:
    """Deliveries that become one message: one target, one wave (or one license change)."""

    target: str
    key: str
    items: list[outbox.DeliveryItem] = field(default_factory=list)


@dataclass(frozen=True)
class Chat:
    """Where a group goes: the chat, whether it is private, its language and (a subscriber) the person."""

    chat_id: str | int
    private: bool
    lang: str
    user_id: int | None = None


class CardSender:
    """Sends (or edits) the message of one group of deliveries to one chat."""

    def __init__(self, bot: Bot, store: Store, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.clock = clock
        self.texts: dict[tuple[Any, ...], str] = {}  # a run's rendered cards: a wave reads alike for many chats
        self.window = timedelta(minutes=settings.wave_window_minutes)

    async def send(self, group: Group, chat: Chat) -> bool:
        """Send (or edit) the group's message; True when an existing card was edited."""
        first = group.items[0]
        hub_url = self.settings.hub_web_url
        thread_id = await self._thread_for(chat, first.model.lab) if group.target == CHANNEL else None
        if first.alert.kind == "followup":
            where = Where(group.target, chat.chat_id, chat.lang, thread_id, self._follow(group))
            return await send_followup(self.bot, self.store, group.items, where, hub_url)
        if first.alert.kind != "release":
            old, new = first.event.old_value or {}, first.event.new_value or {}
            if first.alert.kind == KIND and chat.user_id is not None:  # a quantized build: what this person is told
                notices, vram = await asyncio.to_thread(notices_of, self.store, chat.user_id, first.alert.id or 0)
                text = build_card(first.model, new, notices, vram, chat.lang, hub_url)
            else:
                card = weights_card if first.alert.kind == "weights_updated" else license_card
                text = card(first.model, old, new, chat.lang, hub_url)
            await self._post(chat, text, thread_id)
            return False
        new_ids = [i.model.id for i in group.items if i.model.id is not None]
        card = await asyncio.to_thread(self._open_card, group.target, group.key)
        if card is not None:
            ids = list(dict.fromkeys([*(card.model_ids or []), *new_ids]))
            models = await asyncio.to_thread(models_by_ids, self.store.engine, ids)
            found = await asyncio.to_thread(followup_rows.of_models, self.store, ids)
            text = release_card(models, card.lang, hub_url, _kind(group), self._follow(group), found)
            try:
                await self.bot.edit_message_text(text, chat_id=card.chat_id, message_id=card.message_id,
                                                 parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return True
                if "message to edit not found" not in exc.message.lower():
                    raise
                card = None  # deleted by a channel admin: post a fresh card below
            else:
                await asyncio.to_thread(self._save_card, card, ids)
                return True
        text = self._release_text(group, chat.lang)
        message_id = await self._post(chat, text, thread_id)
        await asyncio.to_thread(self._new_card, group, chat, thread_id, message_id, new_ids)
        return False

    def _release_text(self, group: Group, lang: str) -> str:
        """The new card of the group's models, rendered once per run for every chat that gets the same one."""
        models = [i.model for i in group.items]
        follow = self._follow(group)
        key = (tuple(m.id for m in models), lang, _kind(group), follow)
        if key not in self.texts:
            self.texts[key] = release_card(models, lang, self.settings.hub_web_url, _kind(group), follow)
        return self.texts[key]

    def _follow(self, group: Group) -> str | None:
        """The channel's cards link to following the lab in a private chat (the bot's username is known
        once the bot is initialised, from getMe)."""
        if group.target != CHANNEL:
            return None
        try:
            username = self.bot.username
        except RuntimeError:  # not initialised
            return None
        return follow_url(username, group.items[0].model.lab)

    async def _post(self, chat: Chat, text: str, thread_id: int | None) -> int:
        message = await self.bot.send_message(chat.chat_id, text, parse_mode=ParseMode.HTML,
                                              link_preview_options=NO_PREVIEW, message_thread_id=thread_id)
        return message.message_id

    async def _thread_for(self, chat: Chat, lab: str) -> int | None:
        """The forum topic of a lab (TELEGRAM_TOPICS=1), created on first use and remembered."""
        if not self.settings.telegram_topics:
            return None
        key = str(chat.chat_id)
        known = card_rows.forum_topic(self.store, key, lab)
        if known is not None:
            return known
        try:
            topic = await self.bot.create_forum_topic(chat.chat_id, name=lab[:128])
        except BadRequest as exc:  # not a forum, or no right to manage topics: post to the general topic
            log.warning("cannot create a forum topic for %s (%s); posting without topics", lab, exc.message)
            return None
        card_rows.remember_forum_topic(self.store, key, lab, topic.message_thread_id, self.clock())
        return topic.message_thread_id

    def _open_card(self, target: str, key: str) -> Card | None:
        return card_rows.open_card(self.store, target, key, self.clock() - self.window)

    def _save_card(self, card: Card, ids: list[int]) -> None:
        card_rows.set_card_models(self.store, card.id, ids, self.clock())

    def _new_card(self, group: Group, chat: Chat, thread_id: int | None, message_id: int, ids: list[int]) -> None:
        now = self.clock()
        card_rows.add_card(self.store, Card(target=group.target, chat_id=str(chat.chat_id), thread_id=thread_id,
                                            message_id=message_id, wave_key=group.key, lang=chat.lang,
                                            model_ids=ids, opened_at=now, updated_at=now))


def _kind(group: Group) -> str:
    kinds = {i.event.kind for i in group.items}
    return "published" if kinds == {"published"} else "new"
