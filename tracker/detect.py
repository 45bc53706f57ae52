"""Detection: compare what the Hub shows for one organisation with what the store knows.

Pure logic over two snapshots and an injected `now`; it touches no database and no network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.hub.shapes import HubModel


# On an organisation's first poll, models created this recently are still alerted (not backfill).
FRESH_WINDOW = timedelta(hours=24)
# Clock skew between the Hub and us: a model created this shortly before our last look counts as new.
SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class LicenseKey:
    """The license exactly as the Hub states it; any change to it is a license change."""

    license: str | None
    name: str | None
    link: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"license": self.license, "license_name": self.name, "license_link": self.link}


@dataclass(frozen=True)
class Known:
    """What the store remembers of a model, as detection needs it."""

    repo_id: str
    status: str  # public | removed
    license: LicenseKey
    sha: str | None


@dataclass(frozen=True)
class Change:
    """One thing detection found. `alert` says whether people should be told."""

    kind: str  # new | published | backfill | license_changed | removed | restored | updated | weights_updated
    repo_id: str
    model: HubModel | None
    alert: bool
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None


def license_of(model: HubModel) -> LicenseKey:
    """The license fields of a model: the card's, else the `license:` tag."""
    card = model.card_data
    value = card.get("license")
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str) or not value:
        value = next((t.split(":", 1)[1] for t in model.tags if t.startswith("license:")), None)
    name = card.get("license_name")
    link = card.get("license_link")
    return LicenseKey(
        license=value,
        name=name if isinstance(name, str) else None,
        link=link if isinstance(link, str) else None,
    )


def detect_changes(
    listing: Iterable[HubModel],
    known: Mapping[str, Known],
    *,
    first_poll: bool,
    last_success_at: datetime | None,
    now: datetime,
) -> list[Change]:
    """The changes between one organisation's complete public listing and the stored models.

    - unknown model: `backfill` (silent) on the first poll unless created within FRESH_WINDOW;
      afterwards `new` when created since our last successful look, else `published` (a repo
      created long ago that only now became public, which is how labs launch). Both alert.
    - known model whose license fields changed: `license_changed`, alerted, with old and new.
    - known model whose commit changed: `updated` (facts refreshed, not alerted).
    - known removed model visible again: `restored`; known public model missing: `removed`.
    """
    changes: list[Change] = []
    seen: set[str] = set()
    for model in listing:
        if model.private or model.disabled:
            continue
        seen.add(model.repo_id)
        before = known.get(model.repo_id)
        if before is None:
            changes.append(_unknown(model, first_poll, last_success_at, now))
            continue
        if before.status == "removed":
            changes.append(Change("restored", model.repo_id, model, alert=False))
        current = license_of(model)
        if current != before.license:
            changes.append(
                Change("license_changed", model.repo_id, model, alert=True,
                       old=before.license.as_dict(), new=current.as_dict())
            )
        elif model.sha and model.sha != before.sha:
            changes.append(Change("updated", model.repo_id, model, alert=False))
    for repo_id, before in known.items():
        if before.status == "public" and repo_id not in seen:
            changes.append(Change("removed", repo_id, None, alert=False))
    return changes


@dataclass(frozen=True)
class WeightState:
    """What we knew of a model's weights before a commit: the files' digest and the listing's counts."""

    digest: str | None
    safetensors: Mapping[str, Any] | None
    gguf_total: int | None


def weights_digest(manifest: Mapping[str, Mapping[str, Any]] | None) -> str | None:
    """One digest of the weight files (names, sizes, LFS sha256); None when unknown or there are none."""
    if not manifest:
        return None
    items = sorted((name, f.get("size"), f.get("sha256")) for name, f in manifest.items())
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:32]


def _params(safetensors: Mapping[str, Any] | None) -> Any:
    return dict(safetensors.get("parameters") or {}) if isinstance(safetensors, Mapping) else None


def weights_changed(before: WeightState, model: HubModel,
                    manifest: Mapping[str, Mapping[str, Any]] | None) -> tuple[bool, str | None]:
    """Whether a commit changed the weights, and the new digest to keep.

    Changed when the safetensors dtype breakdown or the GGUF total differs from the listing we kept, or when
    the weight files differ from the digest of the last check. With no digest yet (the first commit we see)
    only the listing counts can tell, and the digest becomes the baseline for the next commit."""
    digest = weights_digest(manifest)
    gguf_total = model.gguf.get("total") if isinstance(model.gguf, Mapping) else None
    if _params(before.safetensors) != _params(model.safetensors) or before.gguf_total != gguf_total:
        return True, digest
    if digest is None:
        return False, before.digest
    return (before.digest is not None and before.digest != digest), digest


def weights_summary(safetensors: Mapping[str, Any] | None, manifest: Mapping[str, Mapping[str, Any]] | None,
                    sha: str | None) -> dict[str, Any]:
    """The old or new side of a weights_updated event."""
    sizes = [f.get("size") for f in (manifest or {}).values() if isinstance(f.get("size"), int)]
    total = safetensors.get("total") if isinstance(safetensors, Mapping) else None
    return {"sha": sha, "files": len(manifest) if manifest else None, "bytes": sum(sizes) if sizes else None,
            "parameters": _params(safetensors), "params_total": total}


def _unknown(model: HubModel, first_poll: bool, last_success_at: datetime | None, now: datetime) -> Change:
    created = model.created_at
    if first_poll or last_success_at is None:
        fresh = created is not None and now - created <= FRESH_WINDOW
        return Change("new" if fresh else "backfill", model.repo_id, model, alert=fresh)
    if created is None or created >= last_success_at - SKEW:
        return Change("new", model.repo_id, model, alert=True)
    return Change("published", model.repo_id, model, alert=True)
