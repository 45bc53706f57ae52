"""End to end: an unreachable Hub is one line, `tracker poll` gives up fast, `tracker run` recovers (issue 8, §3)."""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("endpoint", ["closed-port", "http://nonexistent.invalid"])
def test_poll_against_an_unreachable_hub_is_one_line_and_fails_fast(tracker: Tracker, endpoint: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}" if endpoint == "closed-port" else endpoint
    tracker.env["HF_ENDPOINT"] = url
    tracker.env["TRACKER_HUB_TIMEOUT"] = "60"  # the connection's own bound applies, not the read timeout

    started = time.monotonic()
    result = tracker.run("poll", timeout=60)
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    assert elapsed < 30
    lines = [line for line in result.stderr.splitlines() if "unreachable" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: the Hub at {url} is unreachable: ")
    why = "connection refused" if endpoint == "closed-port" else "DNS lookup failed"
    assert why in lines[0]
    assert "poll of" not in result.stderr and "Traceback" not in result.stderr
    assert " WARNING " not in result.stderr


def test_one_failing_org_while_the_hub_is_up_is_still_isolated(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    fake_hub.fail("author=deepseek-ai", 500)

    result = tracker.run("poll")

    assert result.returncode == 0, result.stderr
    assert "unreachable" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "poll of deepseek-ai failed" in line]) == 1
