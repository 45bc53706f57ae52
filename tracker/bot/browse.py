"""Reading the store: /recent (paginated with buttons), /lab, /model (a card or a pick-list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import CallbackQuery, Update

from tracker.bot.base import Context, args_of, bot_ctx, db, edit, notice, on_button, page, person, reply
from tracker.bot.context import BotContext
from tracker.bot.keyboards import Page, lab_from_token, picks_keyboard, recent_keyboard
from tracker.bot.labels import label
from tracker.render.text import fit_message, whole_number
from tracker.render.views import card
from tracker.store import followups, queries
from tracker.store.lab_counts import lab_counts
from tracker.store.queries import HistoryFilter, ModelRow
from tracker.store.tables import utcnow
from tracker.telegram.cards import followup_block
from tracker.watchlist import Lab

DEFAULT_N = 5
MAX_N = 20
LAB_LATEST = 5
PICK_LIMIT = 10


def parse_recent_args(args: Sequence[str]) -> tuple[int | None, str]:
    """`/recent [N] [lab]` in either order: the first whole number is N, the other words name a lab."""
    n: int | None = None
    words: list[str] = []
    for arg in args:
        number = whole_number(arg) if n is None else None
        if number is not None:
            n = number
        else:
            words.append(arg)
    return n, " ".join(words)


def _cards(ctx: BotContext, rows: Sequence[ModelRow]) -> list[dict[str, Any]]:
    return [card(row, ctx.settings.hub_web_url) for row in rows]


def _recent_page(ctx: BotContext, offset: int, n: int, lab: Lab | None) -> tuple[Page, list[ModelRow]]:
    labs = (lab.name,) if lab else ()
    total = queries.count(ctx.engine, HistoryFilter(labs=labs, limit=None))
    offset = min(max(offset, 0), max(total - 1, 0) // n * n)
    rows = queries.history(ctx.engine, HistoryFilter(labs=labs, limit=n, offset=offset))
    return Page(offset=offset, n=n, total=total, lab=lab), rows


def _render_recent(ctx: BotContext, lang: str, pg: Page, rows: Sequence[ModelRow],
                   clamped: bool = False) -> tuple[str, Any]:
    text = page("recent", lang, cards=_cards(ctx, rows), offset=pg.offset, total=pg.total, lab=pg.lab,
                clamped=clamped, max_n=MAX_N)
    return text, recent_keyboard(lang, pg, [row.id for row in rows])


async def recent(update: Update, context: Context) -> None:
    """/recent [N] [lab]: the latest releases, newest first, N per page (default 5, at most 20)."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    asked, lab_query = parse_recent_args(args_of(context))
    lab = None
    if lab_query:
        lab = ctx.watchlist.find_lab(lab_query)
        if lab is None:
            await reply(update, notice("unknown_lab", sub.lang, name=lab_query[:64]))
            return
    n = min(max(asked or DEFAULT_N, 1), MAX_N)
    pg, rows = await db(_recent_page, ctx, 0, n, lab)
    if not rows:
        await reply(update, notice("no_releases", sub.lang, lab=lab.name if lab else None))
        return
    text, keyboard = _render_recent(ctx, sub.lang, pg, rows, clamped=asked is not None and asked > MAX_N)
    await reply(update, text, keyboard, more=notice("cut", sub.lang, hint=None))


@on_button
async def recent_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """r:<offset>:<n>:<lab>: another page of /recent, in the same message."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    try:
        _, offset, n, token = (query.data or "").split(":", 3)
        offset_w, n_w = whole_number(offset), whole_number(n)
        if offset_w is None or n_w is None:
            raise ValueError(query.data)
        offset_i, n_i = offset_w, min(max(n_w, 1), MAX_N)
    except ValueError:
        return label(sub.lang, "stale")
    lab = lab_from_token(ctx.watchlist, token)
    if token != "-" and lab is None:
        return label(sub.lang, "stale")
    pg, rows = await db(_recent_page, ctx, offset_i, n_i, lab)
    if not rows:
        await edit(query, notice("no_releases", sub.lang, lab=lab.name if lab else None))
        return None
    text, keyboard = _render_recent(ctx, sub.lang, pg, rows)
    await edit(query, text, keyboard, more=notice("cut", sub.lang, hint=None))
    return None


def _lab_view(ctx: BotContext, lab: Lab) -> dict[str, Any]:
    rows = queries.history(ctx.engine, HistoryFilter(labs=(lab.name,), limit=LAB_LATEST))
    total = queries.count(ctx.engine, HistoryFilter(labs=(lab.name,), limit=None))
    return {"rows": rows, "total": total, "counts": lab_counts(ctx.engine, lab.name, utcnow())}


async def lab(update: Update, context: Context) -> None:
    """/lab NAME: the lab, its organisations, release counts and latest releases."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    name = " ".join(args_of(context))
    if not name:
        await reply(update, notice("usage_lab", sub.lang))
        return
    found = ctx.watchlist.find_lab(name)
    if found is None:
        await reply(update, notice("unknown_lab", sub.lang, name=name[:64]))
        return
    view = await db(_lab_view, ctx, found)
    pg = Page(offset=0, n=LAB_LATEST, total=view["total"], lab=found)
    text = page("lab", sub.lang, lab=found, cards=_cards(ctx, view["rows"]), total=view["total"],
                counts=view["counts"], hub_url=ctx.settings.hub_web_url)
    await reply(update, text, recent_keyboard(sub.lang, pg, [row.id for row in view["rows"]]))


async def _model_card(ctx: BotContext, lang: str, row: ModelRow) -> str:
    """The model's card, with its follow-ups (what became of it 24 h and 7 days after it came out)."""
    text = page("model", lang, **card(row, ctx.settings.hub_web_url))
    found = await db(followups.of_models, ctx.engine, [row.id])
    block = followup_block([row], found, lang)
    return fit_message(f"{text}\n\n{block}") if block else text


async def model(update: Update, context: Context) -> None:
    """/model QUERY: one model's card, or a pick-list when several match."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    query = " ".join(args_of(context)).strip()
    if not query:
        await reply(update, notice("usage_model", sub.lang))
        return
    query = query[:200]
    rows = await db(queries.find_models, ctx.engine, query, PICK_LIMIT)
    exact = [row for row in rows if row.repo_id.lower() == query.lower()]
    if exact or len(rows) == 1:
        await reply(update, await _model_card(ctx, sub.lang, (exact or rows)[0]))
    elif rows:
        await reply(update, page("picks", sub.lang, query=query, rows=rows, limit=PICK_LIMIT),
                    picks_keyboard([(row.id, row.repo_id) for row in rows]))
    else:
        await reply(update, notice("no_model", sub.lang, query=query[:64]))


@on_button
async def model_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """m:<id>: the model's card, as a new message (the list it came from stays)."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    model_id = whole_number((query.data or "").partition(":")[2])
    if model_id is None or not 0 < model_id < 2**63:  # SQLite's INTEGER is 64-bit
        return label(sub.lang, "stale")
    row = await db(queries.model_by_id, ctx.engine, model_id)
    if row is None:
        return label(sub.lang, "unknown_model")
    await reply(update, await _model_card(ctx, sub.lang, row))
    return None
