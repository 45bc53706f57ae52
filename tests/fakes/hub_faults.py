"""Fault injection, rate-limit emulation and the request log of the fake Hub."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

_FIXTURE = Path(__file__).resolve().parents[1] / "data" / "hub-api" / "ratelimit_headers_examples.json"
# The Hub's header strings (fixture ratelimit_headers_examples.json); `t` / `r` are filled in per response.
RATELIMIT_POLICY = '"fixed window";"{bucket}";q={q};w={w}'
RATELIMIT = '"{bucket}";r={r};t={t}'


def fixture_ratelimit_headers() -> dict[str, Any]:
    """The verbatim header examples (for tests comparing with the real strings)."""
    return json.loads(_FIXTURE.read_text())


@dataclass(frozen=True)
class RequestInfo:
    """What a fault predicate sees about a request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def kind(self) -> str:
        """list | info | resolve | admin | other."""
        return path_kind(self.path)

    def param(self, name: str) -> str | None:
        """Last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else None


class LoggedRequest(NamedTuple):
    """One served request: (method, path, query, status)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int


def path_kind(path: str) -> str:
    """Classify a request path into the Hub's endpoint kinds."""
    if path.startswith("/_fake/"):
        return "admin"
    if path == "/api/models":
        return "list"
    if path.startswith("/api/models/"):
        return "info"
    if "/resolve/" in path:
        return "resolve"
    return "other"


Match = Callable[[RequestInfo], bool] | str | None


def compile_match(match: Match) -> Callable[[RequestInfo], bool]:
    """Predicate from a spec: callable; None (every Hub request); "list" / "info" / "resolve" (endpoint kind);
    "author=ORG" (listings of ORG); "repo=ORG/NAME" (info and file requests of it); "/prefix" (path)."""
    if match is None:
        return lambda r: True
    if callable(match):
        return match
    spec = match
    if spec in ("list", "info", "resolve"):
        return lambda r: r.kind == spec
    if spec.startswith("author="):
        author = spec.split("=", 1)[1]
        return lambda r: r.kind == "list" and r.param("author") == author
    if spec.startswith("repo="):
        repo = spec.split("=", 1)[1]
        return lambda r: (
            r.path == f"/api/models/{repo}" or r.path.startswith((f"/api/models/{repo}/", f"/{repo}/resolve/"))
        )
    if spec.startswith("/"):
        return lambda r: r.path.startswith(spec)
    raise ValueError(f"unknown match spec {spec!r}")


@dataclass(eq=False)
class Fault:
    """An injected fault. `hits` counts the requests it answered; `remaining` None means until cleared."""

    kind: str  # fail | malformed | slow | hang
    predicate: Callable[[RequestInfo], bool]
    remaining: int | None = None
    status: int = 500
    retry_after: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    hits: int = 0
    released: threading.Event = field(default_factory=threading.Event)  # ends a `hang`

    @property
    def active(self) -> bool:
        """False once `times` requests were answered."""
        return self.remaining is None or self.remaining > 0


class FaultSet:
    """Thread-safe list of faults; the first active matching fault of each kind applies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)
        fault.released.set()

    def clear(self) -> None:
        with self._lock:
            faults, self._faults = self._faults, []
        for fault in faults:
            fault.released.set()

    def take(self, info: RequestInfo) -> list[Fault]:
        """Faults that apply to this request (at most one slow/hang plus one fail/malformed), consuming `times`."""
        chosen: list[Fault] = []
        seen: set[str] = set()
        with self._lock:
            for fault in self._faults:
                group = "slow" if fault.kind in ("slow", "hang") else "answer"
                if group in seen or not fault.active or not fault.predicate(info):
                    continue
                seen.add(group)
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                chosen.append(fault)
        return chosen


class RateLimiter:
    """Fixed-window limiter like the Hub's: separate "api" and "resolve" buckets, RateLimit headers."""

    def __init__(
        self,
        api: int = 500,
        resolve: int = 3000,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quotas = {"api": api, "resolve": resolve}
        self.window = window
        self._clock = clock
        self._start = clock()
        self._used: dict[str, int] = {"api": 0, "resolve": 0}
        self._lock = threading.Lock()

    def check(self, kind: str) -> tuple[bool, dict[str, str]]:
        """Count one request of `kind`; return (allowed, RateLimit headers)."""
        bucket = "resolve" if kind == "resolve" else "api"
        with self._lock:
            now = self._clock()
            elapsed = now - self._start
            if elapsed >= self.window:
                self._start += (elapsed // self.window) * self.window
                self._used = {"api": 0, "resolve": 0}
            reset = max(0, int(self._start + self.window - now + 0.999))
            quota = self.quotas[bucket]
            allowed = self._used[bucket] < quota
            if allowed:
                self._used[bucket] += 1
            remaining = quota - self._used[bucket]
        headers = {
            "RateLimit": RATELIMIT.format(bucket=bucket, r=remaining, t=reset),
            "RateLimit-Policy": RATELIMIT_POLICY.format(bucket=bucket, q=quota, w=int(self.window)),
        }
        return allowed, headers
