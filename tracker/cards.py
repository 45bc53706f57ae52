"""Telegram cards: one release, a family wave, or a license change, rendered as Telegram HTML.

Every card comes from an autoescaped template; `fit_html` keeps it within Telegram's 4,096 visible
characters by dropping whole lines of a wave and saying how many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.constants import MessageLimit

from tracker.bot.text import visible_length
from tracker.render import render
from tracker.views import fits, license_url, model_url


def wave_key(model: Any) -> str:
    """Models of one lab and family released close together share one card."""
    return f"{model.lab}|{model.family or model.repo_id}"


def _context(models: Sequence[Any], hub_url: str) -> dict[str, Any]:
    return {"models": list(models), "urls": {m.repo_id: model_url(hub_url, m.repo_id) for m in models},
            "hub_url": hub_url}


def release_card(models: Sequence[Any], lang: str, hub_url: str, kind: str = "new") -> str:
    """The card of one release or of a wave of releases of one family, fitted to Telegram's limit."""
    if len(models) == 1:
        m = models[0]
        text = render("card_release.html", lang=lang, m=m, url=model_url(hub_url, m.repo_id), kind=kind,
                      license_url=license_url(hub_url, m), fits=fits(m))
        if visible_length(text) <= MessageLimit.MAX_TEXT_LENGTH:
            return text
    ordered = sorted(models, key=lambda m: (-(m.params_total or 0), m.repo_id))
    shown = len(ordered)
    while True:
        text = render("card_wave.html", lang=lang, kind=kind, lab=ordered[0].lab, family=ordered[0].family,
                      org_url=model_url(hub_url, ordered[0].org), total=len(ordered), hidden=len(ordered) - shown,
                      **_context(ordered[:shown], hub_url))
        if visible_length(text) <= MessageLimit.MAX_TEXT_LENGTH or shown <= 1:
            return text
        shown = max(1, int(shown * 0.8))


def weights_card(model: Any, old: dict[str, Any], new: dict[str, Any], lang: str, hub_url: str) -> str:
    """The short card of a weight update (a commit that changed the weight files)."""
    return render("card_weights.html", lang=lang, m=model, old=old or {}, new=new or {},
                  url=model_url(hub_url, model.repo_id))


def license_card(model: Any, old: dict[str, Any], new: dict[str, Any], lang: str, hub_url: str) -> str:
    """The short card of a license change."""
    return render("card_license.html", lang=lang, m=model, old=old or {}, new=new or {},
                  url=model_url(hub_url, model.repo_id))
