"""A local fake of ModelScope's model API (modelscope.cn) for tests and benchmarks (stdlib only).

Written from the official client `modelscope-hub` 0.5.1 (`_openapi.py`, `api.py`, `errors.py`,
`_download.py`), which talks to it through `MODELSCOPE_ENDPOINT` (or `HubApi(endpoint=...)`):

- `GET /openapi/v1/models?owner=&sort=&page_number=&page_size=&search=`: the OpenAPI envelope
  `{"success": true, "request_id", "data": {"models": [...], "total_count", "page_number", "page_size"}}`;
  `page_number * page_size` over 3000 is a 400 `InputParameterError` (the client refuses it before sending).
  No token needed. Sorts: `last_modified` (and `default`, `downloads`, `likes`), newest first.
- `GET /openapi/v1/models/{owner}/{name}`: one model in the same envelope; 404 `ResourceNotFound`.
- `GET /api/v1/models/{owner}/{name}/repo?Revision=master&FilePath=config.json`: a file's bytes (the legacy
  download route `download_file` uses); 404 with the legacy body `{"Code": 10010205001, "Success": false}`.
- `GET /api/v1/repos/internalAccelerationInfo`: the region probe `download_file` sends first.
- Errors carry `{"success": false, "code": ..., "message": ..., "request_id": ...}`; 429 has `Retry-After`.
  Owners are case-sensitive (`ZhipuAI`, not `zhipuai`).

Faults as on the fake Hub (`fail`, `slow`, `hang`, `malformed`), matched by kind (`list`, `info`, `file`),
`owner=ORG` or `repo=OWNER/NAME`.

    with FakeModelScope() as ms:
        ms.add_model("ZhipuAI/GLM-5-Air", license="Apache License 2.0", config={"model_type": "glm"})
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .hub_faults import Fault, FaultSet, LoggedRequest, RequestInfo
from .quiet_server import QuietThreadingHTTPServer

MAX_WINDOW = 3000  # page_number * page_size, as the OpenAPI specification bounds it
MAX_PAGE_SIZE = 100
_MALFORMED = b'{"success": true, "data": {"models": [{"id": "broken/model", "tags": ['


@dataclass
class MSModel:
    """One model on the fake ModelScope."""

    repo_id: str
    created_at: datetime
    last_modified: datetime
    license: str | None = "Apache License 2.0"
    tags: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=lambda: ["text-generation"])
    private: bool = False
    gated: bool = False
    downloads: int = 0
    likes: int = 0
    description: str = ""
    files: dict[str, bytes] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The OpenAPI model object (snake_case, times ISO 8601 with a Z)."""
        owner, name = self.repo_id.split("/", 1)
        return {
            "id": self.repo_id, "display_name": name, "description": self.description,
            "downloads": self.downloads, "likes": self.likes,
            "created_at": _iso(self.created_at), "last_modified": _iso(self.last_modified),
            "license": self.license, "tags": list(self.tags), "tasks": list(self.tasks),
            "private": self.private, "gated": self.gated, "login_required": False,
            "file_size": sum(len(b) for b in self.files.values()),
        }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def path_kind(path: str) -> str:
    """list | info | file | probe | other."""
    if path == "/openapi/v1/models":
        return "list"
    if path.startswith("/openapi/v1/models/"):
        return "info"
    if path.startswith("/api/v1/models/") and path.endswith("/repo"):
        return "file"
    if path == "/api/v1/repos/internalAccelerationInfo":
        return "probe"
    return "other"


def compile_match(match: Callable[[RequestInfo], bool] | str | None) -> Callable[[RequestInfo], bool]:
    """None (every request), a callable, "list" / "info" / "file", "owner=ORG" (listings of ORG) or
    "repo=OWNER/NAME" (its metadata and files)."""
    if match is None:
        return lambda r: True
    if callable(match):
        return match
    if match in ("list", "info", "file"):
        return lambda r: path_kind(r.path) == match
    if match.startswith("owner="):
        owner = match.split("=", 1)[1]
        return lambda r: path_kind(r.path) == "list" and r.param("owner") == owner
    if match.startswith("repo="):
        repo = match.split("=", 1)[1]
        return lambda r: r.path in (f"/openapi/v1/models/{repo}", f"/api/v1/models/{repo}/repo")
    raise ValueError(f"unknown match spec {match!r}")


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, obj: Any, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> _Response:
    body = {"success": False, "code": code, "message": message, "request_id": uuid.uuid4().hex}
    return _json(status, body, headers)


def _ok(data: Any) -> _Response:
    return _json(200, {"success": True, "request_id": uuid.uuid4().hex, "data": data})


_FAULT_CODES = {400: "InputParameterError", 401: "InvalidAuthentication", 403: "OperationNotAllowed",
                404: "ResourceNotFound", 429: "RateLimitExceed", 500: "InternalServerError",
                502: "ServiceUnavailable", 503: "ServiceUnavailable", 504: "ServiceUnavailable"}


class FakeModelScope:
    """In-memory ModelScope with a real HTTP server on 127.0.0.1 (a daemon thread); thread-safe changes."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
        self.faults = FaultSet()
        self._lock = threading.RLock()
        self._models: dict[str, MSModel] = {}
        self._log: list[LoggedRequest] = []
        self._server: QuietThreadingHTTPServer | None = None
        self.url = ""

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeModelScope:
        self._server = QuietThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name="fake-modelscope", daemon=True).start()
        return self

    def stop(self) -> None:
        self.faults.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeModelScope:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the catalogue --------------------------------------------------------------------------
    def add_model(self, repo_id: str, *, created_at: datetime | None = None, config: dict | None = None,
                  **fields: Any) -> MSModel:
        """A public model (created now unless told); `config` becomes its config.json."""
        when = created_at or self.clock()
        files = dict(fields.pop("files", {}))
        if config is not None:
            files["config.json"] = json.dumps(config).encode()
        model = MSModel(repo_id, when, fields.pop("last_modified", when), files=files, **fields)
        with self._lock:
            self._models[repo_id] = model
        return model

    def update(self, repo_id: str, **changes: Any) -> MSModel:
        with self._lock:
            model = self._models[repo_id]
            for key, value in changes.items():
                setattr(model, key, value)
            model.last_modified = changes.get("last_modified", self.clock())
            return model

    def delete(self, repo_id: str) -> None:
        with self._lock:
            self._models.pop(repo_id, None)

    def listing(self, owner: str | None, sort: str | None) -> list[MSModel]:
        with self._lock:
            models = [m for m in self._models.values() if not m.private
                      and (owner is None or m.repo_id.split("/", 1)[0] == owner)]
        key: Callable[[MSModel], Any] = {
            "downloads": lambda m: m.downloads, "likes": lambda m: m.likes,
        }.get(sort or "", lambda m: (m.last_modified, m.repo_id))
        return sorted(models, key=key, reverse=True)

    # ---- faults and the request log -------------------------------------------------------------
    def fail(self, match: Callable[[RequestInfo], bool] | str | None, status: int, times: int | None = None,
             retry_after: int | None = None) -> Fault:
        """Answer matching requests with `status` (429 carries Retry-After, 1 s unless told)."""
        return self.faults.add(Fault("fail", compile_match(match), times, status, retry_after))

    def slow(self, match: Callable[[RequestInfo], bool] | str | None, seconds: float,
             times: int | None = None) -> Fault:
        return self.faults.add(Fault("slow", compile_match(match), times, seconds=seconds))

    def hang(self, match: Callable[[RequestInfo], bool] | str | None, times: int | None = None) -> Fault:
        """Hold matching requests unanswered until the fault is cleared or the fake stops."""
        return self.faults.add(Fault("hang", compile_match(match), times))

    def malformed(self, match: Callable[[RequestInfo], bool] | str | None, times: int | None = None) -> Fault:
        return self.faults.add(Fault("malformed", compile_match(match), times))

    def clear_faults(self) -> None:
        self.faults.clear()

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, kind: str | None = None) -> int:
        """Requests served so far (of one kind: list, info, file, probe)."""
        return sum(1 for r in self.requests() if kind is None or path_kind(r.path) == kind)

    def reset_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # ---- the API --------------------------------------------------------------------------------
    def route(self, info: RequestInfo) -> _Response:
        kind = path_kind(info.path)
        if info.method not in ("GET", "HEAD"):
            return _error(405, "OperationNotAllowed", "method not allowed")
        if kind == "list":
            return self._list(info)
        if kind == "info":
            model = self._get(info.path[len("/openapi/v1/models/"):])
            return _ok(model.payload()) if model else _error(404, "ResourceNotFound", "Model not found")
        if kind == "file":
            return self._file(info)
        if kind == "probe":
            return _json(200, {"Code": 200, "Success": True, "Data": {}})
        return _error(404, "ResourceNotFound", f"no route for {info.path}")

    def _get(self, repo_id: str) -> MSModel | None:
        with self._lock:
            model = self._models.get(repo_id)
        return model if model is not None and not model.private else None

    def _list(self, info: RequestInfo) -> _Response:
        try:
            number = int(info.param("page_number") or 1)
            size = int(info.param("page_size") or 10)
        except ValueError:
            return _error(400, "InputParameterError", "page_number and page_size must be integers")
        if number < 1 or size < 1 or size > MAX_PAGE_SIZE or number * size > MAX_WINDOW:
            return _error(400, "InputParameterError",
                          f"page_size must be 1..{MAX_PAGE_SIZE} and page_number * page_size <= {MAX_WINDOW}")
        models = self.listing(info.param("owner") or None, info.param("sort"))
        if search := (info.param("search") or "").lower():
            models = [m for m in models if search in m.repo_id.lower()]
        page = models[(number - 1) * size: number * size]
        return _ok({"models": [m.payload() for m in page], "total_count": len(models),
                    "page_number": number, "page_size": size})

    def _file(self, info: RequestInfo) -> _Response:
        repo_id = info.path[len("/api/v1/models/"):-len("/repo")]
        model = self._get(repo_id)
        name = info.param("FilePath") or ""
        if model is None or name not in model.files:
            body = {"Code": 10010205001, "Message": "file not found", "Success": False,
                    "RequestId": uuid.uuid4().hex}
            return _json(404, body)
        return _Response(200, model.files[name], {"Content-Type": "application/octet-stream"})


def _fault_response(fault: Fault) -> _Response:
    headers: dict[str, str] = {}
    if fault.status == 429:
        headers["Retry-After"] = str(1 if fault.retry_after is None else fault.retry_after)
    code = _FAULT_CODES.get(fault.status, "InternalServerError")
    return _error(fault.status, code, f"fake fault: HTTP {fault.status}", headers)


def _handler(ms: FakeModelScope) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _handle(self) -> None:
            split = urlsplit(self.path)
            query = parse_qs(split.query, keep_blank_values=True)
            info = RequestInfo(self.command, unquote(split.path), query,
                               {k.lower(): v for k, v in self.headers.items()})
            try:
                resp = self._respond(info)
            except Exception as exc:  # noqa: BLE001  (a fake bug must surface as a 500)
                resp = _error(500, "InternalServerError", f"fake error: {type(exc).__name__}: {exc}")
            with ms._lock:
                ms._log.append(LoggedRequest(info.method, info.path, query, resp.status))
            self.send_response(resp.status)
            for key, value in {"X-Request-Id": uuid.uuid4().hex, **resp.headers,
                               "Content-Length": str(len(resp.body))}.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)

        def _respond(self, info: RequestInfo) -> _Response:
            for fault in ms.faults.take(info):
                if fault.kind == "slow":
                    time.sleep(fault.seconds)
                elif fault.kind == "hang":
                    fault.released.wait()
                elif fault.kind == "malformed":
                    return _Response(200, _MALFORMED, {"Content-Type": "application/json"})
                else:
                    return _fault_response(fault)
            return ms.route(info)

        do_GET = do_HEAD = _handle  # noqa: N815

    return Handler
