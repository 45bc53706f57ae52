"""Which organisation a Hub webhook payload asks us to poll (the documented payload, then variations)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest

from tracker.run.webhook import RejectionLog, org_to_poll
from tracker.watchlist import parse_watchlist

DOCUMENTED = json.loads((Path(__file__).parent / "data" / "hub-api" /
                         "webhook_payload_pr_opened__hub-docs_example.json").read_text())
WATCHLIST = parse_watchlist('[[lab]]\nname = "OpenAI"\norgs = ["openai", "openai-community"]\n', "test")


def variant(**repo: object) -> dict:
    payload = copy.deepcopy(DOCUMENTED)
    payload["repo"].update(repo)
    return payload


@pytest.mark.parametrize("payload, org", [
    (DOCUMENTED, "openai-community"),
    (variant(name="OpenAI-Community/gpt2"), "openai-community"),  # the Hub's names are case-insensitive
    (variant(name="someone/gpt2"), None),
    (variant(type="dataset"), None),
    (variant(name="no-slash"), None),
    ({"event": {"scope": "repo"}}, None),
    ([1, 2], None),
    ("text", None),
])
def test_org_to_poll(payload: object, org: str | None) -> None:
    assert org_to_poll(payload, WATCHLIST) == org


def test_rejections_are_logged_once_a_window_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    rejections = RejectionLog(window=60, clock=lambda: now[0])
    with caplog.at_level("WARNING", logger="tracker.run.webhook"):
        for i in range(6000):
            now[0] = i * 0.009  # 6,000 bad requests within 54 s
            rejections.reject("203.0.113.7")
        assert len(caplog.records) == 1 and "203.0.113.7" in caplog.records[0].getMessage()
        rejections.flush()
        assert caplog.records[1].getMessage() == ("rejected 5,999 webhook requests with a wrong or missing secret "
                                                  "in the last 60 s")
        now[0] = 200.0
        rejections.reject("198.51.100.1")
    assert len(caplog.records) == 3 and "198.51.100.1" in caplog.records[2].getMessage()


def test_the_count_is_logged_at_the_end_of_the_window_even_when_requests_stop(
        caplog: pytest.LogCaptureFixture) -> None:
    async def flood() -> None:
        rejections = RejectionLog(window=0.3)
        for _ in range(50):
            rejections.reject("203.0.113.7")
        await asyncio.sleep(0.5)

    with caplog.at_level("WARNING", logger="tracker.run.webhook"):
        asyncio.run(flood())
    assert [r.getMessage().split(" webhook")[0] for r in caplog.records][1:] == ["rejected 49"]
