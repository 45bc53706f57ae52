"""Localised numbers, dates and license reasons (tracker.render.l10n through tracker.render.templates)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources
from types import SimpleNamespace

import pytest

from tracker.facts.licenses import classify_license
from tracker.render import l10n

WHEN = datetime(2025, 4, 27, 3, 40, tzinfo=UTC)


@pytest.fixture(params=["en", "it"])
def lang(request: pytest.FixtureRequest):
    token = l10n.LOCALE.set(request.param)
    yield request.param
    l10n.LOCALE.reset(token)


def test_numbers_and_dates(lang: str) -> None:
    expected = {
        "en": ("12,345", "2,053 GB", "61.1 GB", "30.5B", "2025-04-27", "2025-04-27 03:40 UTC"),
        "it": ("12.345", "2.053 GB", "61,1 GB", "30,5B", "27 apr 2025", "27 apr 2025, 03:40 UTC"),
    }[lang]
    assert (l10n.number(12345), l10n.gigabytes(2053.4), l10n.gigabytes(61.06), l10n.params(30_532_122_624),
            l10n.day(WHEN), l10n.moment(WHEN)) == expected
    assert l10n.seen(WHEN, now=datetime(2025, 4, 27, 9, tzinfo=UTC)) == ("today" if lang == "en" else "oggi") + \
        ", 03:40 UTC"
    assert l10n.seen(WHEN, now=datetime(2025, 5, 27, tzinfo=UTC)) == l10n.moment(WHEN)


def test_every_license_has_an_italian_reason() -> None:
    text = resources.files("tracker").joinpath("data", "licenses.toml").read_text(encoding="utf-8")
    missing = [item["id"] for item in tomllib.loads(text)["license"] if not item.get("reason_it")]
    assert missing == []


@pytest.mark.parametrize(("card", "italian"), [
    ({"license": "llama3.1"}, "Licenza comunitaria Llama 3.1: limite di 700M utenti attivi mensili"),
    ({"license": "other", "license_name": "acme-open"}, "Licenza personalizzata: acme-open"),
    ({"license": "other"}, "Licenza personalizzata (senza nome)"),
    ({"license": "wtfpl-9"}, "wtfpl-9 (non nella tabella delle licenze)"),
    ({}, "Nessuna licenza indicata"),
])
def test_license_reasons_in_italian(card: dict, italian: str) -> None:
    facts = classify_license(card, ())
    row = SimpleNamespace(license_id=facts.id, license_reason=facts.reason)
    token = l10n.LOCALE.set("it")
    try:
        assert l10n.license_reason(row) == italian
    finally:
        l10n.LOCALE.reset(token)
    assert l10n.license_reason(row) == facts.reason  # English: as stored
