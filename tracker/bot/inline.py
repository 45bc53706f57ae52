"""Inline mode: `@bot deepseek` in any chat lists matching releases, newest first, to share as cards.

Each result is the model's card (Telegram HTML) with a title, a one-line description and a button to the
model's page. A shared card is not a release alert: no "released", and its dates are the Hub's (created,
first seen public), never the day this store first saw an old model. Up to 50 results a page; Telegram
asks for the next page with the `next_offset` we gave. Any query gets an answer: a query that matches
nothing gets an empty list. Enable it with @BotFather's /setinline (see the README).

Answers come from memory (tracker.bot.inline_index), and queries run concurrently, a person's newer query
superseding their older one unless its answer is already being sent (tracker.telegram.updates).
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application

from tracker.bot.base import NO_PREVIEW, Context, bot_ctx
from tracker.bot.context import BotContext
from tracker.bot.inline_index import InlineIndex
from tracker.bot.labels import label
from tracker.render import l10n
from tracker.render.follow import follow_url
from tracker.render.text import clean, whole_number
from tracker.render.views import model_url, release_url
from tracker.store.queries import ModelRow
from tracker.telegram import cards  # as a module: it imports tracker.render.text
from tracker.telegram.updates import UpdateLanes, answering

log = logging.getLogger(__name__)

CACHE_TIME = 30  # seconds: new releases show up soon
MAX_QUERY = 256


def attach_index(application: Application, ctx: BotContext) -> InlineIndex:
    """The bot's inline index, kept in bot_data, started and stopped with the Application."""
    index = InlineIndex(ctx, lambda row, lang: article(ctx, row, lang, application.bot.username).to_dict())
    application.bot_data["inline"] = index
    if isinstance(application.update_processor, UpdateLanes):
        application.update_processor.services.append(index)
    return index


def inline_index(context: Context) -> InlineIndex:
    """The bot's inline index (made here when attach_index was not called)."""
    data = context.application.bot_data
    if "inline" not in data:
        ctx, bot = bot_ctx(context), context.bot
        data["inline"] = InlineIndex(ctx, lambda row, lang: article(ctx, row, lang, bot.username).to_dict())
    return data["inline"]


def description(row: ModelRow, lang: str) -> str:
    """One plain line: lab · size (active) · license · date, in the person's language."""
    with l10n.speaking(lang):
        size = l10n.params(row.params_total) if row.params_total else "?"
        if row.params_active and row.params_total and row.params_active != row.params_total:
            size += f" ({l10n.params(row.params_active)} {label(lang, 'active')})"
        when = l10n.day(row.released_at)
    return " · ".join([row.lab, size, row.license_id or row.license or "?", when])


def article(ctx: BotContext, row: ModelRow, lang: str, bot_username: str | None = None) -> InlineQueryResultArticle:
    url = release_url(ctx.settings.hub_web_url, row)  # the Hub, or ModelScope for a release only there
    on = "open_hub" if url == model_url(ctx.settings.hub_web_url, row.repo_id) else "open_modelscope"
    card = cards.release_card([row], lang, ctx.settings.hub_web_url, kind="shared",
                              follow_url=follow_url(bot_username, row.lab))
    return InlineQueryResultArticle(
        id=str(row.id),
        title=clean(row.repo_id),
        description=clean(description(row, lang)),
        input_message_content=InputTextMessageContent(
            clean(card), parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label(lang, on), url=url)]]),
        url=url,
    )


async def inline_query(update: Update, context: Context) -> None:
    """Answer `@bot QUERY` with matching releases (the person need not have started the bot)."""
    query = update.inline_query
    assert query is not None
    index = inline_index(context)
    text = clean(query.query or "")[:MAX_QUERY]
    offset = max(whole_number(query.offset or "0") or 0, 0)
    lang = await index.language(query.from_user.id, query.from_user.language_code)
    results, next_offset = await index.page(text, offset, lang)
    button = None if results or offset else InlineQueryResultsButton(label(lang, "inline_none"),
                                                                     start_parameter="inline")
    answering()  # made: a newer query of theirs no longer cuts this request off
    try:  # the results are kept serialized (each rendered once): they go as they are, through api_kwargs
        await query.answer([], cache_time=CACHE_TIME, is_personal=True, next_offset=next_offset, button=button,
                           api_kwargs={"results": results})
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise
        log.debug("inline query answered too late: %s", exc.message)  # Telegram dropped it; nothing to tell
