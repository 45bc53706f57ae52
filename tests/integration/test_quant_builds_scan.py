"""The build scan against the fake Hub with the real client and a real store: the requests it makes, an
upload still in progress looked at again later, and a restart that resumes where the listing stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.hub import FakeHub
from tests.fakes.hub_tree import gguf_build
from tracker.hub.client import HubClient
from tracker.poll.builds import BuildScan
from tracker.poll.stop import StopGate
from tracker.store import builds
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import TrackedModel

RELEASE = "Qwen/Qwen3-32B"


def test_scan_requests_retries_and_restart(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store = Store.open(f"sqlite:///{tmp_path / 't.db'}")
    with store.session() as session, session.begin():
        session.add(TrackedModel(repo_id=RELEASE, lab="Qwen (Alibaba)", org="Qwen", created_at=now - timedelta(days=2),
                                 first_seen_at=now, released_at=now, weights_bytes=65 * 10**9))
    with FakeHub() as hub:
        hub.add_model(RELEASE, created_at=now - timedelta(days=2))
        client = HubClient(hub.url, None, 10, tmp_path / "cache")
        scan, gate = BuildScan(), StopGate()
        assert scan.run(client, store, gate, now) == [] and hub.requests == []  # nobody wants builds: no request

        subscriptions.ensure(store, 1, 1)
        subscriptions.update(store, 1, active=True, vram_gb=24.0)
        # an upload in progress: part 2 of 2 of the only quantization is not there yet
        build = gguf_build(hub, "bartowski/Qwen3-32B-GGUF", RELEASE, {"Q4_K_M": 19_900_000_000})
        hub.update(build.repo_id, weight_files={"Q4_K_M/Qwen3-32B-Q4_K_M-00001-of-00002.gguf": 10**10})
        hub.add_model("someone/else", created_at=now)
        assert scan.run(client, store, gate, now) == []
        assert [r.path for r in hub.requests] == ["/api/models", f"/api/models/{build.repo_id}"]
        assert scan.run(client, store, gate, now + timedelta(minutes=1)) == []  # not due yet: listing only
        assert len(hub.requests) == 3
        restarted = BuildScan()  # a restart meanwhile lists the upload again: it is not lost
        hub.reset_requests()
        assert restarted.run(client, store, gate, now + timedelta(minutes=2)) == []
        assert list(restarted.waiting) == [build.repo_id] and len(hub.requests) == 2

        hub.update(build.repo_id, weight_files={"Q4_K_M/Qwen3-32B-Q4_K_M-00001-of-00002.gguf": 10**10,
                                                "Q4_K_M/Qwen3-32B-Q4_K_M-00002-of-00002.gguf": 9_900_000_000})
        assert scan.run(client, store, gate, now + timedelta(minutes=6)) == [build.repo_id]
        (row,) = builds.builds_of(store, 1)
        assert (row.format, row.smallest_variant, row.smallest_bytes) == ("GGUF", "Q4_K_M", 19_900_000_000)

        hub.reset_requests()
        again = BuildScan()  # a restart: the listing resumes after the newest model already seen
        assert again.run(client, store, gate, now + timedelta(minutes=7)) == []
        assert [r.path for r in hub.requests] == ["/api/models"] and again.since == scan.since
