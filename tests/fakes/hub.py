"""A local fake of the Hugging Face Hub API for tests and benchmarks (stdlib only).

Use it with the real client: `HfApi(endpoint=hub.url)` / `hf_hub_download(..., endpoint=hub.url)`.

    with FakeHub(page_size=2) as hub:
        hub.add_model("acme/Widget-7B", safetensors={"BF16": 7_000_000_000})
        infos = list(HfApi(endpoint=hub.url).list_models(author="acme", expand=["safetensors"]))

Standalone (benchmarks): `python -m tests.fakes.hub --port 0 --orgs 40 --models-per-org 300 --print-url`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import fields as dc_fields
from datetime import UTC, datetime
from typing import Any

from .hub_faults import (
    Fault,
    FaultSet,
    LoggedRequest,
    Match,
    RateLimiter,
    RequestInfo,
    compile_match,
    path_kind,
)
from .hub_followup import PaperShelf
from .hub_model import NON_COMMIT_FIELDS, FakeModel, parse_when
from .hub_server import SORTS, make_handler
from .quiet_server import QuietThreadingHTTPServer

__all__ = ["SORTS", "FakeHub", "FakeModel", "Fault", "LoggedRequest", "RequestInfo"]

_UPDATABLE = {f.name for f in dc_fields(FakeModel)} - {
    "repo_id",
    "object_id",
    "sha",
    "previous_shas",
    "access_tokens",
    "_cache",
    "created_at",
}


class FakeHub:
    """In-memory Hub with a real HTTP server on 127.0.0.1 (a daemon thread). Thread-safe state changes."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 1000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`page_size`: listing page size (the Hub's is 1000); `clock` returns "now" (aware datetime)."""
        self.page_size = page_size
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.faults = FaultSet()
        self.rate_limiter: RateLimiter | None = None
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._models: dict[str, FakeModel] = {}
        self._by_author: dict[str, list[FakeModel]] = {}
        self._index: dict[tuple[str | None, str], tuple[list[tuple[Any, str]], list[FakeModel]]] = {}
        self._seq = 0
        self.papers = PaperShelf()  # paper pages, `GET /api/papers/{arxiv id}` (tests/fakes/hub_followup.py)
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._server: QuietThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def lock(self) -> threading.RLock:
        """The state lock (the server holds it while building a response)."""
        return self._lock

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeHub:
        """Start serving; sets `url` (e.g. http://127.0.0.1:41234)."""
        server = QuietThreadingHTTPServer((self._host, self._port), make_handler(self))
        self._server = server
        self.url = f"http://{self._host}:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-hub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.faults.clear()  # lets held (`hang`) requests go
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- models ---------------------------------------------------------------------------------
    def _next_sha(self, repo_id: str) -> str:
        self._seq += 1
        return hashlib.sha1(f"{repo_id}\0{self._seq}".encode()).hexdigest()

    def _changed(self, model: FakeModel) -> None:
        """Drop the sorted indexes that may include `model` (its org's and the global ones)."""
        for key in [k for k in self._index if k[0] is None or k[0] == model.author]:
            del self._index[key]

    def add_model(
        self,
        repo_id: str,
        *,
        created_at: datetime | str | None = None,
        last_modified: datetime | str | None = None,
        private: bool = False,
        gated: bool | str = False,
        disabled: bool = False,
        license: str | None = "apache-2.0",  # noqa: A002 - the Hub's field name
        license_name: str | None = None,
        license_link: str | None = None,
        pipeline_tag: str | None = "text-generation",
        library_name: str | None = "transformers",
        tags: tuple[str, ...] | list[str] = (),
        card_data: dict[str, Any] | None = None,
        base_model: str | list[str] | None = None,
        base_model_relation: str | None = None,
        safetensors: dict[str, int] | None = None,
        config: dict[str, Any] | None = None,
        tokenizer_config: dict[str, Any] | None = None,
        files: dict[str, bytes] | None = None,
        weight_files: dict[str, int] | None = None,
        readme: str | None = "",
        gguf: dict[str, Any] | None = None,
        downloads: int = 0,
        downloads_all_time: int | None = None,
        likes: int = 0,
        trending_score: int = 0,
        api_override: dict[str, Any] | None = None,
    ) -> FakeModel:
        """Create a repo. `card_data` is merged over the card built from license/base_model/tags/...;
        `config` is the full config.json (served as a file; its subset is the API's `config`);
        `safetensors` is {dtype: n} (total computed); `gated` is False, "auto" or "manual"; `api_override`
        serves API fields as given (e.g. {"safetensors": {"total": 2**64}} or {"cardData": []}); `readme` is the
        card's Markdown under the front matter ("" = just a heading, None = the repo has no README.md)."""
        now = self.clock()
        created = parse_when(created_at) if created_at is not None else now
        modified = parse_when(last_modified) if last_modified is not None else created
        with self._lock:
            if repo_id in self._models:
                raise ValueError(f"{repo_id} already exists")
            self._seq += 1
            rid = hashlib.sha1(repo_id.encode()).hexdigest()[:10]
            object_id = f"{int(created.timestamp()) & 0xFFFFFFFF:08x}{rid}{self._seq & 0xFFFFFF:06x}"
            model = FakeModel(
                repo_id=repo_id,
                object_id=object_id,
                sha=self._next_sha(repo_id),
                created_at=created,
                last_modified=modified,
                private=private,
                gated=gated,
                disabled=disabled,
                license=license,
                license_name=license_name,
                license_link=license_link,
                pipeline_tag=pipeline_tag,
                library_name=library_name,
                tags=tuple(tags),
                card_data=dict(card_data or {}) or None,
                base_model=base_model,
                base_model_relation=base_model_relation,
                safetensors=dict(safetensors) if safetensors is not None else None,
                config=config,
                tokenizer_config=tokenizer_config,
                files=dict(files or {}),
                weight_files=weight_files,
                readme=readme,
                gguf=gguf,
                downloads=downloads,
                likes=likes,
                trending_score=trending_score,
                api_override=dict(api_override or {}),
                downloads_all_time=downloads if downloads_all_time is None else downloads_all_time,
            )
            self._models[repo_id] = model
            self._by_author.setdefault(model.author, []).append(model)
            self._changed(model)
        return model

    def get(self, repo_id: str) -> FakeModel:
        """The live record (read-only; KeyError if missing)."""
        with self._lock:
            return self._models[repo_id]

    def lookup(self, repo_id: str) -> FakeModel | None:
        """The record or None."""
        with self._lock:
            return self._models.get(repo_id)

    def __contains__(self, repo_id: object) -> bool:
        return repo_id in self._models

    def __len__(self) -> int:
        return len(self._models)

    def model_ids(self) -> list[str]:
        """All repo ids (private included)."""
        with self._lock:
            return list(self._models)

    def update(self, repo_id: str, *, last_modified: datetime | str | None = None, **changes: Any) -> FakeModel:
        """Change fields (add_model's names). All but downloads/likes/trending_score/private/gated/disabled
        is a commit: new sha (the old one stays resolvable) and lastModified = `last_modified` or now."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {sorted(unknown)}")
        with self._lock:
            model = self._models[repo_id]
            for key, value in changes.items():
                if key == "tags":
                    value = tuple(value)
                setattr(model, key, value)
            if set(changes) - NON_COMMIT_FIELDS or last_modified is not None:
                self._commit(model, last_modified)
            model.invalidate()
            self._changed(model)
        return model

    def _commit(self, model: FakeModel, when: datetime | str | None = None) -> None:
        model.previous_shas.append(model.sha)
        model.sha = self._next_sha(model.repo_id)
        model.last_modified = parse_when(when) if when is not None else self.clock()

    def publish(self, repo_id: str, *, bump_last_modified: bool = True) -> FakeModel:
        """Private -> public. The Hub records no "made public" time; lastModified is bumped by default (as if
        the release commit landed with the flip) — pass False to keep it."""
        with self._lock:
            model = self._models[repo_id]
            model.private = False
            if bump_last_modified:
                model.last_modified = self.clock()
            model.invalidate()
            self._changed(model)
        return model

    def make_private(self, repo_id: str) -> FakeModel:
        """Public -> private (disappears from listings and info)."""
        return self.update(repo_id, private=True)

    def set_license(
        self,
        repo_id: str,
        license: str,
        license_name: str | None = None,  # noqa: A002
        license_link: str | None = None,
    ) -> FakeModel:
        """Edit the README license (cardData and the `license:` tag); a commit (new sha, lastModified)."""
        return self.update(repo_id, license=license, license_name=license_name, license_link=license_link)

    def grant_access(self, repo_id: str, token: str) -> None:
        """Let `token` (sent as Bearer) see a private repo / download a gated one."""
        with self._lock:
            model = self._models[repo_id]
            model.access_tokens.add(token)
            self._changed(model)

    def delete(self, repo_id: str) -> None:
        """Remove a repo."""
        with self._lock:
            model = self._models.pop(repo_id)
            self._by_author[model.author].remove(model)
            self._changed(model)

    def sorted_index(self, author: str | None, sort: str) -> tuple[list[tuple[Any, str]], list[FakeModel]]:
        """(keys, models) ascending by (sort value, _id) for one author or all; cached until a change."""
        with self._lock:
            cached = self._index.get((author, sort))
            if cached is None:
                pool = self._by_author.get(author, []) if author is not None else self._models.values()
                pairs = sorted(((m.sort_value(sort), m.object_id), m) for m in pool)
                cached = ([k for k, _ in pairs], [m for _, m in pairs])
                self._index[(author, sort)] = cached
            return cached

    # ---- faults and rate limits -----------------------------------------------------------------
    def fail(
        self,
        match: Match,
        status: int,
        times: int | None = None,
        retry_after: int | None = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer matching requests with `status` (`times` of them, None = until cleared). 429 carries
        Retry-After and `RateLimit: "api";r=0;t=<retry_after>` (default 1 s, as the client waits t+1 s)."""
        raw = body.encode() if isinstance(body, str) else body
        return self.faults.add(
            Fault("fail", compile_match(match), times, status, retry_after, raw, dict(headers or {}))
        )

    def malformed(self, match: Match, times: int | None = None) -> Fault:
        """Answer matching requests 200 with a truncated JSON body."""
        return self.faults.add(Fault("malformed", compile_match(match), times))

    def slow(self, match: Match, seconds: float, times: int | None = None) -> Fault:
        """Delay matching requests by `seconds` (then answer normally, or per another fault)."""
        return self.faults.add(Fault("slow", compile_match(match), times, seconds=seconds))

    def hang(self, match: Match, times: int | None = None) -> Fault:
        """Hold matching requests without answering (a Hub that accepts connections and never replies)
        until the fault is removed or cleared, or the fake stops; `hits` counts the requests held."""
        return self.faults.add(Fault("hang", compile_match(match), times))

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def enable_rate_limit(self, api: int = 500, resolve: int = 3000, window: float = 300.0) -> RateLimiter:
        """Emulate the Hub's fixed-window quotas (anonymous: 500 API calls / 300 s; /resolve/ separate)."""
        self.rate_limiter = RateLimiter(api, resolve, window)
        return self.rate_limiter

    def disable_rate_limit(self) -> None:
        """Back to unlimited (the default)."""
        self.rate_limiter = None

    # ---- request log ----------------------------------------------------------------------------
    def log_request(self, entry: LoggedRequest) -> None:
        """Record one served request (called by the server)."""
        with self._log_lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Copy of the log: (method, path, query {name: [values]}, status); admin calls are not logged."""
        with self._log_lock:
            return list(self._log)

    def count(
        self,
        path_prefix: str | None = None,
        method: str | None = None,
        kind: str | None = None,
        status: int | None = None,
    ) -> int:
        """Logged requests matching all given filters (`kind`: list | info | resolve | other)."""
        return sum(
            1
            for r in self.requests
            if (path_prefix is None or r.path.startswith(path_prefix))
            and (method is None or r.method == method)
            and (kind is None or path_kind(r.path) == kind)
            and (status is None or r.status == status)
        )

    def reset_requests(self) -> None:
        """Empty the log."""
        with self._log_lock:
            self._log.clear()

    def stats(self) -> dict[str, Any]:
        """Counts by endpoint kind and by status, for `GET /_fake/stats`."""
        log = self.requests
        return {
            "total": len(log),
            "by_kind": dict(Counter(path_kind(r.path) for r in log)),
            "by_status": {str(k): v for k, v in Counter(r.status for r in log).items()},
            "models": len(self._models),
        }

    def iter_models(self) -> Iterator[FakeModel]:
        """Snapshot iterator over all records."""
        with self._lock:
            models = list(self._models.values())
        yield from models


def main(argv: list[str] | None = None) -> None:
    """CLI: serve a populated fake Hub until killed; first stdout line is the URL with --print-url."""
    from .hub_catalog import populate_bulk, populate_catalog  # noqa: PLC0415  (import cycle: hub_catalog imports hub)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--orgs", type=int, default=0)
    parser.add_argument("--models-per-org", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--catalog", action="store_true", help="also add the realistic catalog models")
    parser.add_argument("--rate-limit", type=int, default=0, help="API calls per 300 s window (0 = off)")
    parser.add_argument("--print-url", action="store_true")
    args = parser.parse_args(argv)
    hub = FakeHub(host=args.host, port=args.port, page_size=args.page_size)
    if args.orgs and args.models_per_org:
        populate_bulk(hub, args.orgs, args.models_per_org, seed=args.seed)
    if args.catalog:
        populate_catalog(hub)
    if args.rate_limit:
        hub.enable_rate_limit(api=args.rate_limit)
    hub.start()
    if args.print_url:
        print(hub.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    hub.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
