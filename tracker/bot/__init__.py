"""The bot people talk to in private chats: handlers over the store, never the Hub.

`register(application, ctx)` adds every handler; `publish_commands(bot)` sets the command menu
(English by default, Italian for Italian clients, plus admin commands for each admin's chat).

Only private chats are served. In groups, a command addressed to the bot gets one line pointing to the
private chat; other group messages are ignored. Edited messages are not answered again.

Updates are handled concurrently (tracker.telegram.updates): one person's commands and buttons in the
order they came, inline queries in a lane of their own, answered from memory (tracker.bot.inline_index).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tracker.bot import admin, browse, discover, inline, subscribe
from tracker.bot import general as commands
from tracker.bot.context import BotContext
from tracker.bot.errors import install_log_redaction, on_error
from tracker.bot.labels import ADMIN_COMMANDS, COMMANDS

__all__ = ["COMMANDS", "attach_bot", "publish_commands", "register"]

log = logging.getLogger(__name__)

# New messages in private chats (edits of old messages are not answered again).
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

_COMMAND_HANDLERS = {
    "start": commands.start,
    "help": commands.help_,
    "recent": browse.recent,
    "lab": browse.lab,
    "model": browse.model,
    "labs": commands.labs,
    "subscribe": subscribe.subscribe,
    "unsubscribe": subscribe.unsubscribe,
    "settings": subscribe.settings,
    "stats": commands.stats,
    "lang": commands.lang,
    "status": admin.status,
    "pause": admin.pause,
    "resume": admin.resume,
    "unwatch": discover.unwatch,
}


def attach_bot(application: Application, ctx: BotContext) -> None:
    """Register the bot's handlers (commands, buttons, free text, errors) on the Application, with `ctx`."""
    application.bot_data["ctx"] = ctx
    register(application, ctx)


def register(application: Application, ctx: BotContext) -> None:
    """Add the bot's handlers (commands, buttons, anything else, errors) to the Application."""
    application.bot_data["ctx"] = ctx
    for name, callback in _COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(browse.recent_button, pattern=r"^r:"))
    application.add_handler(CallbackQueryHandler(browse.model_button, pattern=r"^m:"))
    application.add_handler(CallbackQueryHandler(commands.lang_button, pattern=r"^l:"))
    application.add_handler(CallbackQueryHandler(subscribe.settings_button, pattern=r"^s:"))
    application.add_handler(CallbackQueryHandler(discover.discovery_button, pattern=r"^d:"))
    application.add_handler(CallbackQueryHandler(commands.stale_button))
    application.add_handler(InlineQueryHandler(inline.inline_query))
    inline.attach_index(application, ctx)
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, commands.unknown_command))
    application.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, commands.free_text))
    application.add_handler(MessageHandler(GROUPS & filters.COMMAND, commands.group_command))
    application.add_error_handler(on_error)
    if ctx.settings.telegram_bot_token is not None:
        install_log_redaction(ctx.settings.telegram_bot_token.get_secret_value())


def _commands(lang: str, admin_too: bool = False) -> list[BotCommand]:
    pairs = COMMANDS[lang] + (ADMIN_COMMANDS[lang] if admin_too else [])
    return [BotCommand(name, description) for name, description in pairs]


async def publish_commands(bot: Bot, admins: Sequence[int] = ()) -> None:
    """setMyCommands: the public menu in English (default) and Italian; admins also see theirs, in their
    own chat (skipped with a warning when an admin has not started the bot yet)."""
    await bot.set_my_commands(_commands("en"))
    await bot.set_my_commands(_commands("it"), language_code="it")
    for admin_id in admins:
        try:
            await bot.set_my_commands(_commands("en", admin_too=True), scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            log.warning("could not set the admin commands for %s: %s", admin_id, exc)
