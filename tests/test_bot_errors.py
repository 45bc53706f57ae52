"""The bot token never reaches the logs."""

from __future__ import annotations

import logging

import pytest

from tracker.bot.errors import install_log_redaction, redact

TOKEN = "123456:AAHsecretsecretsecret"


def test_redact_removes_the_token_and_its_secret_half() -> None:
    text = f"POST https://api.telegram.org/bot{TOKEN}/getMe failed; secret AAHsecretsecretsecret"
    assert TOKEN not in redact(text, TOKEN) and "AAHsecret" not in redact(text, TOKEN)
    assert redact("nothing here", TOKEN) == "nothing here"


def test_httpx_request_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction(TOKEN)
    install_log_redaction(TOKEN)  # idempotent
    logger = logging.getLogger("httpx")
    assert sum(1 for f in logger.filters if getattr(f, "token", None) == TOKEN) == 1
    with caplog.at_level(logging.INFO, logger="httpx"):
        logger.info('HTTP Request: %s %s "%s"', "POST", f"https://api.telegram.org/bot{TOKEN}/getUpdates", "200")
    assert "getUpdates" in caplog.text and TOKEN not in caplog.text
