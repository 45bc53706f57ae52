"""One-tap follow links: `https://t.me/<bot>?start=sub_<lab>` subscribes a person to one lab.

A lab's payload key comes from its name alone, so cards, the site and the bot agree without sharing the
watchlist, and a lab keeps its key when others are added: the name without its parenthesis, lower-cased,
runs of other characters as '-' ("Qwen (Alibaba)" -> `qwen`, "DeepSeek" -> `deepseek`, "Zhipu / Z.ai" ->
`zhipu-z-ai`). Telegram allows A-Z a-z 0-9 _ - and at most 64 characters in a start payload. `sub_all`
follows every lab. A payload naming a lab otherwise (its full slug, an alias: `sub_glm`) works too.
"""

from __future__ import annotations

import re

from tracker.watchlist import Lab, Watchlist

BOT_USERNAME_FLAG = "bot_username"  # runtime flag: the bot's username from getMe, for the site's links
PREFIX = "sub_"
ALL = "all"
_MAX_KEY = 64 - len(PREFIX)
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def lab_key(name: str) -> str:
    """The lab's key in a follow payload (stable: depends on its name only)."""
    short = re.sub(r"\([^)]*\)", " ", name)
    key = re.sub(r"[^a-z0-9]+", "-", short.lower()).strip("-") or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return key[:_MAX_KEY].strip("-") or "lab"


def payload(lab_name: str | None) -> str:
    """`sub_<key>` for one lab, `sub_all` for None."""
    return PREFIX + (lab_key(lab_name) if lab_name else ALL)


def follow_url(bot_username: str | None, lab_name: str | None) -> str | None:
    """The deep link, or None without a (valid) bot username."""
    name = (bot_username or "").lstrip("@")
    if not _USERNAME.fullmatch(name):
        return None
    return f"https://t.me/{name}?start={payload(lab_name)}"


def is_follow(text: str) -> bool:
    return text.lower().startswith(PREFIX)


def resolve(watchlist: Watchlist, text: str) -> tuple[bool, Lab | None]:
    """What a `sub_…` payload asks for: (True, None) for every lab, (True, lab) for one, (False, None) when
    it names no lab we watch."""
    key = text[len(PREFIX):].lower() if is_follow(text) and _PAYLOAD.fullmatch(text) else ""
    if key == ALL:
        return True, None
    if not key:
        return False, None
    for lab in watchlist.labs:
        if key in (lab_key(lab.name), lab.slug):
            return True, lab
    found = watchlist.find_lab(key.replace("_", " ")) or watchlist.find_lab(key.replace("-", " "))
    return found is not None, found
