"""Inline mode: `@bot deepseek` in any chat lists matching releases, newest first, to share as cards.

Each result is the model's card (Telegram HTML) with a title, a one-line description and a button to the
model's page. A shared card is not a release alert: no "released", and its dates are the Hub's (created,
first seen public), never the day this store first saw an old model. Up to 50 results a page; Telegram
asks for the next page with the `next_offset` we gave. Any query gets an answer: a query that matches
nothing gets an empty list. Enable it with @BotFather's /setinline (see the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from tracker.bot.base import NO_PREVIEW, Context, bot_ctx, db
from tracker.bot.context import BotContext
from tracker.bot.labels import label, normalize_lang
from tracker.history.search import MAX_OFFSET, SearchIndex
from tracker.render import l10n
from tracker.render.follow import follow_url
from tracker.render.text import clean, whole_number
from tracker.render.views import model_url
from tracker.store import subscribers as subscriptions  # cards as a module: it imports tracker.render.text
from tracker.store.queries import ModelRow
from tracker.telegram import cards

PAGE = 50
CACHE_TIME = 30  # seconds: new releases show up soon
MAX_QUERY = 256


def search_index(context: Context) -> SearchIndex:
    """The bot's search index (built on first use, kept for the life of the Application)."""
    data = context.application.bot_data
    if "search" not in data:
        ctx = bot_ctx(context)
        data["search"] = SearchIndex(ctx.engine, ctx.watchlist)
    return data["search"]


def description(row: ModelRow, lang: str) -> str:
    """One plain line: lab · size (active) · license · date, in the person's language."""
    with l10n.speaking(lang):
        size = l10n.params(row.params_total) if row.params_total else "?"
        if row.params_active and row.params_total and row.params_active != row.params_total:
            size += f" ({l10n.params(row.params_active)} {label(lang, 'active')})"
        when = l10n.day(row.released_at)
    return " · ".join([row.lab, size, row.license_id or row.license or "?", when])


def article(ctx: BotContext, row: ModelRow, lang: str, bot_username: str | None = None) -> InlineQueryResultArticle:
    url = model_url(ctx.settings.hub_web_url, row.repo_id)
    card = cards.release_card([row], lang, ctx.settings.hub_web_url, kind="shared",
                              follow_url=follow_url(bot_username, row.lab))
    return InlineQueryResultArticle(
        id=str(row.id),
        title=clean(row.repo_id),
        description=clean(description(row, lang)),
        input_message_content=InputTextMessageContent(
            clean(card), parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label(lang, "open_hub"), url=url)]]),
        url=url,
    )


def answer_for(ctx: BotContext, index: SearchIndex, query: str, offset: int, lang: str,
               bot_username: str | None = None) -> tuple[list[InlineQueryResultArticle], str]:
    """The results of one page and the next page's offset ('' when this is the last page)."""
    rows: Sequence[ModelRow] = index.search(query, PAGE + 1, offset)
    more = len(rows) > PAGE and offset + PAGE <= MAX_OFFSET
    return [article(ctx, row, lang, bot_username) for row in rows[:PAGE]], str(offset + PAGE) if more else ""


def _lang(ctx: BotContext, user: Any) -> str:
    sub = subscriptions.get(ctx.store, user.id)
    return sub.lang if sub else normalize_lang(user.language_code) or "en"


async def inline_query(update: Update, context: Context) -> None:
    """Answer `@bot QUERY` with matching releases (the person need not have started the bot)."""
    query = update.inline_query
    assert query is not None
    ctx = bot_ctx(context)
    text = clean(query.query or "")[:MAX_QUERY]
    offset = max(whole_number(query.offset or "0") or 0, 0)
    lang = await db(_lang, ctx, query.from_user)
    results, next_offset = await db(answer_for, ctx, search_index(context), text, offset, lang,
                                    context.bot.username)
    button = None if results or offset else InlineQueryResultsButton(label(lang, "inline_none"),
                                                                     start_parameter="inline")
    await query.answer(results, cache_time=CACHE_TIME, is_personal=True, next_offset=next_offset, button=button)
