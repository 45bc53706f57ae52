"""Admin commands (user ids in TRACKER_ADMINS): /status, /pause, /resume.

For anyone else they answer exactly like an unknown command, so they do not reveal themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from tracker.bot.base import Context, bot_ctx, db, is_admin, notice, page, person, reply
from tracker.bot.context import BotContext
from tracker.bot.general import unknown_command
from tracker.render.views import iso
from tracker.store import outbox, queries
from tracker.store import subscribers as subscriptions
from tracker.store.tables import utcnow

PAUSED = "paused"
Handler = Callable[[Update, Context], Awaitable[None]]


def admin_only(handler: Handler) -> Handler:
    """Run `handler` for admins; anyone else gets the unknown-command answer."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None or not is_admin(context, user.id):
            await unknown_command(update, context)
            return
        await handler(update, context)

    return guarded


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _status(ctx: BotContext) -> dict[str, Any]:
    states = [{**s, "last_success_at": _time(s.get("last_success_at"))} for s in queries.org_states(ctx.engine)]
    polled = {s["org"].lower() for s in states}
    failing = [s for s in states if s.get("error_count")]
    ok = [s for s in states if not s.get("error_count") and s["last_success_at"] is not None]
    successes = [s["last_success_at"] for s in ok + failing if s["last_success_at"] is not None]
    by_time: dict[datetime, list[str]] = {}
    for state in sorted(ok, key=lambda s: s["org"].lower()):
        by_time.setdefault(state["last_success_at"].replace(second=0), []).append(state["org"])
    return {
        "failing": sorted(failing, key=lambda s: (-int(s["error_count"]), s["org"].lower())),
        "ok": ok,
        "ok_groups": sorted(by_time.items(), reverse=True),
        "never": [org for org, _lab in ctx.watchlist.orgs if org.lower() not in polled],
        "last_success": max(successes) if successes else None,
        "queue": outbox.pending_count(ctx.store),
        "paused": subscriptions.get_flag(ctx.store, PAUSED),
        "people": subscriptions.counts(ctx.store),
    }


@admin_only
async def status(update: Update, context: Context) -> None:
    """Last poll per organisation (failing first), queue depth, paused flag, subscriber counts."""
    sub = await person(update, context)
    view = await db(_status, bot_ctx(context))
    await reply(update, page("status", sub.lang, **view), more=notice("cut", sub.lang, hint=None))


@admin_only
async def pause(update: Update, context: Context) -> None:
    """Set the `paused` flag (polling and delivery check it), noting who and when."""
    user = update.effective_user
    assert user is not None
    ctx = bot_ctx(context)
    sub = await person(update, context)
    current = await db(subscriptions.get_flag, ctx.store, PAUSED)
    if current:
        await reply(update, notice("already_paused", sub.lang, value=current))
        return
    value = f"by {user.id} at {iso(utcnow())}"
    await db(subscriptions.set_flag, ctx.store, PAUSED, value)
    await reply(update, notice("paused", sub.lang, value=value))


@admin_only
async def resume(update: Update, context: Context) -> None:
    """Clear the `paused` flag."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    if not await db(subscriptions.is_paused, ctx.store):
        await reply(update, notice("not_paused", sub.lang))
        return
    await db(subscriptions.set_flag, ctx.store, PAUSED, None)
    await reply(update, notice("resumed", sub.lang))
