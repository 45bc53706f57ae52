"""Keeping secrets out of logs: a filter that masks the bot token, the Hub token and the webhook secret."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "*****"


class SecretFilter(logging.Filter):
    """Replaces every known secret in a log record's message and traceback text with `*****`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.scrub(text)
            record.exc_info = None
        return True


def install(secrets: Iterable[str]) -> SecretFilter:
    """Mask `secrets` in everything the root logger's handlers write."""
    secret_filter = SecretFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    return secret_filter
