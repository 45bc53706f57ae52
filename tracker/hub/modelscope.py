"""The ModelScope adapter: the only module that talks to ModelScope (modelscope.cn), through the official
client `modelscope_hub`, and turns its models into our HubModel shape.

API (read from the client's `_openapi.py`): `GET /openapi/v1/models?owner=&sort=last_modified&page_number=
&page_size=` lists an organisation's models newest first in a `{"success", "data": {"models", "total_count",
...}}` envelope, with `page_number * page_size <= 3000`; no token is needed. config.json comes from the legacy
file route that `HubApi.download_file` uses (`/api/v1/models/{owner}/{name}/repo?Revision=master&FilePath=`),
asked once through the client's own transport: `download_file` adds a region probe, five retries within an
hour's budget, a progress bar and a cache keyed by branch name, none of which a poll wants.

Requests are bounded like the Hub's: one try each (the next cycle is the retry), the tracker's timeout, and a
429 is raised as `HubError("rate-limited", retry_after=...)` instead of being slept on. This module imports
`modelscope_hub` (about 0.3 s), so only the ModelScope poll path imports it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelscope_hub import (
    APIError,
    HubConfig,
    InvalidParameter,
    NetworkError,
    NotExistError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from modelscope_hub._openapi import OpenAPIClient

from tracker.hub import bounds as hub_values
from tracker.hub.bounds import describe_item, skip_reason
from tracker.hub.errors import MAX_RATE_WAIT, HubError, connect_reason, short
from tracker.hub.shapes import HubModel, OrgListing
from tracker.hub.sources import ms_url

PAGE_SIZE = 100  # the largest page the OpenAPI listing serves
WINDOW = 3000  # page_number * page_size may not exceed this


class ModelScopeClient:
    """A small client for the ModelScope calls the tracker makes; synchronous, call it from threads."""

    def __init__(self, endpoint: str, timeout: float, home: Path, web_url: str | None = None) -> None:
        """`home`: where the client may keep its session id (never the user's ~/.modelscope)."""
        self.endpoint = endpoint.rstrip("/")
        self.web_url = (web_url or self.endpoint).rstrip("/")
        self.timeout = timeout
        config = HubConfig(endpoint=self.endpoint, token="", cache_dir=home / "cache", config_dir=home)
        self._api = OpenAPIClient(config, timeout=timeout, max_retries=1, user_agent="release-tracker")

    def url(self, repo_id: str) -> str:
        """The model's page on ModelScope."""
        return ms_url(self.web_url, repo_id)

    def list_org(self, org: str, since: datetime | None = None) -> OrgListing:
        """The organisation's public models, most recently modified first. With `since` (the last successful
        look), pages stop at the first model not modified since then: a quiet cycle is one request."""
        models: list[HubModel] = []
        skipped: list[str] = []
        number = 1
        while number * PAGE_SIZE <= WINDOW:
            with _translate(f"listing {org} on ModelScope"):
                data = self._api.list_models(owner=org, sort="last_modified", page_number=number,
                                             page_size=PAGE_SIZE)
            items = data.get("models") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise HubError("malformed", f"listing {org} on ModelScope: not a list of models")
            oldest: datetime | None = None
            for item in items:
                parsed, reason = parse_model(item)
                if parsed is None:
                    skipped.append(f"{describe_item(item)}: {reason}")
                    continue
                oldest = parsed.last_modified or oldest
                if parsed.org == org:  # owners are case-sensitive on ModelScope
                    models.append(parsed)
            total = data.get("total_count")
            if len(items) < PAGE_SIZE or (isinstance(total, int) and number * PAGE_SIZE >= total):
                break
            if since is not None and oldest is not None and oldest < since:
                break
            number += 1
        return OrgListing(org=org, models=tuple(models), skipped=tuple(skipped))

    def config(self, repo_id: str) -> tuple[dict[str, Any] | None, str | None]:
        """The model's config.json as a dict, or (None, why not)."""
        try:
            response = self._api.request("GET", url=f"{self.endpoint}/api/v1/models/{repo_id}/repo",
                                         params={"Revision": "master", "FilePath": "config.json"},
                                         require_token=False, unwrap=False)
            data = json.loads(response.content)
        except NotExistError:
            return None, "no config.json on ModelScope"
        except (APIError, NetworkError, OSError) as exc:
            return None, f"config.json could not be fetched from ModelScope: {short(exc)}"
        except ValueError:
            return None, "config.json on ModelScope is not valid JSON"
        if not isinstance(data, dict):
            return None, "config.json on ModelScope is not a JSON object"
        return hub_values.clean_json(data, "config.json", []), None


class _translate:
    """The client's exceptions as HubError, with short messages."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, HubError):
            return False
        if isinstance(exc, RateLimitError):
            wait = min(float(exc.retry_after or 1.0), MAX_RATE_WAIT)
            raise HubError("rate-limited", f"{self.what}: ModelScope answered 429: rate-limited for {wait:.0f}s",
                           retry_after=wait) from None
        if isinstance(exc, RequestTimeoutError):
            raise HubError("timeout", f"{self.what}: ModelScope did not answer in time",
                           reason="it did not answer in time") from None
        if isinstance(exc, NetworkError):  # its text is urllib3's retry story; say the cause, as for the Hub
            reason = connect_reason(exc)
            raise HubError("unreachable", f"{self.what}: cannot connect to ModelScope: {reason}",
                           reason=reason) from None
        if isinstance(exc, ServerError | APIError) and not isinstance(exc, InvalidParameter):
            status = getattr(exc, "status_code", None) or "?"
            raise HubError("http-error", f"{self.what}: ModelScope answered HTTP {status}") from None
        if isinstance(exc, InvalidParameter | ValueError):
            raise HubError("malformed", f"{self.what}: {short(exc)}") from None
        return False


def _time(value: Any, what: str, notes: list[str]) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):  # epoch seconds, as some answers give
        try:
            value = datetime.fromtimestamp(value, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            notes.append(f"{what}: out of range; dropped")
            return None
    return hub_values.time_value(value, what, notes)


def parse_model(item: Any) -> tuple[HubModel | None, str | None]:
    """Our HubModel from one ModelScope model object; (None, why) when it has no usable id."""
    if isinstance(item, dict) and isinstance(item.get("id"), str) and "/" not in item["id"]:
        owner, name = item.get("owner"), item.get("name")
        item = {**item, "id": f"{owner}/{name}"} if isinstance(owner, str) and isinstance(name, str) else item
    if (reason := skip_reason(item)) is not None:
        return None, reason
    repo_id = item["id"]
    problems: list[str] = []
    tags_raw = item.get("tags") if isinstance(item.get("tags"), list) else []
    tags = tuple(hub_values.clean_text(t, "tags", problems, limit=300) for t in tags_raw[:hub_values.MAX_ITEMS]
                 if isinstance(t, str))
    tasks = item.get("tasks") if isinstance(item.get("tasks"), list) else []
    task = next((t for t in tasks if isinstance(t, str)), None)
    license_text = hub_values.text_or_none(item.get("license"), "license", problems, limit=200)
    card = {"license": license_text} if license_text and license_text.lower() != "other" else {}
    return HubModel(
        repo_id=repo_id,
        author=repo_id.split("/", 1)[0],
        created_at=_time(item.get("created_at"), "created_at", problems),
        last_modified=_time(item.get("last_modified"), "last_modified", problems),
        private=item.get("private") is True,
        gated="manual" if item.get("gated") is True else "no",
        disabled=False,
        sha=None,
        pipeline_tag=hub_values.text_or_none(task, "tasks", problems, limit=200) if task else None,
        library_name=None,
        tags=tags,
        card_data=card,
        safetensors=None,
        config_subset=None,
        gguf=None,
        problems=tuple(dict.fromkeys(problems)),
    ), None
