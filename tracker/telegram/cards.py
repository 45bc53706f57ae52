"""Telegram cards: one release, a family wave, or a license change, rendered as Telegram HTML.

Every card comes from an autoescaped template and fits Telegram's 4,096 visible characters: the longest
Hub-supplied texts (a license name, a family) are cut first, with an ellipsis, before they are escaped (so no
entity or tag is ever broken); a wave then drops whole lines and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram.constants import MessageLimit

from tracker.facts.builds import Variant, best_fit
from tracker.render.templates import render
from tracker.render.text import fit_message, visible_length
from tracker.render.views import fits as fits_on
from tracker.render.views import followup, hubs, license_url, made_public, model_url, release_url, stored_extras


def wave_key(model: Any) -> str:
    """Models of one lab and family released close together share one card."""
    return f"{model.lab}|{model.family or model.repo_id}"


def _context(models: Sequence[Any], hub_url: str) -> dict[str, Any]:
    return {"models": list(models), "urls": {m.repo_id: release_url(hub_url, m) for m in models},
            "hubs": {m.repo_id: hubs(m, hub_url) for m in models}, "hub_url": hub_url}


# Texts that come from the Hub (or are derived from its names), cut longest first when a card is too long.
HUB_TEXT = ("license", "license_id", "license_name", "license_reason", "family", "variant", "quant_format",
            "modality", "pipeline_tag", "library_name", "distilled_from", "lab")
_KEEP = 24  # never cut a text shorter than this
_ROUNDS = 60
Cuts = dict[tuple[int, str], str]


class _Cut:
    """A model (or a license dict) seen through shortened texts; everything else reads through."""

    def __init__(self, source: Any, index: int, cuts: Cuts) -> None:
        self._source, self._index, self._cuts = source, index, cuts

    def __getattr__(self, name: str) -> Any:
        cut = self._cuts.get((self._index, name))
        return cut if cut is not None else getattr(self._source, name)

    def get(self, name: str, default: Any = None) -> Any:  # the dict interface license cards use
        cut = self._cuts.get((self._index, name))
        return cut if cut is not None else self._source.get(name, default)


def _value(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


def _cap(lengths: list[int], excess: int) -> int:
    """The longest length C (at least _KEEP) such that cutting every text longer than C to C characters and an
    ellipsis removes `excess` characters: the longest texts are cut first, and evenly."""
    def removed(cap: int) -> int:
        return sum(n - cap - 1 for n in lengths if n > cap + 1)

    low, high = _KEEP, max(lengths)
    while low < high:
        mid = (low + high + 1) // 2
        if removed(mid) >= excess:
            low = mid
        else:
            high = mid - 1
    return low


def fit_card(render_cut: Callable[[Cuts], str], sources: Sequence[Any],
             limit: int = MessageLimit.MAX_TEXT_LENGTH) -> tuple[str, bool]:
    """Render with the longest Hub texts of `sources` cut until the card fits: (text, fits)."""
    cuts: Cuts = {}
    text = render_cut(cuts)
    for _ in range(_ROUNDS):
        excess = visible_length(text) - limit
        if excess <= 0:
            return text, True
        texts = {(i, name): cuts.get((i, name), value) for i, source in enumerate(sources) for name in HUB_TEXT
                 if isinstance(value := _value(source, name), str)}
        long = {key: value for key, value in texts.items() if len(value) > _KEEP + 1}
        if not long:
            break
        cap = _cap([len(v) for v in long.values()], excess)
        for key, value in long.items():
            if len(value) > cap + 1:
                cuts[key] = value[:cap].rstrip() + "…"
        text = render_cut(cuts)
    return text, visible_length(text) <= limit


FOLLOWUP_LINES = 10  # a wave's card names at most this many models' follow-ups


def followup_block(models: Sequence[Any], followups: dict[int, list[dict[str, Any]]], lang: str) -> str:
    """The follow-up lines of a card: every checkpoint of a lone release, the latest of each model of a wave."""
    if len(models) == 1:
        entries = [{"name": None, "fu": followup(fu)} for fu in followups.get(models[0].id, [])]
    else:
        entries = [{"name": m.repo_id.split("/", 1)[-1], "fu": followup(followups[m.id][-1])} for m in models
                   if followups.get(m.id)][:FOLLOWUP_LINES]
    return render("card_followup.html", lang=lang, entries=entries) if entries else ""


def release_card(models: Sequence[Any], lang: str, hub_url: str, kind: str = "new",
                 follow_url: str | None = None, followups: dict[int, list[dict[str, Any]]] | None = None) -> str:
    """The card of one release or of a wave of releases of one family, fitted to Telegram's limit; `kind`
    "shared" is one model's card shared from inline search (no "released", its Hub dates); `follow_url` adds
    a "Follow <lab> releases in a private chat" link (channel cards); `followups` ({model id: the numbers of
    each checkpoint}) adds what became of the release (tracker.poll.followup) at the end."""
    block = followup_block(models, followups or {}, lang)
    if not block:
        return _release_card(models, lang, hub_url, kind, follow_url, MessageLimit.MAX_TEXT_LENGTH)
    block = fit_message(block, limit=MessageLimit.MAX_TEXT_LENGTH // 2)
    limit = MessageLimit.MAX_TEXT_LENGTH - visible_length(block) - 2
    return _release_card(models, lang, hub_url, kind, follow_url, limit) + "\n\n" + block


def _release_card(models: Sequence[Any], lang: str, hub_url: str, kind: str, follow_url: str | None,
                  limit: int) -> str:
    if len(models) == 1:
        m = models[0]

        def single(cuts: Cuts) -> str:
            shown = _Cut(m, 0, cuts)
            return render("card_release.html", lang=lang, m=shown, url=release_url(hub_url, m), kind=kind,
                          license_url=license_url(hub_url, m), follow_url=follow_url, hubs=hubs(m, hub_url),
                          fits=fits_on(m), extras=stored_extras(m), made_public=made_public(m))

        text, fits = fit_card(single, [m], limit)
        if fits:
            return text
    ordered = sorted(models, key=lambda m: (-(m.params_total or 0), m.repo_id))
    shown = len(ordered)
    while True:
        def wave(cuts: Cuts, count: int = shown) -> str:
            some = [_Cut(m, i, cuts) for i, m in enumerate(ordered[:count])]
            return render("card_wave.html", lang=lang, kind=kind, lab=some[0].lab, family=some[0].family,
                          org_url=model_url(hub_url, ordered[0].org), total=len(ordered), hidden=len(ordered) - count,
                          follow_url=follow_url, **_context(some, hub_url))

        text, fits = fit_card(wave, ordered[:shown], limit)
        if fits:
            return text
        if shown <= 1:
            return fit_message(text, limit=limit)
        shown = max(1, int(shown * 0.8))


def weights_card(model: Any, old: dict[str, Any], new: dict[str, Any], lang: str, hub_url: str) -> str:
    """The short card of a weight update (a commit that changed the weight files)."""
    return render("card_weights.html", lang=lang, m=model, old=old or {}, new=new or {},
                  url=model_url(hub_url, model.repo_id))


def license_card(model: Any, old: dict[str, Any], new: dict[str, Any], lang: str, hub_url: str) -> str:
    """The short card of a license change (its Hub texts cut to fit, like every card)."""

    def card(cuts: Cuts) -> str:
        return render("card_license.html", lang=lang, m=_Cut(model, 0, cuts), old=_Cut(old or {}, 1, cuts),
                      new=_Cut(new or {}, 2, cuts), url=model_url(hub_url, model.repo_id))

    text, fits = fit_card(card, [model, old or {}, new or {}])
    return text if fits else fit_message(text)


def build_card(model: Any, build: dict[str, Any], notices: Sequence[str], vram_gb: float | None, lang: str,
               hub_url: str) -> str:
    """A subscriber's notice of a quantized build: the release's first, or the first that fits their memory
    ("Qwen3-32B now fits your 24 GB: bartowski's Q4_K_M GGUF, 19.9 GB"), naming the best variant that fits."""
    sizes = [Variant(str(k), v) for k, v in (build.get("variants") or {}).items() if isinstance(v, int)]
    fit = best_fit(sizes, vram_gb) if vram_gb is not None else None
    text = render("card_build.html", lang=lang, m=model, b=build, notices=list(notices), fit=fit, vram=vram_gb,
                  url=model_url(hub_url, model.repo_id), build_url=model_url(hub_url, str(build.get("repo_id"))))
    return fit_message(text)
