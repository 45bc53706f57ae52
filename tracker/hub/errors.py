"""The Hub's failures in our words: HubError and its kinds, the translation of huggingface_hub and network
exceptions into it (short, token-free messages), and how long a 429 asks us to wait."""

from __future__ import annotations

from typing import Any

import httpx2
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers

MAX_RATE_WAIT = 3600.0  # the longest a 429 may silence an organisation (an hour)


class HubError(Exception):
    """The Hub could not answer; `kind` says why in one word a person understands (`unreachable`: no
    connection at all; `rate-limited`: try again after `retry_after` seconds)."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.reason = reason or message


class translate_errors:
    """Turn huggingface_hub / network exceptions into HubError with a short, token-free message."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, HubError):
            if exc.kind == "rate-limited":
                raise HubError(exc.kind, f"{self.what}: {exc}", exc.retry_after) from None
            return False
        if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.ProxyError):
            reason = connect_reason(exc)
            raise HubError("unreachable", f"{self.what}: cannot connect to the Hub: {reason}", reason=reason) from None
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
            raise HubError("network", f"{self.what}: network error: {short(exc)}") from None
        if isinstance(exc, ValueError):
            raise HubError("malformed", f"{self.what}: the Hub answered with malformed data") from None
        return False


def rate_limit_wait(headers: Any) -> float:
    """Seconds a 429 asks us to wait: the `RateLimit` header's reset, else `Retry-After`, else 1; at most
    MAX_RATE_WAIT."""
    info = parse_ratelimit_headers(headers)
    if info is not None and info.remaining == 0:
        return min(float(info.reset_in_seconds), MAX_RATE_WAIT)
    value = str(headers.get("Retry-After", "")).strip()
    # Capped: a Hub (or a proxy) asking for years would silence an organisation until the next restart.
    return min(float(value), MAX_RATE_WAIT) if value.isascii() and value.isdigit() else 1.0


def connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words: DNS, refused, TLS, timeout."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, httpx2.ConnectTimeout) or "timed out" in lowered:
        return "connection timed out"
    if "refused" in lowered:
        return "connection refused"
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "name resolution",
                                  "no address associated", "getaddrinfo")):
        return "DNS lookup failed (unknown host)"
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        return f"TLS error: {short(exc)}"
    return short(exc)


def short(exc: BaseException) -> str:
    """The first line of an error, at most 200 characters."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
