"""When a handler fails: log it without the bot token, and tell the person "something went wrong"."""

from __future__ import annotations

import contextlib
import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from tracker.bot.base import NO_PREVIEW, Context, bot_ctx, db, notice
from tracker.bot.labels import label
from tracker.store import subscribers as subscriptions
from tracker.store.disk import is_disk_full

log = logging.getLogger(__name__)


def redact(text: str, token: str | None) -> str:
    """`text` with the bot token (and its secret half alone) replaced."""
    if token:
        text = text.replace(token, "<token>")
        secret = token.split(":", 1)[-1]
        if len(secret) >= 8:
            text = text.replace(secret, "<token>")
    return text


class RedactToken(logging.Filter):
    """A logging filter that removes the bot token from records (httpx logs request URLs, which hold it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.token)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction(token: str) -> None:
    """Keep the token out of the httpx request log lines (idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactToken) and f.token == token for f in logger.filters):
        logger.addFilter(RedactToken(token))


async def on_error(update: object, context: Context) -> None:
    """The Application's error handler: never raises."""
    token = context.bot.token if context.bot else None
    error = context.error
    details = "".join(traceback.format_exception(error)) if error else "unknown error"
    update_id = update.update_id if isinstance(update, Update) else None
    if is_disk_full(error):  # said once by the store's DiskFullWatch; the user still hears about it below
        log.debug("bot handler failed (update %s): the database disk is full", update_id)
    else:
            log.error("bot handler failed (update %s): %s", update_id, redact(details, token))
    if not isinstance(update, Update) or update.effective_user is None:
        return
    lang = "en"
    with contextlib.suppress(Exception):  # the store itself may be what failed
        sub = await db(subscriptions.get, bot_ctx(context).store, update.effective_user.id)
        lang = sub.lang if sub else "en"
    try:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # may already be answered or too old
                await update.callback_query.answer(label(lang, "error"))
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            await chat.send_message(notice("error", lang), parse_mode="HTML", link_preview_options=NO_PREVIEW)
    except Exception as exc:  # noqa: BLE001  (the error handler must not fail in turn)
        log.warning("could not tell the user about the error: %s", redact(repr(exc), token))
