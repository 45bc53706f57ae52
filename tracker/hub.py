"""The Hub adapter: the only module that talks to the Hugging Face Hub (through `huggingface_hub`).

It lists a watched organisation's models and fetches one model's details and its config.json, and
turns the Hub's JSON into our own plain dataclasses; everything else in the tracker is Hub-agnostic.

We use `huggingface_hub`'s HTTP layer (`paginate`, `http_backoff`, `hf_raise_for_status`,
`build_hf_headers`, `hf_hub_download`) rather than `HfApi.list_models`, because `list_models` builds a
`ModelInfo` per item inside its generator: one model with malformed metadata would raise there and lose
the whole organisation's listing. We parse each item ourselves and skip only the bad one.
API reference: https://huggingface.co/docs/hub/api#get-apimodels
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_backoff, paginate

log = logging.getLogger(__name__)

# What one listing request asks for: everything detection and the facts need, so that a quiet cycle
# costs one request per organisation (per page of up to 1,000 models).
LIST_EXPAND = (
    "author",
    "createdAt",
    "lastModified",
    "private",
    "gated",
    "disabled",
    "pipeline_tag",
    "library_name",
    "tags",
    "cardData",
    "safetensors",
    "config",
    "gguf",
    "sha",
)


_CARD_KEYS_FOR_FACTS = ("license", "license_name", "license_link", "base_model", "base_model_relation", "tags",
                        "pipeline_tag", "library_name")


class HubError(Exception):
    """The Hub could not answer; `kind` says why in one word a person understands."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class HubModel:
    """One model as the Hub shows it, in our own shape."""

    repo_id: str
    author: str
    created_at: datetime | None
    last_modified: datetime | None
    private: bool
    gated: str  # "no" | "auto" | "manual"
    disabled: bool
    sha: str | None
    pipeline_tag: str | None
    library_name: str | None
    tags: tuple[str, ...]
    card_data: dict[str, Any]
    safetensors: dict[str, Any] | None
    config_subset: dict[str, Any] | None
    gguf: dict[str, Any] | None
    problems: tuple[str, ...] = field(default=())

    @property
    def org(self) -> str:
        return self.repo_id.split("/", 1)[0]

    def fact_meta(self) -> dict[str, Any]:
        """The metadata the facts are computed from, small enough to keep with each stored model."""
        card = {k: v for k, v in self.card_data.items() if k in _CARD_KEYS_FOR_FACTS}
        return {"card_data": card, "safetensors": self.safetensors, "gguf": self.gguf,
                "config_subset": self.config_subset}

    @property
    def name(self) -> str:
        return self.repo_id.split("/", 1)[-1]


@dataclass(frozen=True)
class OrgListing:
    """All public models of one organisation, and the items we had to skip."""

    org: str
    models: tuple[HubModel, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class TrendingModel:
    """One model of the Hub's trending list: enough to decide whether its organisation is worth proposing."""

    repo_id: str
    created_at: datetime | None
    likes: int
    trending_score: int

    @property
    def org(self) -> str:
        return self.repo_id.split("/", 1)[0]


TRENDING_EXPAND = ("createdAt", "likes", "trendingScore", "private")


class HubClient:
    """A small client for the few Hub calls the tracker makes; synchronous, call it from threads."""

    def __init__(self, endpoint: str, token: str | None, timeout: float, cache_dir: Path) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.cache_dir = cache_dir

    def _headers(self) -> dict[str, str]:
        # token=False stops huggingface_hub from picking up a locally saved login we were not given.
        return build_hf_headers(token=self._token or False, library_name="release-tracker")

    def list_org(self, org: str) -> OrgListing:
        """Every public model of `org`, newest first, with the metadata detection and facts need."""
        params: list[tuple[str, Any]] = [("author", org), ("sort", "createdAt")]
        params += [("expand", value) for value in LIST_EXPAND]
        models: list[HubModel] = []
        skipped: list[str] = []
        with _translate_errors(f"listing {org}"):
            for item in paginate(f"{self.endpoint}/api/models", params=params, headers=self._headers(),
                                 timeout=self.timeout):
                parsed = parse_model(item)
                if parsed is None:
                    skipped.append(str(item.get("id") if isinstance(item, dict) else item)[:120])
                    continue
                # Listings can in theory include models of other authors (e.g. search fallbacks).
                if parsed.org.lower() == org.lower():
                    models.append(parsed)
        return OrgListing(org=org, models=tuple(models), skipped=tuple(skipped))

    def trending(self, limit: int = 100) -> list[TrendingModel]:
        """The Hub's trending models (`sort=trendingScore`), one request of up to `limit` (no further pages)."""
        params: list[tuple[str, Any]] = [("sort", "trendingScore"), ("limit", limit)]
        params += [("expand", value) for value in TRENDING_EXPAND]
        with _translate_errors("trending list"):
            response = http_backoff("GET", f"{self.endpoint}/api/models", params=params, headers=self._headers(),
                                    timeout=self.timeout, max_retries=2)
            hf_raise_for_status(response)
            items = response.json()
        if not isinstance(items, list):
            raise HubError("malformed", "trending list: the Hub answered with something else than a list")
        found: list[TrendingModel] = []
        for item in items[:limit]:
            repo_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(repo_id, str) or "/" not in repo_id or len(repo_id) > 200 or item.get("private"):
                continue
            likes, score = item.get("likes"), item.get("trendingScore")
            found.append(TrendingModel(repo_id, parse_time(item.get("createdAt")),
                                       likes if isinstance(likes, int) and not isinstance(likes, bool) else 0,
                                       score if isinstance(score, int) and not isinstance(score, bool) else 0))
        return found

    def model(self, repo_id: str) -> HubModel:
        """One model's details now; raises HubError('not-found' | 'gated' | ...) when it cannot."""
        url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
        params = [("expand", value) for value in LIST_EXPAND]
        with _translate_errors(repo_id):
            response = http_backoff("GET", url, params=params, headers=self._headers(), timeout=self.timeout,
                                    max_retries=2)
            hf_raise_for_status(response)
            try:
                item = response.json()
            except ValueError:
                raise HubError("malformed", f"{repo_id}: the Hub answered with malformed JSON") from None
        parsed = parse_model(item)
        if parsed is None:
            raise HubError("malformed", f"{repo_id}: the Hub's metadata for this model is malformed")
        return parsed

    def config(self, repo_id: str, revision: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
        """The model's config.json as a dict, or (None, reason) when it is missing, gated or unreadable."""
        try:
            path = hf_hub_download(
                repo_id,
                "config.json",
                revision=revision,
                endpoint=self.endpoint,
                token=self._token or False,
                cache_dir=self.cache_dir,
                etag_timeout=self.timeout,
                library_name="release-tracker",
            )
        except GatedRepoError:
            return None, "gated: config.json needs access"
        except LocalEntryNotFoundError:
            return None, "config.json could not be fetched: the Hub did not answer"
        except EntryNotFoundError:
            return None, "no config.json in the repo"
        except RepositoryNotFoundError:
            return None, "repo not found or private"
        except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
            return None, f"config.json could not be fetched: {_short(exc)}"
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, "config.json is not valid JSON"
        if not isinstance(data, dict):
            return None, "config.json is not a JSON object"
        return data, None


class _translate_errors:
    """Turn huggingface_hub / network exceptions into HubError with a short, token-free message."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, HubError):
            return False
        if isinstance(exc, GatedRepoError):
            raise HubError("gated", f"{self.what}: gated repo (access needed)") from None
        if isinstance(exc, RepositoryNotFoundError | RevisionNotFoundError):
            raise HubError("not-found", f"{self.what}: not found on the Hub (deleted, private or misspelt)") from None
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else "?"
            kind = "rate-limited" if status == 429 else "http-error"
            raise HubError(kind, f"{self.what}: the Hub answered HTTP {status}") from None
        if isinstance(exc, httpx2.TimeoutException):
            raise HubError("timeout", f"{self.what}: the Hub did not answer in time") from None
        if isinstance(exc, httpx2.HTTPError | OSError):
            raise HubError("network", f"{self.what}: network error: {_short(exc)}") from None
        if isinstance(exc, ValueError):
            raise HubError("malformed", f"{self.what}: the Hub answered with malformed data") from None
        return False


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from the Hub as an aware UTC datetime, or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _gated(value: Any) -> str:
    if value in ("auto", "manual"):
        return value
    return "manual" if value is True else "no"


def parse_model(item: Any) -> HubModel | None:
    """Our HubModel from one Hub JSON item; None when the item has no usable id.

    Anything else malformed is tolerated: the field becomes None and a problem is noted.
    """
    if not isinstance(item, dict):
        return None
    repo_id = item.get("id") or item.get("modelId")
    if not isinstance(repo_id, str) or "/" not in repo_id or len(repo_id) > 200:
        return None
    problems: list[str] = []

    def as_dict(key: str) -> dict[str, Any] | None:
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        problems.append(f"{key} is not an object")
        return None

    tags_raw = item.get("tags")
    tags = tuple(t for t in tags_raw if isinstance(t, str)) if isinstance(tags_raw, list) else ()
    safetensors = as_dict("safetensors")
    if safetensors is not None and not isinstance(safetensors.get("parameters"), dict):
        problems.append("safetensors has no parameter table")
        safetensors = None
    text = {k: (v if isinstance(v, str) else None) for k, v in item.items()
            if k in ("pipeline_tag", "library_name", "sha", "author")}
    return HubModel(
        repo_id=repo_id,
        author=text.get("author") or repo_id.split("/", 1)[0],
        created_at=parse_time(item.get("createdAt")),
        last_modified=parse_time(item.get("lastModified")),
        private=bool(item.get("private", False)),
        gated=_gated(item.get("gated")),
        disabled=bool(item.get("disabled", False)),
        sha=text.get("sha"),
        pipeline_tag=text.get("pipeline_tag"),
        library_name=text.get("library_name"),
        tags=tags,
        card_data=as_dict("cardData") or {},
        safetensors=safetensors,
        config_subset=as_dict("config"),
        gguf=as_dict("gguf"),
        problems=tuple(problems),
    )


def model_url(endpoint: str, repo_id: str) -> str:
    """The public web page of a model."""
    return f"{endpoint.rstrip('/')}/{repo_id}"
