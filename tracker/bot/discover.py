"""Discovery in the bot: proposals to the admins ("Watch <org>" / "Ignore"), the buttons, and /unwatch ORG.

    d:w:<org>   watch the organisation (an admin only)
    d:i:<org>   ignore it
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from tracker.bot.admin import admin_only
from tracker.bot.base import (
    NO_PREVIEW,
    Context,
    Toast,
    args_of,
    bot_ctx,
    db,
    edit,
    is_admin,
    notice,
    on_button,
    page,
    person,
    reply,
)
from tracker.bot.context import BotContext
from tracker.bot.keyboards import MAX_DATA
from tracker.poll import discovery
from tracker.store import discovered
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import DiscoveredOrg, utcnow

log = logging.getLogger(__name__)


def _data(action: str, org: str) -> str | None:
    text = f"d:{action}:{org}"
    return text if len(text.encode("utf-8")) <= MAX_DATA else None


def proposal_keyboard(org: str) -> InlineKeyboardMarkup | None:
    """The two buttons of a proposal (none when the name is too long for callback data: /watch by text)."""
    watch, ignore = _data("w", org), _data("i", org)
    if watch is None or ignore is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"Watch {org}"[:64], callback_data=watch),
                                  InlineKeyboardButton("Ignore", callback_data=ignore)]])


async def send_proposals(bot: Bot, store: Store, admins: Sequence[int], hub_url: str) -> int:
    """Tell every admin about each organisation found and not yet proposed; an organisation counts as
    proposed once at least one admin got it (never repeated afterwards). Returns how many were proposed."""
    if not admins:
        return 0
    proposed = 0
    langs = {admin: (known.lang if (known := await db(subscriptions.get, store, admin)) else "en") for admin in admins}
    for row in await db(discovered.to_propose, store):
        reached = 0
        for admin in admins:
            text = page("discovery", langs[admin], row=row, url=f"{hub_url.rstrip('/')}/{row.repo_id}",
                        org_url=f"{hub_url.rstrip('/')}/{row.org}")
            try:
                await bot.send_message(admin, text, parse_mode=ParseMode.HTML, reply_markup=proposal_keyboard(row.org),
                                       link_preview_options=NO_PREVIEW)
                reached += 1
            except TelegramError as exc:
                log.warning("could not propose %s to admin %s: %s", row.org, admin, exc)
        if reached:
            await db(discovered.mark_proposed, store, row.org, utcnow())
            proposed += 1
    return proposed


def _refresh(ctx: BotContext) -> None:
    """The bot's watchlist after a change (labs added at runtime included)."""
    ctx.watchlist = discovery.effective_watchlist(ctx.watchlist, ctx.store)


def _decide(ctx: BotContext, org: str, status: str, by: int) -> DiscoveredOrg | None:
    row = discovered.decide(ctx.store, org, status, by, utcnow())
    _refresh(ctx)
    return row


@on_button
async def discovery_button(update: Update, context: Context, query: CallbackQuery) -> Toast:
    """d:w:<org> / d:i:<org>: an admin watches or ignores a proposed organisation."""
    user = update.effective_user
    if user is None or not is_admin(context, user.id):
        return "This button is no longer valid"
    ctx = bot_ctx(context)
    parts = (query.data or "").split(":", 2)
    if len(parts) != 3 or parts[1] not in ("w", "i"):
        return "This button is no longer valid"
    row = await db(_decide, ctx, parts[2], "watched" if parts[1] == "w" else "ignored", user.id)
    if row is None:
        return "This button is no longer valid"
    hub_url = ctx.settings.hub_web_url.rstrip("/")
    lang = (await person(update, context)).lang
    await edit(query, page("discovery", lang, row=row, url=f"{hub_url}/{row.repo_id}", org_url=f"{hub_url}/{row.org}"))
    return f"Watching {row.org}" if row.status == "watched" else f"Ignored {row.org}"


@admin_only
async def unwatch(update: Update, context: Context) -> None:
    """/unwatch ORG: stop watching an organisation added at runtime (the watchlist file is not touched)."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    args = args_of(context)
    if len(args) != 1:
        await reply(update, notice("unwatch", sub.lang, outcome="usage", org=None, runtime=_runtime(ctx)))
        return
    org = args[0]
    row = await db(discovered.get, ctx.store, org)
    user = update.effective_user
    assert user is not None
    if row is None or row.status != "watched":
        outcome = "in_file" if ctx.watchlist.lab_for_org(org) is not None else "not_watched"
        await reply(update, notice("unwatch", sub.lang, outcome=outcome, org=org, runtime=_runtime(ctx)))
        return
    await db(_decide, ctx, row.org, "unwatched", user.id)
    await reply(update, notice("unwatch", sub.lang, outcome="done", org=row.org, runtime=_runtime(ctx)))


def _runtime(ctx: BotContext) -> list[str]:
    return [lab.name for lab in ctx.watchlist.labs if lab.runtime]
