"""The Hub's newest models across every organisation: where quantized builds of recent releases show up.

One listing of the newest public models (`sort=createdAt`, 1,000 a page) finds GGUF, MLX, AWQ, GPTQ and FP8
re-uploads alike, with the `base_model:` tags that tie each to its release, for one request per poll cycle
whatever the number of releases; a second page is read only when the first does not reach back to the
newest model the previous listing saw. File sizes then cost one request per candidate build
(`HubClient.weight_files`, `GET /api/models/{id}?blobs=true`, as `model_info(files_metadata=True)` asks).
API reference: https://huggingface.co/docs/hub/api#get-apimodels
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.hub.bounds import skip_reason
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError, translate_errors
from tracker.hub.shapes import HubModel, parse_model

NEWEST_EXPAND = ("createdAt", "private", "library_name", "tags", "config", "safetensors", "sha")
PAGE = 1000
MAX_PAGES = 2


@dataclass(frozen=True)
class NewestModels:
    """The newest public models, newest first; `complete` when they reach back to `since` (or there is
    nothing older), `requests` the listing requests it cost."""

    models: tuple[HubModel, ...]
    complete: bool
    requests: int


def newest_models(client: HubClient, since: datetime | None, page: int = PAGE,
                  max_pages: int = MAX_PAGES) -> NewestModels:
    """The public models created after `since` across the Hub (None: the first pages), at most `max_pages`
    listing requests. Raises HubError like any listing."""
    params: list[tuple[str, Any]] = [("sort", "createdAt"), ("limit", page)]
    params += [("expand", value) for value in NEWEST_EXPAND]
    models: list[HubModel] = []
    url: str | None = "/api/models"
    requests = 0
    with translate_errors("the newest models"):
        while url is not None and requests < max_pages:
            answer = client.get_api_json(url, params if requests == 0 else None)
            requests += 1
            items = answer.data
            if not isinstance(items, list):
                raise HubError("malformed", "the newest models: the Hub answered with something else than a list")
            for item in items:
                if skip_reason(item) is not None or not isinstance(item, dict) or item.get("private"):
                    continue
                parsed = parse_model(item)
                if parsed is None:
                    continue
                if since is not None and parsed.created_at is not None and parsed.created_at <= since:
                    return NewestModels(tuple(models), True, requests)
                models.append(parsed)
            url = answer.next_url
            if since is None:
                break  # no earlier listing to reach back to: the first page is the window
    return NewestModels(tuple(models), url is None or since is None, requests)
