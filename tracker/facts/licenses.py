"""Normalise a model's license (card fields and "license:" tags) to one id and a class.

The table lives in tracker/data/licenses.toml, read once on first use.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

CLASSES = ("permissive", "open-restricted", "non-commercial", "unknown")
# A list of licenses is as open as its most restrictive entry; an unreadable entry could be anything short
# of non-commercial, so it ranks above the open-restricted ones.
_RESTRICTIVENESS = {"permissive": 0, "open-restricted": 1, "unknown": 2, "non-commercial": 3}
_PLACEHOLDERS = {"other", "unknown", "none", "", "n/a"}


@dataclass(frozen=True)
class LicenseEntry:
    """One known license from licenses.toml."""

    id: str
    name: str
    license_class: str
    reason: str
    aliases: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class LicenseFacts:
    """The license part of ModelFacts."""

    id: str | None
    license_class: str
    reason: str
    name: str | None = None
    link: str | None = None
    raw: str | None = None


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


@cache
def license_table() -> tuple[LicenseEntry, ...]:
    """All known licenses, loaded from the packaged licenses.toml on first call."""
    text = resources.files("tracker").joinpath("data", "licenses.toml").read_text(encoding="utf-8")
    entries = []
    for item in tomllib.loads(text).get("license", []):
        if item.get("class") not in CLASSES:
            raise ValueError(f"licenses.toml: {item.get('id')!r} has unknown class {item.get('class')!r}")
        entries.append(
            LicenseEntry(
                id=item["id"],
                name=item.get("name", item["id"]),
                license_class=item["class"],
                reason=item.get("reason", item.get("name", item["id"])),
                aliases=tuple(item.get("aliases", ())),
                links=tuple(item.get("links", ())),
            )
        )
    return tuple(entries)


@cache
def _index() -> dict[str, LicenseEntry]:
    index: dict[str, LicenseEntry] = {}
    for entry in license_table():
        for word in (entry.id, entry.name, *entry.aliases):
            index.setdefault(_key(word), entry)
    return index


def lookup_license(value: str) -> LicenseEntry | None:
    """The table entry for a license id, name or alias (case- and spacing-insensitive)."""
    return _index().get(_key(value)) if isinstance(value, str) else None


def _by_link(link: str) -> LicenseEntry | None:
    low = link.lower()
    for entry in license_table():
        if any(part.lower() in low for part in entry.links):
            return entry
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entries(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(v.strip() for v in items if isinstance(v, str) and v.strip()))


def classify_license(card_data: Any, tags: tuple[str, ...]) -> LicenseFacts:
    """License id, class and reason from cardData (license, license_name, license_link) and tags.

    A card listing several licenses (or several "license:" tags and no card license) takes the most
    restrictive entry: ["apache-2.0", "cc-by-nc-4.0"] is non-commercial.
    """
    card = card_data if isinstance(card_data, dict) else {}
    listed = _entries(card.get("license"))
    if not listed:
        listed = _entries([t.split(":", 1)[1] for t in tags if t.lower().startswith("license:")])
    if len(listed) > 1:
        results = [_classify_one({**card, "license": entry}, ()) for entry in listed]
        pick = max(results, key=lambda r: _RESTRICTIVENESS.get(r.license_class, 2))
        names = ", ".join(r.id or "?" for r in results)
        reason = f"{pick.reason} (the most restrictive of {names})"
        return LicenseFacts(pick.id, pick.license_class, reason, pick.name, pick.link, ", ".join(listed))
    return _classify_one(card, tags)


def _classify_one(card: dict[str, Any], tags: tuple[str, ...]) -> LicenseFacts:
    card_license = _text(card.get("license"))
    name, link = _text(card.get("license_name")), _text(card.get("license_link"))
    tag_values = [t.split(":", 1)[1].strip() for t in tags if t.lower().startswith("license:")]
    raw = card_license or next(iter(tag_values), None)

    candidates = [v for v in (card_license, name, *tag_values) if v and v.lower() not in _PLACEHOLDERS]
    entry = next((e for v in candidates if (e := lookup_license(v))), None)
    if entry is None and link:
        entry = _by_link(link)
    if entry is not None:
        return LicenseFacts(entry.id, entry.license_class, entry.reason, name, link, raw)
    if name:
        return LicenseFacts("other", "unknown", f"Custom license: {name}", name, link, raw)
    specific = next((v for v in candidates if v), None)
    if specific:
        return LicenseFacts(
            _key(specific), "unknown", f"{specific} (not in the license table)", name, link, raw
        )
    if raw and raw.lower() == "other":
        reason = f"Custom license: {link}" if link else "Custom license (no name given)"
        return LicenseFacts("other", "unknown", reason, name, link, raw)
    return LicenseFacts(None, "unknown", "No license stated", name, link, raw)
