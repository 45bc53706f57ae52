"""Which hubs show a release: its `sources` (one entry per hub), and which hub showed it first.

A release is one stored model, whatever hub it appeared on; `sources` lists `{hub, repo_id, url,
first_seen_at}` per hub (`huggingface` | `modelscope`). Rows stored before ModelScope was watched have no
list: they are on the Hugging Face Hub only, under their repo id. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

HF = "huggingface"
MS = "modelscope"
HUB_NAMES = {HF: "Hugging Face", MS: "ModelScope"}
MS_STATE_PREFIX = "modelscope:"  # org_state keys of ModelScope organisations (names may equal Hub ones)


def entry(hub: str, repo_id: str, url: str, first_seen_at: datetime | None, backfill: bool = False
          ) -> dict[str, Any]:
    """One stored source; `backfill` when it was recorded on our first look at its organisation, so its
    first_seen_at says when we looked, not when the hub showed it (no lead is measured from it)."""
    found = {"hub": hub, "repo_id": repo_id, "url": url, "first_seen_at": _iso(first_seen_at)}
    return {**found, "backfill": True} if backfill else found


def hf_url(web_url: str, repo_id: str) -> str:
    return f"{web_url.rstrip('/')}/{repo_id}"


def ms_url(web_url: str, repo_id: str) -> str:
    return f"{web_url.rstrip('/')}/models/{repo_id}"


def sources_of(row: Any, hf_web_url: str = "https://huggingface.co") -> list[dict[str, Any]]:
    """The row's sources, oldest first; a row without a stored list is on the Hub under its repo id."""
    stored = getattr(row, "sources", None)
    if isinstance(stored, list) and stored:
        return sorted((dict(s) for s in stored if isinstance(s, dict)), key=lambda s: s.get("first_seen_at") or "")
    return [entry(HF, row.repo_id, hf_url(hf_web_url, row.repo_id), getattr(row, "first_seen_at", None),
                  bool(getattr(row, "backfill", False)))]


def on_hub(row: Any, hub: str) -> dict[str, Any] | None:
    """The row's source on `hub`, if it has one."""
    return next((s for s in sources_of(row) if s.get("hub") == hub), None)


@dataclass(frozen=True)
class Lead:
    """Which hub showed a release first, and how long before the other (None while only one has it, or when
    one of them was recorded by a first look: then nobody knows)."""

    first: str
    second: str | None
    by: timedelta | None

    @property
    def seconds(self) -> float | None:
        return self.by.total_seconds() if self.by is not None else None


def lead(row: Any) -> Lead:
    """Which hub was first for this release, and by how much."""
    found = sources_of(row)
    first = found[0]
    if len(found) < 2:
        return Lead(first.get("hub") or HF, None, None)
    second = found[1]
    start, end = _parse(first.get("first_seen_at")), _parse(second.get("first_seen_at"))
    measured = not first.get("backfill") and not second.get("backfill")
    gap = end - start if start and end and measured else None
    return Lead(first.get("hub") or HF, second.get("hub"), gap)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
