"""The active-parameter figure as the lab counts it, from the packaged tracker/data/conventions.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

LEAVES_OUT = ("nothing", "input-embedding", "embeddings")


@dataclass(frozen=True)
class Convention:
    """What one family's lab leaves out of its stated active count."""

    family: str
    leaves_out: str
    model_types: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()


@cache
def conventions() -> tuple[Convention, ...]:
    """All conventions, loaded on first call; a malformed entry is an error at load (caught by the tests)."""
    text = resources.files("tracker").joinpath("data", "conventions.toml").read_text(encoding="utf-8")
    found = []
    for item in tomllib.loads(text).get("convention", []):
        if item.get("leaves_out") not in LEAVES_OUT:
            raise ValueError(f"conventions.toml: {item.get('family')!r} has leaves_out {item.get('leaves_out')!r}")
        found.append(Convention(item["family"], item["leaves_out"],
                                tuple(t.lower() for t in item.get("model_types", ())),
                                tuple(o.lower() for o in item.get("orgs", ()))))
    return tuple(found)


def convention_for(model_type: str, repo_id: str) -> Convention | None:
    """The family's convention: by config model_type first, then by the repo's organisation."""
    model_type = (model_type or "").lower()
    org = repo_id.split("/", 1)[0].lower() if isinstance(repo_id, str) else ""
    by_type = next((c for c in conventions() if model_type and model_type in c.model_types), None)
    return by_type or next((c for c in conventions() if org and org in c.orgs), None)


def lab_active(active: int, embedding: int, head: int, convention: Convention) -> int:
    """Our active count (embedding and head included) as the lab counts it."""
    if convention.leaves_out == "input-embedding":
        return active - embedding
    if convention.leaves_out == "embeddings":
        return active - embedding - head
    return active
