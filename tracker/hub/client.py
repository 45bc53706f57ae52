"""The Hub adapter: the only module that talks to the Hugging Face Hub (through `huggingface_hub`).

It lists a watched organisation's models and fetches one model's details and its config.json, and
turns the Hub's JSON into our own plain dataclasses (`tracker.hub.shapes`); everything else in the tracker
is Hub-agnostic.

We use `huggingface_hub`'s HTTP layer (`http_backoff`, `hf_raise_for_status`, `build_hf_headers`,
`hf_hub_download`) rather than `HfApi.list_models`, because `list_models` builds a `ModelInfo` per item
inside its generator: one model with malformed metadata would raise there and lose the whole
organisation's listing. We parse each item ourselves and skip only the bad one.

Requests are bounded: a few quick retries of read errors and 5xx, none of a failed connection (DNS, refused,
TLS: the Hub is unreachable, which `reachable()` confirms), and a 429 that asks for a long wait is not slept
on but raised as `HubError("rate-limited", retry_after=...)`, so one organisation never holds the others.
API reference: https://huggingface.co/docs/hub/api#get-apimodels
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from huggingface_hub import hf_hub_download, set_client_factory
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import (
    build_hf_headers,
    hf_raise_for_status,
    http_backoff,
)
from huggingface_hub.utils._http import default_client_factory

from tracker.hub import bounds as hub_values
from tracker.hub.bounds import describe_item, skip_reason
from tracker.hub.errors import HubError, connect_reason, rate_limit_wait, short, translate_errors
from tracker.hub.shapes import HubModel, OrgListing, Readme, TrendingModel, parse_model, weight_manifest

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


README_MAX_BYTES = 1_000_000


RETRIES = 2  # of read errors and 5xx, after 0.5 s and 1 s
CONNECT_TIMEOUT = 10.0
PROBE_TIMEOUT = 5.0  # does the Hub answer at all: a silent Hub is told apart from a slow listing in this long
SHORT_RATE_WAIT = 5.0  # a 429 asking for at most this long is waited out once, in place
# Not ConnectError / ConnectTimeout (an unreachable Hub fails at once), nor timeouts (already long: a slow
# organisation would hold the next cycle of every other one for several of them).
_RETRY_ON = (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)


TRENDING_EXPAND = ("createdAt", "likes", "trendingScore", "private")


@dataclass(frozen=True)
class ApiAnswer:
    """One answer of the Hub's API: its decoded JSON, and the next page's URL when it is a page of a listing
    (`Link: rel="next"`; None on the last page, or for an answer that is not a listing)."""

    data: Any
    next_url: str | None = None


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

    def _get(self, url: str, params: list[tuple[str, Any]] | None = None) -> httpx2.Response:
        """One GET with bounded retries; a long 429 raises HubError('rate-limited') instead of sleeping."""
        for attempt in range(2):
            response = http_backoff("GET", url, params=params, headers=self._headers(),
                                    timeout=httpx2.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout)),
                                    max_retries=RETRIES, base_wait_time=0.5, max_wait_time=2,
                                    retry_on_exceptions=_RETRY_ON, retry_on_status_codes=(500, 502, 503, 504))
            if response.status_code != 429:
                hf_raise_for_status(response)
                return response
            wait = rate_limit_wait(response.headers)
            if attempt == 0 and wait <= SHORT_RATE_WAIT:
                time.sleep(wait)
                continue
            raise HubError("rate-limited", f"the Hub answered 429: rate-limited for {wait:.0f}s", retry_after=wait)
        raise AssertionError("unreachable")

    def get_api_json(self, path: str, params: list[tuple[str, Any]] | None = None) -> ApiAnswer:
        """GET a path of the Hub's API (`/api/models`, `/api/papers/2505.09388`), or a listing's next page as
        `next_url` gave it, with `params`; returns the decoded JSON and the next page's URL.

        The polls' own bounded GET: a few quick retries of read errors and 5xx, none of a failed connection,
        a 429 asking for at most SHORT_RATE_WAIT waited out once and a longer one raised as
        HubError('rate-limited'). Other failures raise as huggingface_hub's and httpx2's exceptions, a body
        that is not JSON as ValueError: call it inside `translate_errors(what)` to get HubErrors."""
        url = path if path.startswith(("https://", "http://")) else f"{self.endpoint}/{path.lstrip('/')}"
        response = self._get(url, params)
        return ApiAnswer(response.json(), response.links.get("next", {}).get("url"))

    def reachable(self) -> str | None:
        """None when the Hub answers anything at all over HTTP; else why it cannot be reached or is silent
        (one try, PROBE_TIMEOUT for the answer)."""
        wait = min(PROBE_TIMEOUT, self.timeout)
        try:
            httpx2.head(self.endpoint, timeout=httpx2.Timeout(wait, connect=min(CONNECT_TIMEOUT, self.timeout)),
                        headers=self._headers())
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.ProxyError) as exc:
            return connect_reason(exc)
        except httpx2.ReadTimeout:
            return f"it accepts connections but does not answer (nothing within {wait:.0f} s)"
        except (httpx2.HTTPError, OSError):
            return None  # it connected: whatever went wrong after that is not "unreachable"
        return None

    def _pages(self, url: str, params: list[tuple[str, Any]]) -> Iterator[Any]:
        """The items of a listing, following `Link: rel="next"`."""
        next_url: str | None = url
        while next_url is not None:
            response = self._get(next_url, params if next_url == url else None)
            page = response.json()
            if not isinstance(page, list):
                raise HubError("malformed", "the Hub's listing is not a JSON list")
            yield from page
            next_url = response.links.get("next", {}).get("url")

    def list_org(self, org: str) -> OrgListing:
        """Every public model of `org`, newest first, with the metadata detection and facts need."""
        params: list[tuple[str, Any]] = [("author", org), ("sort", "createdAt")]
        params += [("expand", value) for value in LIST_EXPAND]
        models: list[HubModel] = []
        skipped: list[str] = []
        with translate_errors(f"listing {org}"):
            for item in self._pages(f"{self.endpoint}/api/models", params):
                if (reason := skip_reason(item)) is not None:
                    skipped.append(f"{describe_item(item)}: {reason}")
                    continue
                parsed = parse_model(item)
                assert parsed is not None
                # Listings can in theory include models of other authors (e.g. search fallbacks).
                if parsed.org.lower() == org.lower():
                    models.append(parsed)
        return OrgListing(org=org, models=tuple(models), skipped=tuple(skipped))

    def trending(self, limit: int = 100) -> list[TrendingModel]:
        """The Hub's trending models (`sort=trendingScore`), one request of up to `limit` (no further pages)."""
        params: list[tuple[str, Any]] = [("sort", "trendingScore"), ("limit", limit)]
        params += [("expand", value) for value in TRENDING_EXPAND]
        with translate_errors("trending list"):
            response = http_backoff("GET", f"{self.endpoint}/api/models", params=params, headers=self._headers(),
                                    timeout=self.timeout, max_retries=2)
            hf_raise_for_status(response)
            items = response.json()
        if not isinstance(items, list):
            raise HubError("malformed", "trending list: the Hub answered with something else than a list")
        found: list[TrendingModel] = []
        for item in items[:limit]:
            if skip_reason(item) is not None or item.get("private"):
                continue  # an id the Hub client rejects, or not a public model
            notes: list[str] = []
            repo_id = item.get("id") or item["modelId"]
            found.append(TrendingModel(repo_id, hub_values.time_value(item.get("createdAt"), "createdAt", notes),
                                       hub_values.count(item.get("likes"), "likes", notes) or 0,
                                       hub_values.count(item.get("trendingScore"), "trendingScore", notes) or 0))
        return found

    def model(self, repo_id: str) -> HubModel:
        """One model's details now; raises HubError('not-found' | 'gated' | ...) when it cannot."""
        url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
        params = [("expand", value) for value in LIST_EXPAND]
        with translate_errors(repo_id):
            response = self._get(url, params)
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
        except HFValidationError:
            return None, "config.json not fetched: the repo id is not one the Hub client accepts"
        except GatedRepoError:
            return None, CONFIG_PROBLEMS[0]
        except LocalEntryNotFoundError:
            return None, CONFIG_PROBLEMS[1]
        except EntryNotFoundError:
            return None, CONFIG_PROBLEMS[2]
        except RepositoryNotFoundError:
            return None, CONFIG_PROBLEMS[3]
        except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
            return None, f"config.json could not be fetched: {short(exc)}"
        return _read_config(path)

    def cached_config(self, repo_id: str, revision: str | None = None) -> dict[str, Any] | None:
        """The config.json read earlier at `revision`, from the local cache only (no request); None if absent."""
        try:
            path = hf_hub_download(repo_id, "config.json", revision=revision, endpoint=self.endpoint,
                                   cache_dir=self.cache_dir, local_files_only=True, library_name="release-tracker")
        except (LocalEntryNotFoundError, EntryNotFoundError, OSError, ValueError):
            return None
        return _read_config(path)[0]


    def weight_files(self, repo_id: str, revision: str | None = None) -> dict[str, dict[str, Any]] | None:
        """The repo's weight files at `revision` ({name: {"size", "sha256"}}), one API request; None when the
        Hub cannot say (the caller then compares what the listing shows)."""
        url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
        if revision:
            url += f"/revision/{quote(revision, safe='')}"
        try:
            response = http_backoff("GET", url, params=[("blobs", "true")], headers=self._headers(),
                                    timeout=self.timeout, max_retries=1)
            hf_raise_for_status(response)
            siblings = response.json().get("siblings")
        except (HfHubHTTPError, httpx2.HTTPError, OSError, ValueError, AttributeError):
            return None
        return weight_manifest(siblings)

    def readme(self, repo_id: str, revision: str | None = None) -> Readme:
        """The model card (README.md) in one request, with its blob sha; never raises for Hub trouble."""
        return _read_readme(self, repo_id, revision)

# What `HubClient.config` says when it has no config (a poll keeps it as a note of the model's facts).
CONFIG_PROBLEMS = (
    "gated: config.json needs access",
    "config.json could not be fetched: the Hub did not answer",
    "no config.json in the repo",
    "repo not found or private",
    "config.json is not valid JSON",
    "config.json is not a JSON object",
)


def is_config_problem(note: str) -> bool:
    """True for a note that `HubClient.config` wrote when it could not read config.json."""
    return note in CONFIG_PROBLEMS or note.startswith("config.json could not be fetched: ")


def _read_config(path: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, CONFIG_PROBLEMS[4]
    if not isinstance(data, dict):
        return None, CONFIG_PROBLEMS[5]
    return hub_values.clean_json(data, "config.json", []), None


def observe_requests(on_response: Callable[[str], None]) -> None:
    """The metrics hook: `on_response(status)` after every HTTP request huggingface_hub makes (listings,
    model info, config.json downloads, each retry), with the status code, or "error" when no answer came.
    It wraps `send` of the library's shared client, built by the library's own default factory."""
    global _on_response
    _on_response = on_response
    def factory() -> httpx2.Client:
        client = default_client_factory()
        send = client.send

        def observed_send(request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
            try:
                response = send(request, **kwargs)
            except httpx2.HTTPError:
                _on_response("error")
                raise
            _on_response(str(response.status_code))
            return response

        client.send = observed_send  # type: ignore[method-assign]
        return client

    set_client_factory(factory)


def _ignore(_status: str) -> None:
    return None


_on_response: Callable[[str], None] = _ignore


def _read_readme(client: HubClient, repo_id: str, revision: str | None) -> Readme:
    url = f"{client.endpoint}/{quote(repo_id, safe='/')}/resolve/{quote(revision or 'main', safe='')}/README.md"
    try:
        response = http_backoff("GET", url, headers=client._headers(), timeout=client.timeout, max_retries=1,
                                follow_redirects=True)
        hf_raise_for_status(response)
    except GatedRepoError:
        return Readme(None, None, "gated: README.md needs access")
    except EntryNotFoundError:
        return Readme(None, None, "no README.md in the repo")
    except RepositoryNotFoundError:
        return Readme(None, None, "repo not found or private")
    except RevisionNotFoundError:
        return Readme(None, None, "README.md could not be fetched: commit gone", final=False)
    except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
        return Readme(None, None, f"README.md could not be fetched: {short(exc)}", final=False)
    etag = response.headers.get("X-Linked-ETag") or response.headers.get("ETag") or ""
    text = response.content[:README_MAX_BYTES].decode("utf-8", errors="replace")
    return Readme(text, etag.strip('"').removeprefix("W/").strip('"') or None)
