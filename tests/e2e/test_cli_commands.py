"""End to end: `tracker run` as a person runs it in a terminal, alerts printed, stopped with Ctrl-C (the other
commands run in-process: tests/integration/test_cli_commands.py)."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def test_run_prints_alerts_and_stops_cleanly_on_ctrl_c(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    proc = tracker.popen("run")
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="list") < 4 and time.time() < deadline:  # first cycle: 4 orgs listed
            time.sleep(0.05)
        hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
        target = fake_hub.count(kind="list") + 8  # two more cycles
        while fake_hub.count(kind="list") < target and time.time() < deadline:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.count("NEW RELEASE") == 1 and "Qwen/Qwen3-30B-A3B" in out
    assert "stopping" in err and "Traceback" not in err


