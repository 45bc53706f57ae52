"""The fake Hub's answers for follow-ups: paper pages, inference-provider mappings and model-tree counts.

- `GET /api/papers/{arxiv id}`: the paper page as the Hub serves it (what `HfApi.paper_info` parses: `id`,
  `title`, `upvotes`, `publishedAt`, `summary`, `authors`...), 404 `{"error": "Paper not found"}` otherwise.
- `inferenceProviderMapping`: `{provider: {"status", "providerId", "task"}}` on one model's info, a list of
  `{"provider", "status", "providerId", "task"}` in listings (huggingface_hub's ModelInfo reads both).
- `childrenModelCount`: how many models name the model in their `base_model` (any relation).

Children themselves are ordinary fake models with `base_model` and `base_model_relation`: their tags carry
`base_model:<id>` and `base_model:<relation>:<id>`, and `filter=` matches those tags, as on the Hub.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from .hub_model import FakeModel, iso

PAPERS_PATH = "/api/papers/"


class PaperShelf:
    """The papers the fake Hub has pages for (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._papers: dict[str, dict[str, Any]] = {}

    def add(self, arxiv_id: str, title: str, upvotes: int = 0, summary: str = "",
            published: datetime | None = None) -> None:
        when = iso(published or datetime(2025, 5, 14, tzinfo=UTC))
        with self._lock:
            self._papers[arxiv_id] = {
                "id": arxiv_id, "authors": [{"_id": "a1", "name": "A. Author", "hidden": False}],
                "publishedAt": when, "submittedOnDailyAt": when, "title": title, "summary": summary,
                "upvotes": upvotes, "discussionId": f"d{arxiv_id.replace('.', '')}", "numComments": 0,
            }

    def upvote(self, arxiv_id: str, upvotes: int) -> None:
        with self._lock:
            self._papers[arxiv_id]["upvotes"] = upvotes

    def page(self, arxiv_id: str) -> tuple[int, bytes]:
        with self._lock:
            paper = self._papers.get(arxiv_id)
            body = json.dumps(paper if paper is not None else {"error": "Paper not found"}).encode()
        return (200 if paper is not None else 404), body


def listing_shape(mapping: Any) -> Any:
    """`inferenceProviderMapping` as listings show it: the info answer's dict as a list of entries."""
    if not isinstance(mapping, dict):
        return mapping
    return [{"provider": name, **value} for name, value in mapping.items()]


def patch_item(body: bytes, model: FakeModel, keys: tuple[str, ...], models: list[FakeModel],
               listing: bool) -> bytes:
    """A rendered item with the fields that need the whole Hub (`childrenModelCount`) or the listing's shape
    (`inferenceProviderMapping`) set right; other items pass unchanged."""
    if "childrenModelCount" not in keys and not (listing and "inferenceProviderMapping" in keys):
        return body
    obj = json.loads(body)
    if "childrenModelCount" in keys and "childrenModelCount" not in model.api_override:
        obj["childrenModelCount"] = children_count(models, model.repo_id)
    if listing and "inferenceProviderMapping" in obj:
        obj["inferenceProviderMapping"] = listing_shape(obj["inferenceProviderMapping"])
    return json.dumps(obj, separators=(",", ":")).encode()


def children_count(models: list[FakeModel], repo_id: str) -> int:
    """How many models derive from `repo_id` (the Hub's `childrenModelCount`)."""
    return sum(1 for m in models if repo_id in m.base_models() and not m.private)
