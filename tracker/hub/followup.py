"""What became of a release on the Hub, for its follow-ups: reach, model tree and paper, in at most 4 requests.

- `reach`: one `GET /api/models/{id}` with `expand` likes, downloads, tags, inferenceProviderMapping and
  childrenModelCount (https://huggingface.co/docs/hub/api#get-apimodelsrepoid). The mapping is a dict
  `{provider: {"status": "live"|"staging"|"error", "providerId", "task"}}` here (a list in listings, as
  huggingface_hub's ModelInfo notes); both shapes are read.
- `children`: `GET /api/models?filter=base_model:{id}&sort=likes` with tags and likes, one page of up to 1,000
  (a second when asked): the models derived from it, each carrying a `base_model:<relation>:{id}` tag.
- `paper`: `GET /api/papers/{arxiv id}` (what `HfApi.paper_info` reads): title and upvotes; None without a page.

Every value is bounded on the way in (tracker.hub.bounds), like the rest of the Hub's data. The requests go
through the client's bounded GET (`HubClient.get_api_json`: the same retries, timeouts and 429 handling as polls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tracker.hub import bounds as hub_values
from tracker.hub.bounds import skip_reason
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError, translate_errors

REACH_EXPAND = ("likes", "downloads", "tags", "inferenceProviderMapping", "childrenModelCount")
CHILD_EXPAND = ("tags", "likes", "library_name")
CHILD_PAGE = 1000  # the Hub's largest page
TITLE_MAX = 300


@dataclass(frozen=True)
class Reach:
    """How far a model got: likes, downloads (last 30 days), providers serving it live, its tags and how many
    models the Hub counts as derived from it."""

    repo_id: str
    likes: int | None
    downloads: int | None
    tags: tuple[str, ...]
    providers: tuple[str, ...]
    children: int | None

    @property
    def arxiv_ids(self) -> tuple[str, ...]:
        return tuple(t.split(":", 1)[1] for t in self.tags if t.startswith("arxiv:") and len(t) > 6)


@dataclass(frozen=True)
class Child:
    """One model derived from a release, as the listing shows it."""

    repo_id: str
    tags: tuple[str, ...]
    likes: int
    library_name: str | None


@dataclass(frozen=True)
class Children:
    models: tuple[Child, ...]
    complete: bool  # False when more pages were left unread
    requests: int = 1


@dataclass(frozen=True)
class Paper:
    arxiv_id: str
    title: str | None
    upvotes: int | None


def reach(client: HubClient, repo_id: str) -> Reach:
    """The model's reach now (one request); raises HubError ('not-found' when it is gone)."""
    path = f"/api/models/{quote(repo_id, safe='/')}"
    with translate_errors(repo_id):
        item = client.get_api_json(path, [("expand", value) for value in REACH_EXPAND]).data
    if not isinstance(item, dict):
        raise HubError("malformed", f"{repo_id}: the Hub's answer is not an object")
    notes: list[str] = []
    tags = item.get("tags")
    tags = tuple(t for t in tags if isinstance(t, str))[:500] if isinstance(tags, list) else ()
    return Reach(repo_id, hub_values.count(item.get("likes"), "likes", notes),
                 hub_values.count(item.get("downloads"), "downloads", notes), tags,
                 live_providers(item.get("inferenceProviderMapping")),
                 hub_values.count(item.get("childrenModelCount"), "childrenModelCount", notes))


def live_providers(mapping: Any) -> tuple[str, ...]:
    """The providers whose mapping is `live` (not staging, not error), in the Hub's order, either shape."""
    if isinstance(mapping, dict):
        pairs = [(name, value) for name, value in mapping.items()]
    elif isinstance(mapping, list):
        pairs = [(value.get("provider"), value) for value in mapping if isinstance(value, dict)]
    else:
        return ()
    notes: list[str] = []
    names = [hub_values.text_or_none(name, "provider", notes, 60) for name, value in pairs
             if isinstance(value, dict) and value.get("status") == "live"]
    return tuple(dict.fromkeys(n for n in names if n))[:30]


def children(client: HubClient, repo_id: str, pages: int = 1) -> Children:
    """The models whose `base_model:` tag names `repo_id`, most liked first, from at most `pages` requests."""
    params: list[tuple[str, Any]] = [("filter", f"base_model:{repo_id}"), ("sort", "likes"),
                                     ("limit", CHILD_PAGE)]
    params += [("expand", value) for value in CHILD_EXPAND]
    url: str | None = "/api/models"
    found: list[Child] = []
    read = 0
    with translate_errors(f"models derived from {repo_id}"):
        while url is not None and read < pages:
            answer = client.get_api_json(url, params if read == 0 else None)
            read += 1
            page = answer.data
            if not isinstance(page, list):
                raise HubError("malformed", f"models derived from {repo_id}: not a JSON list")
            found += [child for item in page if (child := _child(item)) is not None]
            url = answer.next_url
    return Children(tuple(found), url is None, read)


def _child(item: Any) -> Child | None:
    if skip_reason(item) is not None:
        return None
    notes: list[str] = []
    tags = item.get("tags")
    tags = tuple(t for t in tags if isinstance(t, str))[:500] if isinstance(tags, list) else ()
    return Child(item.get("id") or item["modelId"], tags, hub_values.count(item.get("likes"), "likes", notes) or 0,
                 hub_values.text_or_none(item.get("library_name"), "library_name", notes, 60))


def paper(client: HubClient, arxiv_id: str) -> Paper | None:
    """The Hub's paper page of an arXiv id (one request); None when the Hub has none."""
    path = f"/api/papers/{quote(arxiv_id, safe='')}"
    try:
        with translate_errors(f"paper {arxiv_id}"):
            item = client.get_api_json(path).data
    except HubError as exc:
        if exc.kind == "not-found" or (exc.kind == "http-error" and "HTTP 404" in str(exc)):
            return None
        raise
    if not isinstance(item, dict):
        return None
    notes: list[str] = []
    nested = item.get("paper") if isinstance(item.get("paper"), dict) else {}
    upvotes = item.get("upvotes", nested.get("upvotes"))
    return Paper(arxiv_id, hub_values.text_or_none(item.get("title", nested.get("title")), "title", notes, TITLE_MAX),
                 hub_values.count(upvotes, "upvotes", notes))
