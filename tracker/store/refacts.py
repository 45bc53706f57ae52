"""Refacts' rows: the stored models whose facts are recomputed, and the recomputed fields written back
with one `refacts`-style event each (old and new values), in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import Event, TrackedModel

# One model's recomputed fields: (model id, repo id, {field: (old, new)}).
FieldChanges = tuple[int, str, dict[str, tuple[Any, Any]]]


def stored_models(store: Store, lab: str | None = None) -> list[TrackedModel]:
    """Every stored model (of `lab`), by repo id."""
    with store.session() as session:
        query = select(TrackedModel).order_by(col(TrackedModel.repo_id))
        if lab is not None:
            query = query.where(TrackedModel.lab == lab)
        return list(session.exec(query).all())


def write_changes(store: Store, changes: Iterable[FieldChanges], kind: str, now: datetime) -> None:
    """Set the new values of the changed fields and record an event of `kind` per model, atomically
    (a model deleted meanwhile is skipped)."""
    with store.session() as session, session.begin():
        for model_id, repo_id, changed in changes:
            stored = session.get(TrackedModel, model_id)
            if stored is None:
                continue
            for name, (_old, new) in changed.items():
                setattr(stored, name, new)
            session.add(stored)
            session.add(Event(model_id=model_id, repo_id=repo_id, kind=kind, at=now,
                              old_value={k: v[0] for k, v in changed.items()},
                              new_value={k: v[1] for k, v in changed.items()}))
