"""End to end: an unreachable Hub is one line, `tracker poll` gives up fast, `tracker run` recovers (issue 8, §3)."""

from __future__ import annotations

import signal
import socket
import time

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_says_once_that_the_hub_is_down_and_once_that_it_is_back(tracker: Tracker) -> None:
    port = closed_port()
    tracker.env["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
    proc = tracker.popen("run")
    try:
        time.sleep(12)  # a few cycles (1 s apart) against nothing: backoff 5 s, then 10 s
        with FakeHub(port=port) as hub:
            hub_catalog.qwen3_8b(hub)
            deadline = time.monotonic() + 40
            while hub.count(kind="list") < 8:  # back, and polled every organisation at least twice
                assert proc.poll() is None
                assert time.monotonic() < deadline, "the tracker did not come back to the Hub"
                time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=45)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    down = [line for line in err.splitlines() if "is unreachable" in line]
    back = [line for line in err.splitlines() if "reachable again" in line]
    assert len(down) == 1, err
    assert f"the Hub at http://127.0.0.1:{port} is unreachable: connection refused; retrying" in down[0]
    assert " WARNING " in down[0]
    assert len(back) == 1 and "reachable again after" in back[0], err
    assert "poll of" not in err  # no warning per organisation
    assert "Traceback" not in err
