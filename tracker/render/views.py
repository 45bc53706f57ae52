"""Plain records of stored models as every output shows them: messages, history, exports, feed, site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.facts.fits import FitsOn, fits_on
from tracker.hub.sources import HF, HUB_NAMES, lead, sources_of

if TYPE_CHECKING:
    from tracker.store.queries import ModelRow
    from tracker.store.tables import TrackedModel

# The fields of `tracker history --format json` and exports, in order.
RECORD_FIELDS = (
    "repo_id", "lab", "org", "region", "status", "created_at", "first_seen_at", "released_at", "last_modified",
    "params_total", "params_active", "params_active_lab", "params_source", "params_total_source",
    "params_active_source",
    "params_stored", "is_moe", "dtype_breakdown", "params_notes", "memory_bf16_gb", "memory_fp8_gb",
    "memory_4bit_gb", "license", "license_name", "license_link", "license_id", "license_class",
    "license_reason", "gated", "pipeline_tag", "library_name", "family", "variant", "quant_format",
    "modality", "base_models", "distilled_from", "backfill", "url",
    "context_length", "weights_bytes", "fits_on", "openness", "openness_level", "summary",
    "kv_bytes_per_token", "sources", "first_hub", "hub_lead_s",
)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, to the second, or None."""
    if not value:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is eight times faster than strftime, which mattered at six times per exported row
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def model_url(hub_url: str, repo_id: str) -> str:
    """The model's page on the Hub."""
    return f"{hub_url.rstrip('/')}/{repo_id}"


def release_url(hub_url: str, row: Any) -> str:
    """Where a release's link points: the Hub when it is there, else the hub that has it (ModelScope)."""
    found = sources_of(row, hub_url)
    if any(s.get("hub") == HF for s in found):
        return model_url(hub_url, row.repo_id)
    return str(found[0].get("url") or model_url(hub_url, row.repo_id))


def hubs(row: Any, hub_url: str) -> dict[str, Any] | None:
    """What a card says about the hubs of a release on ModelScope: its links, "only on ModelScope", and which
    hub was first by how long. None for a release on the Hugging Face Hub only (cards unchanged)."""
    found = sources_of(row, hub_url)
    if len(found) == 1 and found[0].get("hub") == HF:
        return None
    links = [(HUB_NAMES.get(s.get("hub", ""), s.get("hub")),
              model_url(hub_url, s["repo_id"]) if s.get("hub") == HF else s.get("url")) for s in found]
    first = lead(row)
    return {"links": links, "only": links[0][0] if len(links) == 1 else None,
            "first": HUB_NAMES.get(first.first, first.first), "second": HUB_NAMES.get(first.second or "", None),
            "by": first.seconds}


def record_sources(row: Any, hub_url: str) -> list[dict[str, Any]]:
    """`sources` of a record: one entry per hub, oldest first, and the lead in seconds on the second."""
    return [dict(s) for s in sources_of(row, hub_url)]


def license_url(hub_url: str, row: Any) -> str | None:
    """The license text's address: the card's link as given, or a file in the repo made absolute."""
    link = getattr(row, "license_link", None)
    if not link or not isinstance(link, str):
        return None
    if link.startswith(("https://", "http://")):
        return link
    if ":" in link or link.startswith(("/", "..")) or any(ch.isspace() for ch in link):
        return None
    return f"{model_url(hub_url, row.repo_id)}/blob/main/{link}"


_DERIVED = frozenset({"url", "params_source", "fits_on", "openness", "sources", "first_hub", "hub_lead_s"})
_TIMES = tuple(name for name in RECORD_FIELDS if name.endswith(("_at", "last_modified")))


def record(row: TrackedModel | ModelRow, hub_url: str) -> dict[str, Any]:
    """A JSON-ready record of one model: plain integers for counts, ISO 8601 UTC for times."""
    # Built in one pass and filled in by name (an export makes one per stored release: it must be cheap).
    data = {name: None if name in _DERIVED else getattr(row, name) for name in RECORD_FIELDS}
    for name in _TIMES:
        if isinstance(value := data[name], datetime):
            data[name] = iso(value)
    data["url"] = release_url(hub_url, row)
    data["sources"] = record_sources(row, hub_url)
    first = lead(row)
    data["first_hub"], data["hub_lead_s"] = first.first, first.seconds
    data["params_source"] = row.params_total_source
    data["fits_on"] = fits(row).as_dict()
    data["openness"] = openness(row)
    data["gated"] = row.gated != "no"
    data["gated_mode"] = row.gated
    return data


def fits(row: Any) -> FitsOn:
    """Where the model's weights fit (as shipped, and at 4-bit), from the set-ups table."""
    return fits_on(getattr(row, "weights_bytes", None), getattr(row, "params_total", None),
                   kv_bytes_per_token=getattr(row, "kv_bytes_per_token", None))


def openness(row: Any) -> dict[str, Any]:
    """`{"level": ..., "evidence": [...]}` (level None until the model card was read)."""
    evidence = getattr(row, "openness_evidence", None) or []
    return {"level": getattr(row, "openness_level", None), "evidence": list(evidence)}


# What the weight files hold beyond the headline total, as tracker.facts.params notes it.
_EXTRAS = (("mtp", "multi-token-prediction module"), ("scales", "FP8 scale tensors"))


def stored_extras(row: Any) -> tuple[str, ...]:
    """Why the weight files hold more than the total ("mtp", "scales"), from the parameter notes; empty when
    the stored count equals the total or the notes do not say."""
    stored, total = getattr(row, "params_stored", None), getattr(row, "params_total", None)
    if not stored or not total or stored <= total:
        return ()
    notes = " ".join(n for n in getattr(row, "params_notes", None) or () if isinstance(n, str))
    return tuple(key for key, phrase in _EXTRAS if phrase in notes)


def made_public(row: Any) -> datetime | None:
    """When a model became public on the Hub, when that is known and differs from its creation: the first
    sighting of a model we saw appear after it was created (a private repo made public). None for backfill
    (recorded on our first look, when it was long public) and for models public from the start."""
    created, released = getattr(row, "created_at", None), getattr(row, "released_at", None)
    if getattr(row, "backfill", False) or created is None or released is None:
        return None
    return released if released - created > timedelta(days=1) else None


def card(row: TrackedModel | ModelRow, hub_url: str, event_kind: str = "new", **extra: Any) -> dict[str, Any]:
    """Template context for one model's card or line."""
    return {
        "m": row,
        "url": release_url(hub_url, row),
        "hubs": hubs(row, hub_url),
        "name": row.repo_id.split("/", 1)[-1],
        "kind": event_kind,
        "active_differs": row.params_active is not None and row.params_active != row.params_total,
        "license_url": license_url(hub_url, row),
        "fits": fits(row),
        "extras": stored_extras(row),
        "made_public": made_public(row),
        **extra,
    }


_TREE = ("quantized", "finetune", "adapter", "merge")


def followup(numbers: dict[str, Any] | None) -> dict[str, Any]:
    """A stored follow-up (a `followup` event's numbers) with every key a template reads, whatever its age."""
    numbers = numbers or {}
    view: dict[str, Any] = {"after": None, "label": None, "likes": None, "downloads": None, "children": None,
                            "providers": [], "paper": None, "complete": True, "at": None, **numbers}
    for kind in _TREE:
        part = numbers.get(kind) if isinstance(numbers.get(kind), dict) else {}
        view[kind] = {"count": part.get("count") or 0, "top": list(part.get("top") or [])}
    paper = view["paper"]
    view["paper"] = {"id": paper.get("id"), "title": paper.get("title"), "upvotes": paper.get("upvotes")} \
        if isinstance(paper, dict) else None
    return view
