"""In-process integration tests: the CLI's `main()`, the poller, delivery and the bot against the fakes
(real HTTP servers in threads) and a temporary SQLite. No `tracker` process is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.inprocess import InProcessTracker


@pytest.fixture
def tracker(tracker: Tracker, tmp_path: Path) -> InProcessTracker:
    """The same isolated CLI as end-to-end tests get, run in-process."""
    return InProcessTracker(cwd=tracker.cwd, env=tracker.env)
