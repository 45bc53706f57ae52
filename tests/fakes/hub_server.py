"""HTTP side of the fake Hub: routing, the Hub endpoints and the admin endpoints."""

from __future__ import annotations

import base64
import bisect
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from .hub_faults import LoggedRequest, RequestInfo, path_kind
from .hub_followup import PAPERS_PATH, patch_item
from .hub_model import (
    DEFAULT_LIST_KEYS,
    EXPAND_MODEL_FIELDS,
    FULL_EXTRA_KEYS,
    MODEL_INFO_KEYS,
    FakeModel,
    git_blob_sha,
)

if TYPE_CHECKING:
    from .hub import FakeHub

SORTS = ("createdAt", "lastModified", "downloads", "likes", "trendingScore")
_TRUE = {"true", "True", "1", ""}
_MALFORMED = b'[{"_id":"66a1f0c2e4b0a1b2c3d4e5f6","id":"broken/model","tags":["transformers",'


@dataclass
class Response:
    """A response to send."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    """JSON body with the Hub's content type."""
    hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Response(status, json.dumps(obj).encode(), hdrs)


def hub_error(status: int, message: str, code: str | None = None, extra: dict[str, str] | None = None) -> Response:
    """Error like the Hub's: `{"error": msg}` plus X-Error-Message (and X-Error-Code when it has one)."""
    headers = {"X-Error-Message": message, **(extra or {})}
    if code:
        headers["X-Error-Code"] = code
    return json_response(status, {"error": message}, headers)


def _token(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def encode_cursor(key: tuple[Any, str]) -> str:
    """Opaque keyset cursor (sort value, _id), base64 like the Hub's."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    """Inverse of `encode_cursor`; ValueError on garbage."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    value, oid = json.loads(raw)
    return value, str(oid)


class HubApi:
    """Endpoint logic over a `FakeHub`'s state (called from server threads)."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub

    # ---- access rules ---------------------------------------------------------------------------
    def _repo_error(self, model: FakeModel | None, repo_id: str, token: str | None) -> Response | None:
        """RepoNotFound / disabled answers, or None when the repo is visible."""
        if model is None or (model.private and token not in model.access_tokens):
            msg = "Repository not found"
            return hub_error(401 if token is None else 404, msg, "RepoNotFound")
        if model.disabled:
            if token is None:  # the Hub answers anonymous calls as if the repo did not exist
                return hub_error(401, "Repository not found", "RepoNotFound")
            return hub_error(403, "Access to this resource is disabled.")
        return None

    def _revision_ok(self, model: FakeModel, revision: str) -> bool:
        return revision in ("main", model.sha) or revision in model.previous_shas

    @staticmethod
    def _expand(query: dict[str, list[str]]) -> tuple[list[str], Response | None]:
        fields = query.get("expand", []) + query.get("expand[]", [])
        bad = [f for f in fields if f not in EXPAND_MODEL_FIELDS]
        if bad:
            allowed = ", ".join(sorted(EXPAND_MODEL_FIELDS))
            return fields, hub_error(400, f'"expand" contains invalid value {bad[0]!r}; must be one of: {allowed}')
        return list(dict.fromkeys(fields)), None

    # ---- GET /api/models ------------------------------------------------------------------------
    def list_models(self, info: RequestInfo) -> Response:
        """`GET /api/models`: filters, sort (descending), expand/full/cardData/config, keyset pagination."""
        q = info.query
        expand, err = self._expand(q)
        if err:
            return err
        full, card, config = (info.param(k) in _TRUE for k in ("full", "cardData", "config"))
        if expand and (full or card or config):
            return hub_error(400, "The 'expand' parameter cannot be used with 'full', 'cardData' or 'config'")
        sort = info.param("sort") or "createdAt"
        if sort not in SORTS:
            return hub_error(400, f"Invalid sort {sort!r}: must be one of {', '.join(SORTS)}")
        page_size = self.hub.page_size
        if (limit := info.param("limit")) is not None:
            if not limit.isdigit() or int(limit) < 1:
                return hub_error(400, '"limit" must be a positive integer')
            page_size = min(page_size, int(limit))
        if expand:
            keys = ("_id", "id", *[f for f in expand if f not in ("_id", "id")])
        else:
            keys = (
                DEFAULT_LIST_KEYS
                + (FULL_EXTRA_KEYS if full else ())
                + (("config",) if config else ())
                + (("cardData",) if card else ())
            )
        token = _token(info.headers)
        with self.hub.lock:  # a consistent snapshot even while a test thread mutates models
            return self._list_page(info, sort, page_size, keys, token)

    def _list_page(
        self, info: RequestInfo, sort: str, page_size: int, keys: tuple[str, ...], token: str | None
    ) -> Response:
        q = info.query
        author, search = info.param("author"), (info.param("search") or "").lower()
        tag_filters = q.get("filter", [])
        pipeline = info.param("pipeline_tag")
        keys_asc, models_asc = self.hub.sorted_index(author, sort)
        idx = len(keys_asc)
        if (cursor := info.param("cursor")) is not None:
            try:
                idx = bisect.bisect_left(keys_asc, decode_cursor(cursor))
            except (ValueError, TypeError):
                return hub_error(400, "Invalid cursor")
        page: list[FakeModel] = []
        more = False
        for i in range(idx - 1, -1, -1):
            m = models_asc[i]
            if m.private and token not in m.access_tokens:
                continue
            if search and search not in m.repo_id.lower():
                continue
            if pipeline and m.pipeline_tag != pipeline:
                continue
            if tag_filters and not all(t in m.hub_tags() or t == m.library_name for t in tag_filters):
                continue
            if len(page) == page_size:
                more = True
                break
            page.append(m)
        every = list(self.hub.iter_models()) if "childrenModelCount" in keys else []
        body = b"[" + b",".join(patch_item(m.render(keys), m, keys, every, True) for m in page) + b"]"
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if more:
            last = page[-1]
            params = [(k, v) for k, vs in q.items() if k != "cursor" for v in vs]
            params.append(("cursor", encode_cursor((last.sort_value(sort), last.object_id))))
            headers["Link"] = f'<{self.hub.url}/api/models?{urlencode(params)}>; rel="next"'
        return Response(200, body, headers)

    # ---- GET /api/models/{repo_id}[/revision/{rev}] ---------------------------------------------
    def model_info(self, info: RequestInfo, repo_id: str, revision: str | None) -> Response:
        """`GET /api/models/{repo_id}[/revision/{rev}]` (all fields, or `id`/`_id` + expand)."""
        expand, err = self._expand(info.query)
        if err:
            return err
        model = self.hub.lookup(repo_id)
        if (resp := self._repo_error(model, repo_id, _token(info.headers))) is not None:
            return resp
        assert model is not None
        if revision is not None and not self._revision_ok(model, revision):
            return hub_error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        keys = ("_id", "id", *[f for f in expand if f not in ("_id", "id")]) if expand else MODEL_INFO_KEYS
        body = model.render(keys, blobs=info.param("blobs") in _TRUE)
        body = patch_item(body, model, keys, list(self.hub.iter_models()) if "childrenModelCount" in keys else [],
                          False)
        if revision not in (None, "main", model.sha):  # an older commit: same data, that commit's sha
            obj = json.loads(body)
            if "sha" in obj:
                obj["sha"] = revision
            body = json.dumps(obj).encode()
        return Response(200, body, {"Content-Type": "application/json; charset=utf-8"})

    # ---- HEAD/GET /{repo_id}/resolve/{revision}/{path} ------------------------------------------
    def resolve(self, info: RequestInfo, repo_id: str, revision: str, filename: str) -> Response:
        """`HEAD`/`GET /{repo_id}/resolve/{revision}/{filename}` with X-Repo-Commit and ETag."""
        model = self.hub.lookup(repo_id)
        token = _token(info.headers)
        if (resp := self._repo_error(model, repo_id, token)) is not None:
            return resp
        assert model is not None
        if not self._revision_ok(model, revision):
            return hub_error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        if model.gated and token not in model.access_tokens:
            if token is None:
                msg = (
                    f"Access to model {repo_id} is restricted. You must have access to it"
                    " and be authenticated to access it. Please log in."
                )
                return hub_error(401, msg, "GatedRepo")
            msg = (
                f"Access to model {repo_id} is restricted and you are not in the authorized list. "
                f"Visit {self.hub.url}/{repo_id} to ask for access."
            )
            return hub_error(403, msg, "GatedRepo")
        commit = revision if revision in model.previous_shas else model.sha
        data = model.served_files().get(filename)
        if data is None:
            return hub_error(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit})
        ctype = "application/json; charset=utf-8" if filename.endswith(".json") else "text/plain; charset=utf-8"
        headers = {
            "Content-Type": ctype,
            "ETag": f'"{git_blob_sha(data)}"',
            "X-Repo-Commit": commit,
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'inline; filename="{filename.rsplit("/", 1)[-1]}"',
        }
        return Response(200, data, headers)

    # ---- router ---------------------------------------------------------------------------------
    def route(self, info: RequestInfo, raw_path: str) -> Response:
        """Dispatch one Hub request (holding the hub lock: responses see one consistent state)."""
        with self.hub.lock:
            return self._route(info, raw_path)

    def _route(self, info: RequestInfo, raw_path: str) -> Response:
        path = info.path
        if path == "/api/models" and info.method == "GET":
            return self.list_models(info)
        if path.startswith("/api/models/") and info.method == "GET":
            rest = raw_path[len("/api/models/") :]
            revision = None
            if "/revision/" in rest:
                rest, revision = rest.split("/revision/", 1)
                revision = unquote(revision)
            return self.model_info(info, unquote(rest), revision)
        if path.startswith(PAPERS_PATH) and info.method == "GET":
            status, body = self.hub.papers.page(unquote(raw_path[len(PAPERS_PATH):]))
            return Response(status, body, {"Content-Type": "application/json; charset=utf-8"})
        if "/resolve/" in raw_path and info.method in ("GET", "HEAD"):
            repo, _, tail = raw_path[1:].partition("/resolve/")
            revision, _, filename = tail.partition("/")
            if repo.count("/") <= 1 and filename:
                return self.resolve(info, unquote(repo), unquote(revision), unquote(filename))
        return hub_error(404, "Sorry, we can't find the page you are looking for.")


def make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    """Request handler class bound to `hub`."""
    api = HubApi(hub)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeHub/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr logging
            pass

        def _handle(self) -> None:
            split = urlsplit(self.path)
            raw_path = split.path
            query = parse_qs(split.query, keep_blank_values=True)
            headers = {k.lower(): v for k, v in self.headers.items()}
            info = RequestInfo(self.command, unquote(raw_path), query, headers)
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                resp = self._respond(info, raw_path, body)
            except Exception as exc:  # a fake bug must surface as a 500, not a dropped connection
                resp = hub_error(500, f"fake hub error: {type(exc).__name__}: {exc}")
            if info.kind != "admin":
                hub.log_request(LoggedRequest(info.method, info.path, query, resp.status))
            self._send(resp)

        def _respond(self, info: RequestInfo, raw_path: str, body: bytes) -> Response:
            kind = path_kind(info.path)
            if kind == "admin":
                return admin(hub, info, body)
            for fault in hub.faults.take(info):
                if fault.kind == "slow":
                    time.sleep(fault.seconds)
                elif fault.kind == "hang":
                    fault.released.wait()
                elif fault.kind == "malformed":
                    return Response(200, _MALFORMED, {"Content-Type": "application/json; charset=utf-8"})
                else:
                    return fault_response(fault, info)
            rl_headers: dict[str, str] = {}
            if (limiter := hub.rate_limiter) is not None:
                allowed, rl_headers = limiter.check(kind)
                if not allowed:
                    retry = rl_headers["RateLimit"].rsplit("t=", 1)[1]
                    resp = hub_error(
                        429,
                        "You have exceeded our rate limit: retry later.",
                        None,
                        {**rl_headers, "Retry-After": retry},
                    )
                    return resp
            resp = api.route(info, raw_path)
            resp.headers.update(rl_headers)
            return resp

        def _send(self, resp: Response) -> None:
            self.send_response(resp.status)
            headers = {
                "X-Request-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
                **resp.headers,
            }
            headers["Content-Length"] = str(len(resp.body))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._handle()

        def do_HEAD(self) -> None:  # noqa: N802
            self._handle()

        def do_POST(self) -> None:  # noqa: N802
            self._handle()

    return Handler


def admin(hub: FakeHub, info: RequestInfo, body: bytes) -> Response:
    """GET /_fake/stats; POST /_fake/reset-stats, /_fake/models (add), /_fake/update, /_fake/publish,
    /_fake/make-private, /_fake/delete, /_fake/set-license ({"repo_id", ...}), /_fake/faults
    ({"kind": "fail"|"malformed"|"slow"|"hang", "match", ...}), /_fake/clear-faults."""
    try:
        data: dict[str, Any] = json.loads(body) if body else {}
        action = info.path[len("/_fake/") :]
        if info.method == "GET" and action == "stats":
            return json_response(200, hub.stats())
        if info.method != "POST":
            return hub_error(405, "use POST")
        if action == "reset-stats":
            hub.reset_requests()
            return json_response(200, {"ok": True})
        if action == "clear-faults":
            hub.clear_faults()
            return json_response(200, {"ok": True})
        if action == "faults":
            kind = data.pop("kind", "fail")
            fn = {"fail": hub.fail, "malformed": hub.malformed, "slow": hub.slow, "hang": hub.hang}[kind]
            fn(**data)
            return json_response(200, {"ok": True})
        if "files" in data:
            data["files"] = {k: v.encode() for k, v in data["files"].items()}
        if action == "models":
            model = hub.add_model(data.pop("repo_id", None) or data.pop("id"), **data)
        else:
            repo_id = data.pop("repo_id")
            ops: dict[str, Callable[..., Any]] = {
                "update": hub.update,
                "publish": hub.publish,
                "make-private": hub.make_private,
                "delete": hub.delete,
                "set-license": hub.set_license,
            }
            if action not in ops:
                return hub_error(404, f"unknown admin action {action!r}")
            model = ops[action](repo_id, **data)
            if model is None:
                return json_response(200, {"ok": True})
        return json_response(200, {"id": model.repo_id, "_id": model.object_id, "sha": model.sha})
    except (KeyError, TypeError, ValueError) as exc:
        return hub_error(400, f"{type(exc).__name__}: {exc}")


def fault_response(fault: Any, info: RequestInfo) -> Response:
    """The response of a `fail` fault (429 gets Retry-After and the Hub's RateLimit headers)."""
    headers = dict(fault.headers)
    status = fault.status
    if status == 429:
        wait = 1 if fault.retry_after is None else fault.retry_after
        bucket = "resolve" if info.kind == "resolve" else "api"
        headers.setdefault("Retry-After", str(wait))
        headers.setdefault("RateLimit", f'"{bucket}";r=0;t={wait}')
        headers.setdefault("RateLimit-Policy", f'"fixed window";"{bucket}";q=500;w=300')
    elif fault.retry_after is not None:
        headers.setdefault("Retry-After", str(fault.retry_after))
    if status == 401:
        headers.setdefault("X-Error-Message", "Invalid credentials in Authorization header")
    if fault.body is not None:
        return Response(status, fault.body, {"Content-Type": "text/plain; charset=utf-8", **headers})
    messages = {
        401: "Invalid credentials in Authorization header",
        429: "Too Many Requests",
        500: "Internal Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return json_response(status, {"error": messages.get(status, f"HTTP {status}")}, headers)
