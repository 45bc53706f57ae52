"""`tracker refacts`: recompute the stored facts of known models when the facts code improves.

Everything is recomputed from what was kept when the model was polled: the Hub metadata in `hub_meta`
(card license fields, safetensors, gguf, config subset) and config.json from the local Hub cache, read at
the stored sha. No Hub request is made and nobody is alerted: each changed record gets one `refacts` event
(old and new values of the changed fields) and the table of changes is printed.

The compared fields are every ModelFacts field stored as a column of `models`, so fields added to the
facts later are picked up without touching this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from tracker.config import Settings

if TYPE_CHECKING:
    from tracker.facts import ModelFacts
    from tracker.hub.client import HubClient
    from tracker.store.releases import Store
    from tracker.store.tables import TrackedModel

EVENT_KIND = "refacts"
HEADERS = ("repo_id", "field", "old", "new")


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
    from tracker.facts import ModelFacts
    from tracker.store.tables import TrackedModel

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
    from tracker.hub.client import is_config_problem

    return next((n for n in row.params_notes or [] if isinstance(n, str) and is_config_problem(n)), None)


def recompute(row: TrackedModel, hub: HubClient) -> ModelFacts | str:
    """The facts of a stored model recomputed from its kept metadata, or why that is not possible."""
    from tracker.poll.cycle import facts_for, stored_hub_model

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


def _rows(store: Store, lab: str | None) -> list[TrackedModel]:
    from tracker.store.tables import TrackedModel

    with store.session() as session:
        query = select(TrackedModel).order_by(col(TrackedModel.repo_id))
        if lab is not None:
            query = query.where(TrackedModel.lab == lab)
        return list(session.exec(query).all())


def run(store: Store, hub: HubClient, *, lab: str | None = None, dry_run: bool = False) -> Report:
    """Recompute every stored model (of `lab`); unless `dry_run`, write the changes and their events."""
    from tracker.store.tables import Event, TrackedModel, utcnow

    report, names = Report(), stored_fact_fields()
    for row in _rows(store, lab):
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
    now = utcnow()
    with store.session() as session, session.begin():
        for change in report.changes:
            stored = session.get(TrackedModel, change.model_id)
            if stored is None:
                continue
            for name, (_old, new) in change.fields.items():
                setattr(stored, name, new)
            session.add(stored)
            session.add(Event(model_id=change.model_id, repo_id=change.repo_id, kind=EVENT_KIND, at=now,
                              old_value={k: v[0] for k, v in change.fields.items()},
                              new_value={k: v[1] for k, v in change.fields.items()}))
    return report


def _show(name: str, value: Any, other: Any) -> str:
    from tracker.facts import format_params

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and name.startswith("params_"):
        short = format_params(value)
        return short if isinstance(other, int) and format_params(other) != short else f"{short} ({value})"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def table_rows(report: Report) -> list[list[str]]:
    """One row per changed field: repo id, field, old → new."""
    return [[c.repo_id, name, _show(name, old, new), _show(name, new, old)]
            for c in report.changes for name, (old, new) in c.fields.items()]


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `tracker refacts` on the `tracker` parser."""
    parser = sub.add_parser("refacts", help="recompute stored facts from the kept Hub metadata (no Hub "
                            "requests, no alerts), e.g. after an upgrade that counts parameters better")
    parser.add_argument("--lab", metavar="LAB", help="only this lab (name or alias)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    parser.set_defaults(handler=cmd_refacts)


def cmd_refacts(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.cli.commands import make_hub, open_store
    from tracker.cli.main import UsageError
    from tracker.render import output
    from tracker.watchlist import load_watchlist

    lab = None
    if args.lab is not None:
        watchlist = load_watchlist(settings.watchlist)
        found = watchlist.find_lab(args.lab)
        if found is None:
            known = ", ".join(item.name for item in watchlist.labs)
            raise UsageError(f"unknown lab {args.lab!r}; known labs: {known}")
        lab = found.name
    report = run(open_store(settings), make_hub(settings), lab=lab, dry_run=args.dry_run)
    if report.changes:
        output.write_table(table_rows(report), HEADERS, sys.stdout)
    for repo_id, why in report.skipped[:10]:
        print(f"skipped {repo_id}: {why}", file=sys.stderr)
    if len(report.skipped) > 10:
        print(f"… and {len(report.skipped) - 10} more skipped", file=sys.stderr)
    verb = "would change" if args.dry_run else "changed"
    tail = " (dry run: nothing written)" if args.dry_run else (
        f"; {len(report.changes)} refacts events written, nobody alerted" if report.changes else "")
    print(f"refacts: {verb} {len(report.changes)} of {report.checked} stored models"
          f"{f', {len(report.skipped)} skipped' if report.skipped else ''}{tail}", file=sys.stderr)
    return 0
