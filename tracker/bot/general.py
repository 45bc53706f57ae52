"""General commands: /start /help /labs /stats /lang, and the answers to anything else.

Groups: the bot works in private chats only; a command addressed to it in a group gets one short line
pointing to the private chat, and everything else in groups is ignored.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import CallbackQuery, Update

from tracker.bot.base import Context, bot_ctx, db, edit, is_admin, notice, on_button, page, person, reply
from tracker.bot.browse import MAX_N
from tracker.bot.inline import inline_index
from tracker.bot.keyboards import lang_keyboard
from tracker.bot.labels import LANGUAGES, label
from tracker.bot.subscribe import follow_link
from tracker.render import follow
from tracker.render.text import clean
from tracker.store import subscribers as subscriptions
from tracker.store.lab_counts import release_counts
from tracker.store.tables import utcnow


def _channel_url(channel: str | None) -> str | None:
    return f"https://t.me/{channel[1:]}" if channel and channel.startswith("@") else None


async def start(update: Update, context: Context) -> None:
    """What this is, how to subscribe, the channel; `/start sub_<lab>` (a follow link) subscribes."""
    if context.args and follow.is_follow(context.args[0]):
        await follow_link(update, context, context.args[0])
        return
    ctx = bot_ctx(context)
    sub = await person(update, context)
    if is_admin(context, sub.user_id):  # an admin Telegram had refused is reachable now: proposals resume
        await db(subscriptions.set_flag, ctx.store, subscriptions.unreachable_flag(sub.user_id), None)
    channel = ctx.settings.telegram_channel
    await reply(update, page("start", sub.lang, first_name=sub.first_name, lab_count=len(ctx.watchlist.labs),
                             channel=channel, channel_url=_channel_url(channel), subscribed=sub.active))


async def help_(update: Update, context: Context) -> None:
    sub = await person(update, context)
    user = update.effective_user
    await reply(update, page("help", sub.lang, max_n=MAX_N, admin=is_admin(context, user.id if user else None),
                             username=context.bot.username))


async def labs(update: Update, context: Context) -> None:
    sub = await person(update, context)
    await reply(update, page("labs", sub.lang, labs=bot_ctx(context).watchlist.labs))


async def stats(update: Update, context: Context) -> None:
    """Releases per lab and per region over the last 30 and 365 days and all time, each window dated."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    now = utcnow()
    by_lab = await db(release_counts, ctx.engine, "lab", now)
    by_region = await db(release_counts, ctx.engine, "region", now)
    await reply(update, page("stats", sub.lang, labs=by_lab, regions=by_region,
                             total30=sum(c.last30 for c in by_lab), total365=sum(c.last365 for c in by_lab),
                             total_all=sum(c.all_time for c in by_lab), since30=now - timedelta(days=30),
                             since365=now - timedelta(days=365)),
                more=notice("cut", sub.lang, hint=None))


async def lang(update: Update, context: Context) -> None:
    """/lang en|it sets the language; anything else shows the choice."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    choice = context.args[0].lower() if context.args else ""
    if choice in LANGUAGES:
        await db(subscriptions.update, ctx.store, sub.user_id, lang=choice)
        inline_index(context).forget(sub.user_id)
        await reply(update, notice("lang_set", choice))
        return
    await reply(update, page("lang", sub.lang, current=sub.lang), lang_keyboard())


@on_button
async def lang_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    ctx = bot_ctx(context)
    choice = (query.data or "").split(":", 1)[-1]
    sub = await person(update, context)
    if choice not in LANGUAGES:
        return None
    await db(subscriptions.update, ctx.store, sub.user_id, lang=choice)
    inline_index(context).forget(sub.user_id)
    await edit(query, notice("lang_set", choice))
    return None


async def unknown_command(update: Update, context: Context) -> None:
    """A command we do not have (admin commands from non-admins land here too)."""
    sub = await person(update, context)
    message = update.effective_message
    word = clean(message.text.split(maxsplit=1)[0]) if message and message.text else "?"
    await reply(update, notice("unknown_command", sub.lang, command=word[:64]))


async def free_text(update: Update, context: Context) -> None:
    """Plain text, stickers, photos…: a pointer to the commands."""
    sub = await person(update, context)
    await reply(update, notice("free_text", sub.lang))


async def group_command(update: Update, context: Context) -> None:
    """A command in a group: answer only when it is addressed to us, pointing to the private chat."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0]
    username = context.bot.username
    if "@" in command and command.split("@", 1)[1].lower() != username.lower():
        return
    user = update.effective_user
    lang = "it" if user and (user.language_code or "").lower().startswith("it") else "en"
    await reply(update, notice("group", lang, username=username))


@on_button
async def stale_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """A button whose data we do not understand (e.g. from an older version of the bot)."""
    sub = await person(update, context)
    return label(sub.lang, "stale")
