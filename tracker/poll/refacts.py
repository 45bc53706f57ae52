"""Recomputing the stored facts of known models when the facts code improves (`tracker refacts`).

Everything is recomputed from what was kept when the model was polled: the Hub metadata in `hub_meta`
(card license fields, safetensors, gguf, config subset) and config.json from the local Hub cache, read at
the stored sha. No Hub request is made and nobody is alerted: each changed record gets one `refacts` event
(old and new values of the changed fields) and the table of changes is printed.

The compared fields are every ModelFacts field stored as a column of `models`, so fields added to the
facts later are picked up without touching this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from tracker.facts import ModelFacts
from tracker.hub.client import HubClient, is_config_problem
from tracker.poll.cycle import facts_for, stored_hub_model
from tracker.store.refacts import stored_models, write_changes
from tracker.store.tables import TrackedModel, utcnow

if TYPE_CHECKING:
    from tracker.store.releases import Store

EVENT_KIND = "refacts"


@dataclass
class Change:
    """The changed fields of one stored model: {field: (old, new)}."""

    model_id: int
    repo_id: str
    fields: dict[str, tuple[Any, Any]]


@dataclass
class Report:
    """What a refacts run found."""

    checked: int = 0
    changes: list[Change] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (repo_id, why)


def stored_fact_fields() -> tuple[str, ...]:
    """The ModelFacts fields that are columns of `models`, in ModelFacts order."""
    return tuple(f.name for f in fields(ModelFacts) if f.name in TrackedModel.model_fields)


KEPT_WHEN_UNKNOWN = frozenset({"weights_bytes"})


def _plain(value: Any) -> Any:
    """A fact value as the store keeps it (JSON lists, plain dicts)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _config_problem(row: TrackedModel) -> str | None:
    """The note a poll added when config.json could not be read, if the stored facts carry one."""
    return next((n for n in row.params_notes or [] if isinstance(n, str) and is_config_problem(n)), None)


def recompute(row: TrackedModel, hub: HubClient) -> ModelFacts | str:
    """The facts of a stored model recomputed from its kept metadata, or why that is not possible."""
    if not row.hub_meta:
        return "no Hub metadata kept for it (stored by an older version); the next change on the Hub refreshes it"
    model = stored_hub_model(row)
    config, problem = None, None
    if row.config_checked_at is not None:
        config = hub.cached_config(row.repo_id, row.sha)
        if config is None:
            problem = _config_problem(row)
            if problem is None:
                return "its config.json is no longer in the local Hub cache (state/hf-cache)"
    return facts_for(model, config, problem, row.readme_meta)


def diff(row: TrackedModel, facts: ModelFacts, names: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    """{field: (stored, recomputed)} for the fields that differ."""
    changed = {}
    for name in names:
        old, new = _plain(getattr(row, name)), _plain(getattr(facts, name))
        if name in KEPT_WHEN_UNKNOWN and new is None:
            continue  # computed from data a poll does not keep (a GGUF repo's file sizes): never blanked
        if old != new:
            changed[name] = (old, new)
    return changed


def run(store: Store, hub: HubClient, *, lab: str | None = None, dry_run: bool = False) -> Report:
    """Recompute every stored model (of `lab`); unless `dry_run`, write the changes and their events."""
    report, names = Report(), stored_fact_fields()
    for row in stored_models(store, lab):
        report.checked += 1
        facts = recompute(row, hub)
        if isinstance(facts, str):
            report.skipped.append((row.repo_id, facts))
            continue
        if changed := diff(row, facts, names):
            assert row.id is not None
            report.changes.append(Change(row.id, row.repo_id, changed))
    if dry_run or not report.changes:
        return report
    write_changes(store, [(c.model_id, c.repo_id, c.fields) for c in report.changes], EVENT_KIND, utcnow())
    return report
