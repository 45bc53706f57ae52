"""Secrets never reach the log: messages, arguments and tracebacks are masked."""

from __future__ import annotations

import io
import logging

from tracker.logsafe import SecretFilter

TOKEN = "123456:ABC-very-secret"


def test_token_is_masked_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter([TOKEN, "", "short"]))
    logger = logging.getLogger("test.logsafe")
    logger.addHandler(handler)
    try:
        logger.warning("calling https://api.telegram.org/bot%s/sendMessage", TOKEN)
        try:
            raise RuntimeError(f"failed with {TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count("*****") == 2  # the URL argument and the exception message
    assert "short" not in SecretFilter(["short"]).secrets  # too short to mask safely
