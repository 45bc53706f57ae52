"""Alerts: /subscribe [labs…], /unsubscribe, /settings (text forms), the settings buttons (s:…) and the
one-tap follow links (`/start sub_<lab>`, see tracker.render.follow)."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from tracker.bot import keyboards as kb
from tracker.bot.base import Context, Toast, args_of, bot_ctx, db, edit, notice, on_button, page, person, reply
from tracker.bot.context import BotContext
from tracker.bot.labels import label
from tracker.bot.settings_logic import (
    SettingsError,
    check_range,
    parse_labs,
    parse_settings_args,
    parse_size,
    parse_vram,
    toggled,
)
from tracker.deliver import digests as digest
from tracker.deliver.filters import LICENSE_CLASSES, OPENNESS_LEVELS, SubscriptionFilter
from tracker.render import follow
from tracker.render.text import whole_number
from tracker.store import subscribers as subscriptions
from tracker.store.tables import Subscriber, utcnow


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe: every lab; /subscribe NAME…: only the labs named (unknown names are reported)."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    words = args_of(context)
    labs, unknown = parse_labs(words, ctx.watchlist) if words else ([], [])
    if words and not labs:
        await reply(update, notice("settings_error", sub.lang, code="unknown_labs", values={"names": unknown}))
        return
    row = await db(subscriptions.update, ctx.store, sub.user_id, active=True, labs=[lab.name for lab in labs])
    await reply(update, page("subscribed", sub.lang, f=SubscriptionFilter.of(row), unknown=unknown))


async def follow_link(update: Update, context: Context, text: str) -> None:
    """`/start sub_<lab>`: alerts for that lab (added to the labs of someone already following some);
    `sub_all`: every lab; a lab we don't watch: the labs, each a follow link."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    found, lab = follow.resolve(ctx.watchlist, text)
    if not found:
        links = {known.name: follow.follow_url(context.bot.username, known.name) for known in ctx.watchlist.labs}
        await reply(update, page("follow", sub.lang, unknown=text[len(follow.PREFIX):][:64], labs=ctx.watchlist.labs,
                                 links=links))
        return
    already_all = lab is not None and sub.active and not sub.labs
    if lab is None or already_all:
        labs: list[str] = []
    else:
        chosen = {*(sub.labs or []), lab.name} if sub.active else {lab.name}
        labs = [known.name for known in ctx.watchlist.labs if known.name in chosen]
    row = await db(subscriptions.update, ctx.store, sub.user_id, active=True, labs=labs)
    await reply(update, page("follow", sub.lang, unknown=None, lab=lab, already_all=already_all,
                             f=SubscriptionFilter.of(row)))


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: no more alerts; the filters stay for a later /subscribe."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    if not sub.active:
        await reply(update, notice("not_subscribed", sub.lang))
        return
    await db(subscriptions.update, ctx.store, sub.user_id, active=False)
    await reply(update, notice("unsubscribed", sub.lang))


def _view(ctx: BotContext, sub: Subscriber, view: str = "home", labs_page: int = 0,
          unknown: list[str] | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The settings message for `view` (home, labs, min, max, lic, done) and its keyboard."""
    f = SubscriptionFilter.of(sub)
    text = page("settings", sub.lang, f=f, active=sub.active, view=view, unknown=unknown or [],
                digest=sub.digest or "off", digest_time=ctx.settings.digest_time)
    keyboard: InlineKeyboardMarkup | None
    if view == "dg":
        keyboard = kb.digest_keyboard(sub.lang, sub.digest or "off")
    elif view == "labs":
        keyboard = kb.labs_keyboard(sub.lang, ctx.watchlist, f.labs, labs_page)
    elif view in ("min", "max"):
        keyboard = kb.size_keyboard(sub.lang, view, f.min_params if view == "min" else f.max_params)
    elif view == "lic":
        keyboard = kb.license_keyboard(sub.lang, f.license_classes)
    elif view == "vr":
        keyboard = kb.vram_keyboard(sub.lang, sub.vram_gb)
    elif view == "open":
        keyboard = kb.openness_keyboard(sub.lang, f.openness_levels)
    elif view == "done":
        keyboard = None
    else:
        keyboard = kb.settings_home(sub.lang, f, sub.active, sub.digest or "off")
    return text, keyboard


async def settings(update: Update, context: Context) -> None:
    """/settings shows the filters with buttons; `/settings FIELD VALUE…` changes one by text."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    args = args_of(context)
    unknown: list[str] = []
    if args:
        if args[0].lower() == "keywords" and len(args) == 1:
            await reply(update, notice("keywords_help", sub.lang))
            return
        try:
            change = parse_settings_args(args, ctx.watchlist, sub.min_params, sub.max_params)
        except SettingsError as exc:
            await reply(update, notice("settings_error", sub.lang, code=exc.code, values=exc.values))
            return
        changes = dict(change.changes)
        if "digest" in changes:
            changes.update(digest.mode_changes(changes["digest"], ctx.settings.digest_time, utcnow()))
        sub = await db(subscriptions.update, ctx.store, sub.user_id, **changes)
        unknown = change.unknown
    text, keyboard = _view(ctx, sub, unknown=unknown)
    await reply(update, text, keyboard)


def _apply(ctx: BotContext, sub: Subscriber, action: str, rest: list[str]) -> tuple[dict[str, Any], str]:
    """The stored change a settings button asks for and the view to show next. Raises SettingsError."""
    arg = rest[-1] if rest else ""
    if action == "q":
        return {"include_quantized": not sub.include_quantized}, "home"
    if action in ("sub", "unsub"):
        return {"active": action == "sub"}, "home"
    if action in ("min", "max") and arg:
        value = parse_size(arg)
        lo, hi = (value, sub.max_params) if action == "min" else (sub.min_params, value)
        check_range(lo, hi)
        return {"min_params" if action == "min" else "max_params": value}, "home"
    if action == "w":
        return {"weight_updates": not sub.weight_updates}, "home"
    if action == "qb":
        return {"quant_builds": not sub.quant_builds}, "home"
    if action == "vr" and arg:
        return {"vram_gb": parse_vram([arg])}, "home"
    if action == "open" and arg in OPENNESS_LEVELS:
        return {"openness_levels": toggled(sub.openness_levels or [], arg, OPENNESS_LEVELS)}, "open"
    if action == "lic" and arg in LICENSE_CLASSES:
        return {"license_classes": toggled(sub.license_classes or [], arg, LICENSE_CLASSES)}, "lic"
    if action == "tl" and len(rest) == 2 and (lab := kb.lab_from_token(ctx.watchlist, arg)) is not None:
        order = [known.name for known in ctx.watchlist.labs]
        return {"labs": toggled(sub.labs or [], lab.name, order)}, "labs"
    if action == "all":
        return {"labs": []}, "labs"
    if action == "dg" and arg in digest.MODES:
        return digest.mode_changes(arg, ctx.settings.digest_time, utcnow()), "home"
    raise SettingsError("stale")


_VIEWS = ("home", "lic", "open", "min", "max", "done", "dg", "vr")


@on_button
async def settings_button(update: Update, context: Context, query: CallbackQuery) -> Toast:
    """s:<action>[:<arg>…]: show another settings view or change one filter, editing the message."""
    ctx = bot_ctx(context)
    sub = await person(update, context)
    parts = (query.data or "").split(":")
    action, rest = (parts[1] if len(parts) > 1 else "home"), parts[2:]
    if action == "kw":
        await reply(update, notice("keywords_help", sub.lang))
        return None
    labs_page = _int(rest[0]) if action in ("labs", "tl", "all") and rest else 0
    if (action in _VIEWS and not rest) or action == "labs":
        text, keyboard = _view(ctx, sub, "labs" if action == "labs" else action, labs_page)
        await edit(query, text, keyboard)
        return None
    try:
        changes, view = _apply(ctx, sub, action, rest)
    except SettingsError as exc:
        if exc.code == "min_above_max":
            return label(sub.lang, "min_above_max"), True
        return label(sub.lang, "stale")
    sub = await db(subscriptions.update, ctx.store, sub.user_id, **changes)
    text, keyboard = _view(ctx, sub, view, labs_page)
    await edit(query, text, keyboard)
    return label(sub.lang, "saved")


def _int(text: str) -> int:
    return whole_number(text) or 0
