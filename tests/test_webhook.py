"""Which organisation a Hub webhook payload asks us to poll (the documented payload, then variations)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tracker.watchlist import parse_watchlist
from tracker.webhook import org_to_poll

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
