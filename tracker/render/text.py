"""Telegram HTML length: what counts against the 4,096-character limit, and cutting lists to fit it.

Telegram measures a message after parsing: tags removed, entities decoded, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re

from telegram.constants import MessageLimit

MAX_VISIBLE = MessageLimit.MAX_TEXT_LENGTH  # 4096
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE = re.compile(r"[+-]?[0-9]+")
BIG = 10**9  # what a whole number too long to mean anything reads as (before clamping)


def clean(text: str) -> str:
    """`text` with lone surrogates (valid JSON, not encodable as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def whole_number(text: str) -> int | None:
    """An ASCII whole number as typed ('+3', '-2', '007'), else None. '³' and other Unicode digits are not
    numbers here; a number longer than 9 digits reads as ±BIG (int() of 5,000 digits would raise)."""
    if not _WHOLE.fullmatch(text):
        return None
    digits = text.lstrip("+-")
    value = BIG if len(digits) > 9 else int(digits)
    return -value if text.startswith("-") else value


def visible_length(markup: str) -> int:
    """Length of `markup` as Telegram counts it: without tags, entities decoded, in UTF-16 units."""
    plain = html.unescape(_TAG.sub("", markup)).strip(" \t\r\n")
    return len(plain.encode("utf-16-le", "surrogatepass")) // 2


def _balanced(markup: str) -> bool:
    stack: list[str] = []
    for match in _TAG.finditer(markup):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def fit_message(markup: str, more: str = "", limit: int = MAX_VISIBLE) -> str:
    """`markup` unchanged when it fits; else cut at the last line boundary that fits (never inside a tag
    pair) and followed by `more` (already-rendered HTML, e.g. a "more: /recent 10 20" hint)."""
    if visible_length(markup) <= limit:
        return markup
    lines = markup.split("\n")
    while lines:
        lines.pop()
        head = "\n".join(lines).rstrip("\n")
        candidate = f"{head}\n{more}" if more else head
        if head and _balanced(head) and visible_length(candidate) <= limit:
            return candidate
    # No line boundary works (one enormous line): fall back to plain, escaped text.
    plain = html.unescape(_TAG.sub("", markup))
    cut = plain[: limit - 1]
    while visible_length(html.escape(cut, quote=False)) > limit - 1:
        cut = cut[:-100] if len(cut) > 100 else cut[:-1]
    return html.escape(cut, quote=False) + "…"
