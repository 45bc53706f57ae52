"""Inline keyboards and their callback data (at most 64 bytes, compact `kind:arg:arg` strings).

    r:<offset>:<n>:<lab slug or ->   a page of /recent
    m:<model id>                     one model's card
    l:<en|it>                        choose the language
    s:<view or action>[:<arg>…]      the /settings editor (s:dg:<off|daily|weekly> the digest mode)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from tracker.bot.labels import label
from tracker.deliver.filters import LICENSE_CLASSES, OPENNESS_LEVELS, SubscriptionFilter
from tracker.facts import format_params
from tracker.render import l10n
from tracker.watchlist import Lab, Watchlist

MAX_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes
_SLUG_MAX = 40
MIN_CHOICES: tuple[int | None, ...] = (None, 10**9, 7 * 10**9, 30 * 10**9, 70 * 10**9, 100 * 10**9, 300 * 10**9)
MAX_CHOICES: tuple[int | None, ...] = (None, 3 * 10**9, 8 * 10**9, 14 * 10**9, 32 * 10**9, 70 * 10**9,
                                      235 * 10**9)
LABS_PER_PAGE = 8
VRAM_CHOICES: tuple[float | None, ...] = (None, 8, 12, 16, 24, 32, 48, 64, 80, 128)


def data(*parts: object) -> str:
    """Join callback data parts; refuses data Telegram would reject."""
    text = ":".join(str(p) for p in parts)
    if not 1 <= len(text.encode("utf-8")) <= MAX_DATA:
        raise ValueError(f"callback data too long: {text!r}")
    return text


def lab_token(lab: Lab | None) -> str:
    """A lab's short key in callback data ('-' for no lab)."""
    return lab.slug[:_SLUG_MAX] if lab else "-"


def lab_from_token(watchlist: Watchlist, token: str) -> Lab | None:
    if token in ("", "-"):
        return None
    for lab in watchlist.labs:
        if lab.slug == token or (len(token) == _SLUG_MAX and lab.slug.startswith(token)):
            return lab
    return None


def size_token(value: int | None) -> str:
    return "any" if value is None else format_params(value)


def _button(text: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(*parts))


@dataclass(frozen=True)
class Page:
    """Where a /recent listing is: offset and size of the page, the lab, how many in all."""

    offset: int
    n: int
    total: int
    lab: Lab | None = None


def recent_keyboard(lang: str, page: Page, model_ids: Sequence[int]) -> InlineKeyboardMarkup | None:
    """Numbered buttons opening each model's card, then ◀ Newer / Older ▶."""
    rows: list[list[InlineKeyboardButton]] = []
    numbers = [_button(str(page.offset + i + 1), "m", mid) for i, mid in enumerate(model_ids)]
    rows += [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
    nav = []
    token = lab_token(page.lab)
    if page.offset > 0:
        nav.append(_button(label(lang, "newer"), "r", max(page.offset - page.n, 0), page.n, token))
    if page.offset + page.n < page.total:
        nav.append(_button(label(lang, "older"), "r", page.offset + page.n, page.n, token))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def picks_keyboard(rows: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One button per model (id, repo id) of a /model pick-list."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_short(repo_id), callback_data=data("m", mid))] for mid, repo_id in rows]
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lang_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("🇬🇧 English", "l", "en"), _button("🇮🇹 Italiano", "l", "it")]])


def settings_home(lang: str, f: SubscriptionFilter, active: bool, digest: str = "off") -> InlineKeyboardMarkup:
    """The /settings main keyboard."""
    quant = label(lang, "quantized_on" if f.include_quantized else "quantized_off")
    return InlineKeyboardMarkup([
        [_button(label(lang, "labs"), "s", "labs", 0), _button(label(lang, "license"), "s", "lic")],
        [_button(f"{label(lang, 'min')}: {_size(lang, f.min_params)}", "s", "min"),
         _button(f"{label(lang, 'max')}: {_size(lang, f.max_params)}", "s", "max")],
        [_button(quant, "s", "q"), _button(label(lang, "openness"), "s", "open")],
        [_button(label(lang, "weights_on" if f.weight_updates else "weights_off"), "s", "w")],
        [_button(label(lang, "quants_on" if f.quant_builds else "quants_off"), "s", "qb"),
         _button(f"{label(lang, 'vram')}: {vram_text(lang, f.vram_gb)}", "s", "vr")],
        [_button(f"{label(lang, 'digest')}: {label(lang, 'digest_' + digest)}", "s", "dg")],
        [_button(label(lang, "keywords"), "s", "kw"),
         _button(label(lang, "unsubscribe" if active else "subscribe"), "s", "unsub" if active else "sub")],
        [_button(label(lang, "done"), "s", "done")],
    ])


def _size(lang: str, value: int | None) -> str:
    """A size as the settings text shows it: "1.5T", in Italian "1,5T"."""
    if value is None:
        return label(lang, "any")
    with l10n.speaking(lang):
        return l10n.params(value)


def vram_text(lang: str, value: float | None) -> str:
    """A memory as buttons show it: "24 GB", in Italian "7,5 GB"; "any" when none is set."""
    if value is None:
        return label(lang, "vram_off")
    with l10n.speaking(lang):
        return l10n.memory(value)


def vram_keyboard(lang: str, current: float | None) -> InlineKeyboardMarkup:
    """Common memory sizes (GB) and "off"; the current one is marked."""
    buttons = [_button(("✅ " if value == current else "") + vram_text(lang, value), "s", "vr",
                       "off" if value is None else f"{value:g}") for value in VRAM_CHOICES]
    return InlineKeyboardMarkup([buttons[:5], buttons[5:], _back(lang)])


def _back(lang: str) -> list[InlineKeyboardButton]:
    return [_button(label(lang, "back"), "s", "home")]


def size_keyboard(lang: str, which: str, current: int | None) -> InlineKeyboardMarkup:
    """Choices for the minimum ("min") or maximum ("max") size; the current one is marked."""
    choices = MIN_CHOICES if which == "min" else MAX_CHOICES
    buttons = [_button(("✅ " if value == current else "") + _size(lang, value), "s", which, size_token(value))
               for value in choices]
    return InlineKeyboardMarkup([buttons[:4], buttons[4:], _back(lang)])


def license_keyboard(lang: str, chosen: Sequence[str]) -> InlineKeyboardMarkup:
    with l10n.speaking(lang):
        names = {cls: l10n.term(cls) for cls in LICENSE_CLASSES}
    rows = [[_button(("✅ " if cls in chosen else "▫️ ") + names[cls], "s", "lic", cls)] for cls in LICENSE_CLASSES]
    return InlineKeyboardMarkup([*rows, _back(lang)])


def openness_keyboard(lang: str, chosen: Sequence[str]) -> InlineKeyboardMarkup:
    """Openness levels as toggles (least to most open); none chosen means any."""
    rows = [[_button(("✅ " if lvl in chosen else "▫️ ") + lvl, "s", "open", lvl)] for lvl in OPENNESS_LEVELS]
    return InlineKeyboardMarkup([*rows, _back(lang)])


def labs_keyboard(lang: str, watchlist: Watchlist, chosen: Sequence[str], page: int) -> InlineKeyboardMarkup:
    """A page of the watchlist's labs as toggles, with paging and "All labs"."""
    labs = watchlist.labs
    pages = max((len(labs) + LABS_PER_PAGE - 1) // LABS_PER_PAGE, 1)
    page = min(max(page, 0), pages - 1)
    shown = labs[page * LABS_PER_PAGE:(page + 1) * LABS_PER_PAGE]
    buttons = [_button(("✅ " if lab.name in chosen else "▫️ ") + lab.name, "s", "tl", page, lab_token(lab))
               for lab in shown]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(_button(label(lang, "prev"), "s", "labs", page - 1))
    nav.append(_button(("✅ " if not chosen else "") + label(lang, "all_labs"), "s", "all", page))
    if page < pages - 1:
        nav.append(_button(label(lang, "next"), "s", "labs", page + 1))
    return InlineKeyboardMarkup([*rows, nav, _back(lang)])


def digest_keyboard(lang: str, current: str) -> InlineKeyboardMarkup:
    """Alerts one by one, or a daily or weekly digest; the current choice is marked."""
    buttons = [_button(("✅ " if mode == current else "") + label(lang, f"digest_{mode}"), "s", "dg", mode)
               for mode in ("off", "daily", "weekly")]
    return InlineKeyboardMarkup([buttons, _back(lang)])
