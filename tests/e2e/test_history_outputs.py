"""End to end: export, feed, site and stats through the `tracker` CLI, on a store filled by `tracker poll`."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_LICENSE = "<script>alert(1)</script>"
KNOWN = {
    "deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B", "Qwen/Qwen2.5-7B", "zai-org/GLM-4.5-Air",
    "openai/gpt-oss-120b", "zai-org/GLM-Odd-9B",
}


def populate(tracker: Tracker, fake_hub: FakeHub) -> None:
    """A known store: seven models recorded by a first poll (backfill, released when created)."""
    hub_catalog.deepseek_v3(fake_hub)  # 2024-12-25
    hub_catalog.qwen2_5_7b(fake_hub)  # 2024-09-15
    hub_catalog.qwen3_8b(fake_hub, created_at="2025-04-27T03:30:00Z")  # a Qwen3 wave: two models 10 min apart
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at="2025-04-27T03:40:00Z")
    hub_catalog.glm_4_5_air(fake_hub)  # 2025-07-20
    hub_catalog.gpt_oss_120b(fake_hub)  # 2025-08-04
    fake_hub.add_model("zai-org/GLM-Odd-9B", created_at="2025-08-10T09:00:00Z", license=HOSTILE_LICENSE,
                       safetensors={"BF16": 9_000_000_000})
    tracker.run("poll", check=True)


def test_run_rebuilds_site_and_feed_after_a_poll_that_found_something(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=5))  # a new release
    site = tracker.cwd / "www"
    tracker.env["TRACKER_SITE_DIR"] = str(site)
    proc = tracker.popen("run")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (site / "feed.xml").exists():
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert (site / "feed.xml").exists(), err[-2000:]
    assert "Qwen/Qwen3-30B-A3B" in (site / "releases.html").read_text(encoding="utf-8")
    assert "Qwen3-30B-A3B" in (site / "feed.xml").read_text(encoding="utf-8")
