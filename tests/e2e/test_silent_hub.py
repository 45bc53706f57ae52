"""End to end: `tracker poll` against a Hub that accepts connections and never answers (issue 19 §1).

It says so in one line and gives up within 30 s (it took 185 s and wrote a warning per organisation), and
Ctrl-C stops it within 5 s (it took 24-30 s), writing nothing more.
"""

from __future__ import annotations

import signal
import time

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def test_poll_gives_up_on_a_silent_hub_in_one_line(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    fake_hub.hang(None)
    started = time.monotonic()
    result = tracker.run("poll", timeout=90)
    took = time.monotonic() - started
    assert result.returncode == 1
    lines = [line for line in result.stderr.strip().splitlines() if "upgrading the database schema" not in line]
    assert len(lines) == 1, result.stderr
    assert "is unreachable: it accepts connections but does not answer" in lines[0] and "nothing polled" in lines[0]
    assert took < 30, f"gave up after {took:.1f} s"


def test_ctrl_c_stops_a_poll_held_by_a_silent_hub_within_seconds(tracker: Tracker, fake_hub: FakeHub) -> None:
    tracker.run("poll", check=True)  # the store and its first look exist
    hub_catalog.qwen3_8b(fake_hub)
    tracker.env["TRACKER_HUB_TIMEOUT"] = "120"
    fault = fake_hub.hang("list")  # the probe answers; every listing hangs
    proc = tracker.popen("poll")
    deadline = time.monotonic() + 30
    while fault.hits < 1:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.3)
    interrupted = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    took = time.monotonic() - interrupted
    assert proc.returncode == 130, err
    assert took < 5, f"Ctrl-C took {took:.1f} s"
    assert "interrupted" in err and "Traceback" not in err
    fake_hub.clear_faults()
    assert "Qwen3-8B" in tracker.run("poll", check=True).stdout  # nothing was half-written: it is new now
