"""In-process integration tests: the CLI's `main()`, the poller, delivery and the bot against the fakes
(real HTTP servers in threads) and a temporary SQLite. No `tracker` process is started here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.inprocess import InProcessTracker
from tests.integration.daemon_harness import InProcessServed


@pytest.fixture
def tracker(tracker: Tracker, tmp_path: Path) -> InProcessTracker:
    """The same isolated CLI as end-to-end tests get, run in-process."""
    return InProcessTracker(cwd=tracker.cwd, env=tracker.env)


@pytest.fixture
def serve(tracker: InProcessTracker) -> Iterator:
    """`serve(**env)` -> a `tracker run` in this process with its HTTP server on a known port."""
    started: list[InProcessServed] = []

    def _serve(**env: str) -> InProcessServed:
        started.append(InProcessServed(tracker, **env))
        return started[-1]

    yield _serve
    for served in started:
        served.close()
