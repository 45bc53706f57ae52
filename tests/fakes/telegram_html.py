"""Telegram's ``parse_mode=HTML`` parser, re-implemented for the fake Bot API.

The algorithm follows TDLib's ``parse_html`` (what the Bot API server runs), so the
error texts and byte offsets match what api.telegram.org answers:

* tags: b strong i em u ins s strike del span[class=tg-spoiler] tg-spoiler a[href]
  tg-emoji[emoji-id] tg-time[unix,format] code[class=language-x] pre blockquote[expandable];
* entities: ``&lt; &gt; &amp; &quot;`` and numeric ``&#NN; &#xNN;`` (the ``;`` is optional).
  Like Telegram, an ``&`` that does not start a known entity is kept literally (``AT&T`` and
  ``&nbsp;`` are accepted as text); ``strict_ampersand=True`` rejects them instead, which is
  stricter than Telegram and only useful to catch missing ``html.escape`` early;
* offsets and lengths of the produced entities are in UTF-16 code units.

Errors raise :class:`HtmlParseError` whose ``str`` is TDLib's message; the Bot API answers
``400 "Bad Request: can't parse entities: <message>"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "ParsedText", "parse_html", "trim_text", "utf16_len"]

_ALLOWED_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
# TDLib's is_space() also treats NUL (our end-of-input marker) as a space.
_SPACES = frozenset(b" \t\r\n\v\0")
# TDLib entity-type priorities: ties on (offset, length) are ordered by them.
_PRIORITY = {
    "bot_command": 50,
    "url": 50,
    "mention": 50,
    "hashtag": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "date_time": 50,
}


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is Telegram's description."""


@dataclass
class ParsedText:
    """Plain text after parsing plus its Bot API ``MessageEntity`` dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram's unit for offsets)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def _decode_entity(b: bytes, pos: int) -> tuple[int, int]:
    """Decode the entity at ``b[pos] == '&'``: (code point, next position) or (0, pos)."""
    n = len(b)

    def at(k: int) -> int:
        return b[k] if k < n else 0

    end = pos + 1
    res = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x' (TDLib does not accept 'X')
            end += 1
            while at(end) and chr(at(end)) in "0123456789abcdefABCDEF":
                res = res * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 48 <= at(end) <= 57:
                res = res * 10 + at(end) - 48
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while 65 <= at(end) <= 90 or 97 <= at(end) <= 122:
            end += 1
        res = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}.get(b[pos + 1 : end], 0)
        if not res:
            return 0, pos
    return res, end + 1 if at(end) == 0x3B else end


_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", re.DOTALL)
_TLD_RE = re.compile(r"[a-zA-Z]{2,}|xn--[a-zA-Z0-9-]+")


def _checked_link(url: str) -> str:
    """Approximation of TDLib's ``LinkManager::get_checked_link``: '' when invalid."""
    m = _SCHEME_RE.match(url)
    scheme, rest = (m.group(1).lower(), m.group(2)) if m else ("http", url)
    if scheme in ("tg", "ton"):
        return url
    if scheme not in ("http", "https", "ftp"):
        return ""
    cut = min([k for k in (rest.find(ch) for ch in "/?#") if k >= 0], default=len(rest))
    host, tail = rest[:cut], rest[cut:]
    labels = host.rsplit("@", 1)[-1].split(":", 1)[0].split(".")
    if len(labels) < 2 or not all(labels) or not _TLD_RE.fullmatch(labels[-1]):
        return ""
    if not tail or tail[0] in "?#":
        tail = "/" + tail
    return f"{scheme}://{host}{tail}"


def parse_html(text: str, *, strict_ampersand: bool = False) -> ParsedText:
    """Parse Telegram HTML into plain text and entities (raises :class:`HtmlParseError`)."""
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)

    def at(k: int) -> int:
        return b[k] if k < n else 0

    def err(msg: str) -> HtmlParseError:
        return HtmlParseError(msg)

    out = bytearray()
    u16 = 0
    recheck_utf8 = False
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = b[i]
        if c == 0x26:  # '&'
            code, nxt = _decode_entity(b, i)
            if code:
                u16 += 1 + (code > 0xFFFF)
                recheck_utf8 |= 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = nxt
                continue
            if strict_ampersand:
                raise err(f"Unsupported HTML entity at byte offset {i} (strict mode)")
        if c != 0x3C:  # '<'
            if c & 0xC0 != 0x80:
                u16 += 1 + (c >= 0xF0)
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _SPACES and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise err(f"Unclosed start tag at byte offset {begin}")
            tag = b[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _ALLOWED_TAGS:
                raise err(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument, date = "", 0
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in b"=>/\"'":
                    i += 1
                attr = b[attr_begin:i].decode("utf-8", "replace")
                if not attr:
                    raise err(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != 0x3D:  # valueless attribute
                    if at(i) == 0:
                        raise err(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr == "expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise err(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x22, 0x27):  # name token
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (0x2E, 0x2D):
                        i += 1
                    value = b[token_begin:i].decode("ascii").lower()
                    if at(i) not in _SPACES and at(i) != 0x3E:
                        raise err(f"Unexpected end of name token at byte offset {token_begin}")
                else:  # quoted string
                    quote = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, nxt = _decode_entity(b, i)
                            if code:
                                raw += chr(code).encode("utf-8", "surrogatepass")
                                i = nxt
                                continue
                        raw.append(b[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise err(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif (tag == "tg-emoji" and attr == "emoji-id") or (tag == "tg-time" and attr == "format"):
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "1"
                elif tag == "tg-time" and attr == "unix":
                    date = int(value) if value.isdigit() else 0
            if tag == "span" and argument != "spoiler":
                raise err(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append({"tag": tag, "arg": argument, "date": date, "u16": u16, "pos": len(out)})
            i += 1  # skip '>'
            continue
        # end tag
        if not stack:
            raise err(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != 0x3E:
            i += 1
        end_tag = b[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != 0x3E:
            raise err(f"Unclosed end tag at byte offset {begin}")
        i += 1
        top = stack.pop()
        tag = top["tag"]
        if end_tag and end_tag != tag:
            raise err(f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"')
        if u16 > top["u16"]:
            _close_entity(entities, top, u16, bytes(out[top["pos"] :]).decode("utf-8", "replace"))
    if stack:
        raise err(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    for e in entities:
        e.pop("_arg", None)
    try:
        plain = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        if recheck_utf8:
            raise err(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        plain = bytes(out).decode("utf-8", "replace")
    return ParsedText(plain, sort_entities(entities))


def _close_entity(entities: list[dict[str, Any]], top: dict[str, Any], u16: int, inner: str) -> None:
    tag, arg, off = top["tag"], top["arg"], top["u16"]
    length = u16 - off
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == off and last["length"] == length
    if tag in simple:
        entities.append({"type": simple[tag], "offset": off, "length": length})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if arg else "blockquote"
        entities.append({"type": kind, "offset": off, "length": length})
    elif tag == "tg-emoji":
        if not arg.isdigit() or int(arg) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": off, "length": length, "custom_emoji_id": arg})
    elif tag == "tg-time":
        if top["date"] > 0:
            entity = {"type": "date_time", "offset": off, "length": length, "unix_time": top["date"]}
            if arg:
                entity["date_time_format"] = arg
            entities.append(entity)
    elif tag == "a":
        url = arg or inner
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            entities.append(
                {
                    "type": "text_mention",
                    "offset": off,
                    "length": length,
                    "user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""},
                }
            )
        elif checked := _checked_link(url):
            entities.append({"type": "text_link", "offset": off, "length": length, "url": checked})
    elif tag == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("_arg"):
            last.update(type="pre", language=last.pop("_arg"))
        else:
            entities.append({"type": "pre", "offset": off, "length": length})
    elif tag == "code":
        if same_span and last is not None and last["type"] == "pre" and arg:
            last["language"] = arg
        else:
            entity = {"type": "code", "offset": off, "length": length}
            if arg:
                entity["_arg"] = arg  # becomes pre.language if a <pre> closes on the same span
            entities.append(entity)


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order entities like Telegram: offset, then longer first, then type priority."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


def trim_text(text: str, entities: list[dict[str, Any]]) -> ParsedText:
    """Strip leading/trailing whitespace as Telegram does for sent text; fix entities."""
    stripped_left = text.lstrip(" \t\r\n")
    left = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(" \t\r\n")
    total = utf16_len(result)
    fixed = []
    for e in entities:
        start = max(e["offset"] - left, 0)
        end = min(e["offset"] + e["length"] - left, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return ParsedText(result, fixed)
