"""OutageLog: a persisting failure is one warning, its end one line; blips stay quiet."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from tracker.outage import OutageLog, duration
from tracker.telegram.sender import short_error

T0 = datetime(2025, 7, 28, 10, 21, tzinfo=UTC)
log = logging.getLogger("tests.outage")


def outage_log() -> OutageLog:
    return OutageLog(log, timedelta(seconds=10), lambda o: f"failing: {o.error} since {o.since:%H:%M}; {o.failed}",
                     lambda o, span, done: f"recovered after {duration(span)}; {done}")


def test_a_persisting_failure_is_one_warning_and_one_recovery(caplog: pytest.LogCaptureFixture) -> None:
    outages = outage_log()
    with caplog.at_level(logging.INFO, logger="tests.outage"):
        for second in range(0, 180, 2):
            outages.failure("502 Bad Gateway", T0 + timedelta(seconds=second), attempts=6)
        outages.success(T0 + timedelta(minutes=3), done=40)
        outages.success(T0 + timedelta(minutes=4), done=1)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines == ["failing: 502 Bad Gateway since 10:21; 36", "recovered after 3m; 40"]


def test_a_short_blip_is_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    outages = outage_log()
    with caplog.at_level(logging.INFO, logger="tests.outage"):
        outages.failure("502 Bad Gateway", T0)
        outages.failure("502 Bad Gateway", T0 + timedelta(seconds=5))
        outages.success(T0 + timedelta(seconds=7))
        outages.failure("Timed out", T0 + timedelta(seconds=30))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert outages.down and outages.current is not None and outages.current.since == T0 + timedelta(seconds=30)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (45, "45s"), (180, "3m"), (200, "3m"), (3900, "1h 5m")])
def test_duration(seconds: int, text: str) -> None:
    assert duration(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("message", "short"),
    [
        ("Bad Gateway (502). Parsing the server response b'<html>...' failed", "502 Bad Gateway"),
        ("Service Unavailable (503)", "503 Service Unavailable"),
        ("httpx.ConnectError: All connection attempts failed", "httpx.ConnectError: All connection attempts failed"),
        ("Timed out", "Timed out"),
    ],
)
def test_short_error(message: str, short: str) -> None:
    assert short_error(message) == short
