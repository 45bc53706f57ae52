"""The store: what detection needs to know, and writing a poll's outcome in one transaction.

Models, their events and the alerts to send are written together (an outbox), so nothing detected is
lost and nothing is alerted twice, across restarts too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tracker.detect import Change, Known, LicenseKey, WeightState, license_of
from tracker.facts import ModelFacts
from tracker.facts.openness import classify_openness
from tracker.hub.sources import HF
from tracker.store.engine import StoreError, is_read_only, open_engine
from tracker.store.linking import link_from_hub
from tracker.store.tables import Alert, Event, OrgState, TrackedModel
from tracker.watchlist import Lab

if TYPE_CHECKING:
    from tracker.hub.shapes import HubModel

_FACT_COLUMNS = {f.name for f in fields(ModelFacts)} & set(TrackedModel.model_fields)


@dataclass
class OrgPollSummary:
    """What one organisation's poll wrote."""

    org: str
    new: int = 0
    backfill: int = 0
    license_changes: int = 0
    weight_updates: int = 0
    removed: int = 0
    alerts: int = 0
    linked: int = 0  # releases another hub showed first, now seen here too (no alert; the card is edited)


# One organisation's poll is written at a time in a process: the Hub's and ModelScope's polls run side by
# side, and both may find the same new release; each must see the other's row before it inserts its own
# (else one fails on models.repo_id and its organisation waits for the next cycle).
POLL_WRITES = threading.Lock()


class Store:
    """A handle on the database; sessions are short and per operation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (and migrate when needed) the database at `url`, which must be writable."""
        engine = open_engine(url)
        if is_read_only(engine):
            raise StoreError("the database is read-only to this user, and this command writes to it; give it write "
                             "access to the database file and its folder (readers such as `tracker history` work)")
        return cls(engine)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Close the engine's pooled connections (the store can still be used; it reconnects)."""
        self.engine.dispose()

    def org_state(self, org: str) -> OrgState | None:
        """The organisation's polling state (None before its first poll)."""
        with self.session() as session:
            return session.get(OrgState, org)

    def org_snapshot(self, org: str) -> tuple[OrgState | None, dict[str, Known]]:
        """The organisation's polling state and every model we know of it."""
        with self.session() as session:
            state = session.get(OrgState, org)
            rows = session.exec(
                select(TrackedModel.repo_id, TrackedModel.status, TrackedModel.license,
                       TrackedModel.license_name, TrackedModel.license_link, TrackedModel.sha, TrackedModel.sources)
                .where(TrackedModel.org == org)
            ).all()
        # A release only ModelScope has shown (its org may be named alike) is not yet known to the Hub.
        known = {
            r[0]: Known(repo_id=r[0], status=r[1], license=LicenseKey(r[2], r[3], r[4]), sha=r[5]) for r in rows
            if not r[6] or any(isinstance(s, dict) and s.get("hub") == HF for s in r[6])
        }
        return state, known

    def apply_org_poll(
        self,
        org: str,
        lab: Lab,
        changes: Sequence[Change],
        facts: Mapping[str, ModelFacts],
        *,
        now: datetime,
        model_count: int,
        config_checked: Set[str] = frozenset(),
        cards: Mapping[str, tuple[dict[str, Any], str | None]] | None = None,
        digests: Mapping[str, str] | None = None,
        web_url: str = "https://huggingface.co",
    ) -> OrgPollSummary:
        """Write one organisation's changes, their events and alerts, and its poll state, atomically.
        `web_url`: the Hub's web address, for the source entry of a release ModelScope showed first."""
        summary = OrgPollSummary(org=org)
        with POLL_WRITES, self.session() as session, session.begin():
            state = session.get(OrgState, org) or OrgState(org=org, lab=lab.name)
            for change in changes:
                row = self._apply_change(session, change, lab, facts.get(change.repo_id), now, summary, web_url)
                if row is not None and change.repo_id in config_checked:
                    row.config_checked_at = now
                if row is not None and cards and change.repo_id in cards:
                    row.readme_meta, row.readme_sha = cards[change.repo_id]
                    row.readme_checked_at = now
                if row is not None and digests and change.repo_id in digests:
                    row.weights_digest = digests[change.repo_id]
            state.lab = lab.name
            state.first_polled_at = state.first_polled_at or now
            state.last_attempt_at = now
            state.last_success_at = now
            state.last_error = None
            state.error_count = 0
            state.model_count = model_count
            session.add(state)
        return summary

    def record_org_failure(self, org: str, lab: Lab, error: str, now: datetime) -> OrgState:
        """Remember that polling an organisation failed; it is tried again next cycle."""
        with self.session() as session, session.begin():
            state = session.get(OrgState, org) or OrgState(org=org, lab=lab.name)
            state.last_attempt_at = now
            state.last_error = error[:500]
            state.error_count += 1
            session.add(state)
        return state

    def _apply_change(
        self,
        session: Session,
        change: Change,
        lab: Lab,
        facts: ModelFacts | None,
        now: datetime,
        summary: OrgPollSummary,
        web_url: str = "https://huggingface.co",
    ) -> TrackedModel | None:
        row = session.exec(select(TrackedModel).where(TrackedModel.repo_id == change.repo_id)).first()
        if (row is None or row.sources) and (linked := link_from_hub(session, change, lab, now, web_url, row)):
            row = linked
            # ModelScope showed it first: one release, already alerted; the Hub's facts win where it has them.
            assert change.model is not None
            copy_hub_fields(row, change.model)
            if facts is not None and (facts.params_total is not None or row.params_total is None):
                copy_facts(row, facts)
            session.add(row)
            session.flush()
            assert row.id is not None
            session.add(Event(model_id=row.id, repo_id=row.repo_id, kind="source_added", at=now,
                              new_value={"hub": "huggingface", "repo_id": change.repo_id}))
            summary.linked += 1
            return row
        if row is None:
            if change.model is None:
                return None
            row = TrackedModel(repo_id=change.repo_id, lab=lab.name, org=change.model.org, region=lab.region,
                               first_seen_at=now, backfill=change.kind == "backfill")
            row.released_at = (change.model.created_at or now) if row.backfill else now
        if change.model is not None:
            copy_hub_fields(row, change.model)
            if facts is not None:
                copy_facts(row, facts)
        if change.kind == "removed":
            row.status = "removed"
            row.removed_at = now
            summary.removed += 1
        elif change.kind in ("restored", "new", "published", "backfill"):
            row.status = "public"
            row.removed_at = None
        session.add(row)
        if change.kind == "updated":
            return row
        session.flush()
        assert row.id is not None
        event = Event(model_id=row.id, repo_id=row.repo_id, kind=change.kind, at=now,
                      old_value=change.old, new_value=change.new)
        session.add(event)
        if change.kind == "backfill":
            summary.backfill += 1
        elif change.kind in ("new", "published"):
            summary.new += 1
        elif change.kind == "license_changed":
            summary.license_changes += 1
        elif change.kind == "weights_updated":
            summary.weight_updates += 1
        if change.alert:
            session.flush()
            assert event.id is not None
            kind = change.kind if change.kind in ("license_changed", "weights_updated") else "release"
            session.add(Alert(event_id=event.id, model_id=row.id, kind=kind, created_at=now))
            summary.alerts += 1
        return row

    def needing_config(self, org: str, limit: int) -> list[TrackedModel]:
        """Public models of `org` whose config.json was never read (backfill), newest first."""
        with self.session() as session:
            return list(session.exec(
                select(TrackedModel)
                .where(TrackedModel.org == org, TrackedModel.status == "public",
                       col(TrackedModel.config_checked_at).is_(None))
                .order_by(col(TrackedModel.released_at).desc()).limit(limit)
            ).all())

    def needing_card(self, org: str, limit: int) -> list[TrackedModel]:
        """Public models of `org` whose model card was never read (backfill, older rows), newest first."""
        with self.session() as session:
            return list(session.exec(
                select(TrackedModel)
                .where(TrackedModel.org == org, TrackedModel.status == "public",
                       col(TrackedModel.readme_checked_at).is_(None))
                .order_by(col(TrackedModel.released_at).desc()).limit(limit)
            ).all())

    def weight_states(self, repo_ids: Sequence[str]) -> dict[str, WeightState]:
        """What we knew of these models' weights: the last files digest and the listing's counts."""
        if not repo_ids:
            return {}
        with self.session() as session:
            rows = session.exec(select(TrackedModel.repo_id, TrackedModel.weights_digest, TrackedModel.hub_meta)
                                .where(col(TrackedModel.repo_id).in_(list(repo_ids)))).all()
        out = {}
        for repo, digest, meta in rows:
            meta = meta if isinstance(meta, dict) else {}
            gguf = meta.get("gguf") if isinstance(meta.get("gguf"), dict) else {}
            out[repo] = WeightState(digest, meta.get("safetensors"), gguf.get("total"))
        return out

    def card_readings(self, repo_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """What was read from the model cards of these models (those read so far)."""
        if not repo_ids:
            return {}
        with self.session() as session:
            rows = session.exec(select(TrackedModel.repo_id, TrackedModel.readme_meta)
                                .where(col(TrackedModel.repo_id).in_(list(repo_ids)))).all()
        return {repo: meta for repo, meta in rows if isinstance(meta, dict)}

    def update_card(self, repo_id: str, reading: dict[str, Any], sha: str | None, now: datetime) -> None:
        """Store a model card reading and the openness and summary it gives (the other facts stay)."""
        with self.session() as session, session.begin():
            row = session.exec(select(TrackedModel).where(TrackedModel.repo_id == repo_id)).first()
            if row is None:
                return
            card = (row.hub_meta or {}).get("card_data") or {}
            level, evidence = classify_openness(row.license_id, row.license_class, row.gated,
                                                tuple(row.tags or ()), card, reading)
            row.openness_level, row.openness_evidence = level, list(evidence)
            found = reading.get("summary")
            row.summary = found if isinstance(found, str) and found else None
            row.readme_meta, row.readme_sha, row.readme_checked_at = reading, sha, now
            session.add(row)

    def update_facts(self, repo_id: str, facts: ModelFacts, now: datetime) -> None:
        """Store recomputed facts of a known model (after reading its config.json)."""
        with self.session() as session, session.begin():
            row = session.exec(select(TrackedModel).where(TrackedModel.repo_id == repo_id)).first()
            if row is not None:
                copy_facts(row, facts)
                row.config_checked_at = now
                session.add(row)


def row_from_hub(model: HubModel, facts: ModelFacts, lab: Lab | None) -> TrackedModel:
    """An unsaved row for a model fetched now (for `tracker inspect`)."""
    row = TrackedModel(repo_id=model.repo_id, lab=lab.name if lab else "(not watched)", org=model.org,
                       region=lab.region if lab else None)
    copy_hub_fields(row, model)
    copy_facts(row, facts)
    return row


def copy_hub_fields(row: TrackedModel, model: HubModel) -> None:
    """The Hub's (or ModelScope's) metadata of a model onto its row."""
    lic = license_of(model)
    row.created_at = model.created_at
    row.last_modified = model.last_modified
    row.sha = model.sha
    row.pipeline_tag = model.pipeline_tag
    row.library_name = model.library_name
    row.tags = list(model.tags)
    row.gated = model.gated
    row.license, row.license_name, row.license_link = lic.license, lic.name, lic.link
    row.problems = list(model.problems) or None
    row.hub_meta = model.fact_meta()


def copy_facts(row: TrackedModel, facts: ModelFacts) -> None:
    """Computed facts onto a row."""
    for name in _FACT_COLUMNS:
        value = getattr(facts, name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        setattr(row, name, value)
