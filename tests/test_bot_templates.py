"""Every bot message exists in English and Italian, renders, escapes what it is given, and parses as
Telegram HTML."""

from __future__ import annotations

import re

import pytest

from tests.fakes.telegram_html import parse_html
from tracker.bot.base import notice
from tracker.render.templates import templates_dir

BOT = templates_dir()
NOTICE_KEYS = sorted(set(re.findall(r'key == "([a-z_]+)"', (BOT / "en/bot/notice.html").read_text())))
NOTICE_KEYS.remove("settings_error")  # tested per error code below
ERROR_CODES = sorted(set(re.findall(r'code == "([a-z_]+)"', (BOT / "en/bot/notice.html").read_text())))
HOSTILE = "<b>x</b> & <script>"
VALUES = {"command": HOSTILE, "username": "bot", "query": HOSTILE, "name": HOSTILE, "lab": HOSTILE,
          "value": HOSTILE, "hint": HOSTILE, "outcome": "in_file", "org": HOSTILE, "runtime": [HOSTILE]}


def test_every_bot_template_exists_in_both_languages() -> None:
    english = sorted(p.name for p in (BOT / "en/bot").iterdir())
    italian = sorted(p.name for p in (BOT / "it/bot").iterdir())
    assert english == italian and "notice.html" in english


def test_italian_keys_match_english() -> None:
    italian = (BOT / "it/bot/notice.html").read_text()
    assert sorted(set(re.findall(r'key == "([a-z_]+)"', italian)) - {"settings_error"}) == NOTICE_KEYS
    assert sorted(set(re.findall(r'code == "([a-z_]+)"', italian))) == ERROR_CODES


@pytest.mark.parametrize("key", NOTICE_KEYS)
def test_every_notice_renders_in_both_languages_escaped(key: str) -> None:
    english, italian = notice(key, "en", **VALUES), notice(key, "it", **VALUES)
    assert english.strip() and italian.strip() and (english != italian or key == "group")
    for text in (english, italian):
        assert "<script>" not in text
        parse_html(text)


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_settings_error_renders(code: str) -> None:
    values = {"value": HOSTILE, "field": "min", "valid": ("a", "b"), "names": [HOSTILE]}
    for lang in ("en", "it"):
        text = notice("settings_error", lang, code=code, values=values)
        assert text.strip() and "<script>" not in text
        parse_html(text)
