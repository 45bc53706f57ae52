"""Discovery in the bot: proposals to the admins ("Watch <org>" / "Ignore"), the buttons, and /unwatch ORG.

    d:w:<org>   watch the organisation (an admin only)
    d:i:<org>   ignore it
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

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


ADMIN_RETRY = timedelta(hours=6)  # an admin Telegram refused for good is tried again this rarely, or at /start
_DECISIONS = threading.Lock()  # watch/ignore/unwatch decisions and the watchlist refresh after each
_REFUSED = ("chat not found", "user not found", "user is deactivated", "bot can't initiate conversation")


def refused_for_good(exc: TelegramError) -> bool:
    """Telegram will not deliver to this chat until the person acts: blocked, kicked, or never started."""
    return isinstance(exc, Forbidden) or (isinstance(exc, BadRequest)
                                          and any(s in exc.message.lower() for s in _REFUSED))


def _refused_recently(store: Store, admin: int, now: datetime) -> bool:
    marked = subscriptions.get_flag(store, subscriptions.unreachable_flag(admin))
    return marked is not None and now - datetime.fromisoformat(marked) < ADMIN_RETRY


async def send_proposals(bot: Bot, store: Store, admins: Sequence[int], hub_url: str) -> int:
    """Tell every admin about each organisation found and not yet proposed; an organisation counts as
    proposed once at least one admin got it (never repeated afterwards). An admin Telegram refuses for good
    (chat not found, blocked) is said once and skipped, tried again every ADMIN_RETRY or when they send
    /start. Returns how many were proposed."""
    rows = await db(discovered.to_propose, store) if admins else []
    if not rows:
        return 0
    now = utcnow()
    reachable = [a for a in admins if not await db(_refused_recently, store, a, now)]
    langs = {a: (known.lang if (known := await db(subscriptions.get, store, a)) else "en") for a in reachable}
    proposed = 0
    for row in rows:
        reached = 0
        for admin in list(reachable):
            text = page("discovery", langs[admin], row=row, url=f"{hub_url.rstrip('/')}/{row.repo_id}",
                        org_url=f"{hub_url.rstrip('/')}/{row.org}")
            try:
                await bot.send_message(admin, text, parse_mode=ParseMode.HTML, reply_markup=proposal_keyboard(row.org),
                                       link_preview_options=NO_PREVIEW)
                reached += 1
            except TelegramError as exc:
                if not refused_for_good(exc):
                    log.warning("could not propose %s to admin %s: %s", row.org, admin, exc)
                    continue
                reachable.remove(admin)
                first = await db(subscriptions.get_flag, store, subscriptions.unreachable_flag(admin)) is None
                await db(subscriptions.set_flag, store, subscriptions.unreachable_flag(admin), now.isoformat())
                (log.warning if first else log.debug)(
                    "admin %s cannot be reached (%s): discovery proposals wait until they send /start to the bot "
                    "(tried again every %d h)", admin, exc.message, ADMIN_RETRY.total_seconds() // 3600)
        if reached:
            await db(discovered.mark_proposed, store, row.org, utcnow())
            proposed += 1
    return proposed


def _refresh(ctx: BotContext) -> None:
    """The bot's watchlist after a change (labs added at runtime included)."""
    ctx.watchlist = discovery.effective_watchlist(ctx.watchlist, ctx.store)


def _decide(ctx: BotContext, org: str, status: str, by: int) -> DiscoveredOrg | None:
    """Record an admin's decision and refresh the bot's watchlist, one decision at a time (two admins'
    buttons run concurrently: the later refresh must see both decisions)."""
    with _DECISIONS:
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
