"""What every handler needs: the BotContext, the person (and their language), replying and editing.

Store calls are synchronous (SQLAlchemy); handlers run them in a worker thread with `db()` so that a
busy database never stalls the event loop the scheduler and the bot share.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from tracker.bot.context import BotContext
from tracker.bot.labels import normalize_lang
from tracker.render.templates import render
from tracker.render.text import clean, fit_message
from tracker.store import subscribers as subscriptions
from tracker.store.tables import Subscriber

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def bot_ctx(context: Context) -> BotContext:
    return context.application.bot_data["ctx"]


async def db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a store call in a worker thread."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def person(update: Update, context: Context) -> Subscriber:
    """The person talking to us (their row is created on first contact, in their Telegram language)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return await db(subscriptions.ensure, bot_ctx(context).store, user.id, chat.id, user.first_name,
                    normalize_lang(user.language_code))


def is_admin(context: Context, user_id: int | None) -> bool:
    return user_id is not None and user_id in bot_ctx(context).settings.admins


def page(template: str, lang: str, **values: Any) -> str:
    """Render `templates/{lang}/bot/{template}.html` (autoescaped Telegram HTML)."""
    return render(f"bot/{template}.html", lang=lang, **values)


def notice(key: str, lang: str, **values: Any) -> str:
    """One of the short messages of `bot/notice.html`."""
    return page("notice", lang, key=key, **values)


async def reply(update: Update, markup: str, keyboard: InlineKeyboardMarkup | None = None,
                more: str = "") -> None:
    """Send `markup` (Telegram HTML) to the chat of the update, cut to fit with `more` when too long."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(clean(fit_message(markup, more)), parse_mode=ParseMode.HTML, reply_markup=keyboard,
                            link_preview_options=NO_PREVIEW)


async def edit(query: CallbackQuery, markup: str, keyboard: InlineKeyboardMarkup | None = None,
               more: str = "") -> None:
    """Replace the text (and buttons) of the message a button belongs to; "not modified" is fine."""
    try:
        await query.edit_message_text(clean(fit_message(markup, more)), parse_mode=ParseMode.HTML,
                                      reply_markup=keyboard, link_preview_options=NO_PREVIEW)
    except BadRequest as exc:
        if "message is not modified" not in str(exc).lower():
            raise


def args_of(context: Context) -> list[str]:
    """The command's words, lone surrogates replaced (they cannot be stored or sent)."""
    return [clean(arg) for arg in context.args or []]


Toast = str | tuple[str, bool] | None  # a short answer to a button press, optionally as an alert
ButtonHandler = Callable[[Update, Context, CallbackQuery], Awaitable[Toast]]


def on_button(fn: ButtonHandler) -> Callable[[Update, Context], Awaitable[None]]:
    """Wrap a callback-query handler: it returns an optional toast, and the query is always answered
    (on an error the error handler answers it instead)."""

    @functools.wraps(fn)
    async def handler(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        toast = await fn(update, context, query)
        text, alert = (toast, False) if not isinstance(toast, tuple) else toast
        await query.answer(text, show_alert=alert)

    return handler
