"""How the Hub adapter reads a 429's wait and names a failed connection."""

from __future__ import annotations

import httpx2
import pytest

from tracker.hub.errors import connect_reason, rate_limit_wait


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"RateLimit": '"api";r=0;t=42', "Retry-After": "120"}, 42.0),
        ({"RateLimit": '"api";r=5;t=42', "Retry-After": "7"}, 7.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 1.0),
        ({}, 1.0),
    ],
)
def test_rate_limit_wait(headers: dict[str, str], wait: float) -> None:
    assert rate_limit_wait(httpx2.Headers(headers)) == wait


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx2.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx2.ConnectError("[Errno -2] Name or service not known"), "DNS lookup failed (unknown host)"),
        (httpx2.ConnectError("[Errno -3] Temporary failure in name resolution"), "DNS lookup failed (unknown host)"),
        (httpx2.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
         "TLS error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        (httpx2.ConnectTimeout("timed out"), "connection timed out"),
        (httpx2.ConnectError("[Errno 101] Network is unreachable"), "[Errno 101] Network is unreachable"),
    ],
)
def test_connect_reason(exc: Exception, reason: str) -> None:
    assert connect_reason(exc) == reason
