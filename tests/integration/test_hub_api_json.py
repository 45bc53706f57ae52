"""`HubClient.get_api_json` against the fake Hub: the public GET that builds and follow-ups share with the polls,
with its pages, its 429s (a short one waited out once, a long one raised) and its failures as HubErrors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fakes.hub import FakeHub
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError, translate_errors


def client(hub: FakeHub, tmp_path: Path) -> HubClient:
    return HubClient(endpoint=hub.url, token=None, timeout=10, cache_dir=tmp_path / "hf")


def test_a_listing_comes_page_by_page_and_a_path_is_the_apis(fake_hub: FakeHub, tmp_path: Path) -> None:
    for i in range(3):
        fake_hub.add_model(f"acme/Widget-{i}B", created_at=f"2025-01-0{i + 1}T00:00:00.000Z")
    hub = client(fake_hub, tmp_path)
    first = hub.get_api_json("/api/models", [("author", "acme"), ("sort", "createdAt"), ("limit", 2)])
    assert [m["id"] for m in first.data] == ["acme/Widget-2B", "acme/Widget-1B"] and first.next_url
    last = hub.get_api_json(first.next_url)
    assert [m["id"] for m in last.data] == ["acme/Widget-0B"] and last.next_url is None
    assert hub.get_api_json("api/models/acme/Widget-0B").data["id"] == "acme/Widget-0B"


def test_a_short_429_is_waited_out_once_and_a_long_one_raised(fake_hub: FakeHub, tmp_path: Path) -> None:
    fake_hub.add_model("acme/Widget-7B")
    hub = client(fake_hub, tmp_path)
    fake_hub.fail("repo=acme/Widget-7B", status=429, times=1, retry_after=0)
    started = time.monotonic()
    assert hub.get_api_json("/api/models/acme/Widget-7B").data["id"] == "acme/Widget-7B"
    assert time.monotonic() - started < 5
    fake_hub.fail("repo=acme/Widget-7B", status=429, times=None, retry_after=600)
    with pytest.raises(HubError) as caught, translate_errors("acme/Widget-7B"):
        hub.get_api_json("/api/models/acme/Widget-7B")
    assert caught.value.kind == "rate-limited" and caught.value.retry_after is not None
    assert caught.value.retry_after >= 600 and str(caught.value).startswith("acme/Widget-7B: ")


@pytest.mark.parametrize(("fault", "kind"), [("missing", "not-found"), ("malformed", "malformed"),
                                             ("400", "http-error")])
def test_failures_become_hub_errors_in_translate_errors(fake_hub: FakeHub, tmp_path: Path, fault: str,
                                                        kind: str) -> None:
    fake_hub.add_model("acme/Widget-7B")
    if fault == "malformed":
        fake_hub.malformed("repo=acme/Widget-7B")
    elif fault == "400":  # not retried (a 5xx is, after 0.5 s and 1 s: tests/integration/test_followup.py)
        fake_hub.fail("repo=acme/Widget-7B", status=400)
    repo = "acme/Gone-1B" if fault == "missing" else "acme/Widget-7B"
    with pytest.raises(HubError) as caught, translate_errors(repo):
        client(fake_hub, tmp_path).get_api_json(f"/api/models/{repo}")
    assert caught.value.kind == kind
