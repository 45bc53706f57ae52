"""End to end: reading the configs of backfilled models never holds up a new release (issue 19 §1).

Enrichment runs in the gaps between polls and stops after its current model when a poll wants the Hub.
"""

from __future__ import annotations

import signal
import time

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def test_a_new_release_does_not_wait_for_the_backfill(tracker: Tracker, fake_hub: FakeHub) -> None:
    for i in range(40):  # a lab's catalogue, recorded silently at the first look, then enriched
        fake_hub.add_model(f"Qwen/Old-Model-{i}-7B", created_at=f"2025-01-{1 + i % 28:02d}T00:00:00Z",
                           config={"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 2})
    fake_hub.slow("resolve", 0.5)  # each config.json takes half a second: 20 s for the whole backfill
    tracker.env.update({"TRACKER_POLL_INTERVAL": "2", "TRACKER_ENRICH_PER_ORG": "40"})
    proc = tracker.popen("run")
    try:
        deadline = time.monotonic() + 30
        while not fake_hub.count(kind="resolve"):  # enrichment has started reading configs
            assert proc.poll() is None and time.monotonic() < deadline, "enrichment never started"
            time.sleep(0.05)
        hub_catalog.qwen3_8b(fake_hub)
        released = time.monotonic()
        while "Qwen3-8B" not in (line := proc.stdout.readline()):  # type: ignore[union-attr]
            assert line and time.monotonic() < deadline, "the release never arrived"
        waited = time.monotonic() - released
        reads = fake_hub.count(kind="resolve")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert waited < 5, f"the release waited {waited:.1f} s (the backfill takes 20 s)"
    assert reads < 40, "the whole backfill was read before the release"
