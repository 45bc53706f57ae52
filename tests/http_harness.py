"""Helpers for tests of the HTTP server of `tracker run` (a process here, in-process in tests/integration)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import Tracker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, str, str]:
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in Prometheus text, e.g. metric(text, "tracker_hub_requests_total", 'status="200"')."""
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{wanted} not in /metrics:\n{text}")


class HealthClient:
    """Reads /healthz of a `tracker run` serving on `self.base`."""

    base: str

    def health(self) -> tuple[int, dict]:
        status, ctype, body = get(self.base + "/healthz")
        assert ctype == "application/json"
        return status, json.loads(body)

    def wait_health(self, predicate, timeout: float = 20) -> dict:  # noqa: ANN001
        deadline = time.time() + timeout
        while True:
            status, data = self.health()
            if predicate(status, data):
                return data
            assert time.time() < deadline, f"health never matched; last {status} {data}"
            time.sleep(0.1)

    def wait_serving(self, alive, timeout: float = 20) -> None:  # noqa: ANN001
        """Until /healthz answers; `alive()` is None while the tracker runs, else what to fail with."""
        deadline = time.time() + timeout
        while True:
            assert alive() is None, alive()
            try:
                get(self.base + "/healthz", timeout=1)
                return
            except OSError:
                assert time.time() < deadline, "the HTTP server never answered"
                time.sleep(0.05)


class Served(HealthClient):
    """A `tracker run` with its HTTP server on a known port."""

    def __init__(self, tracker: Tracker, **env: str) -> None:
        self.port = free_port()
        tracker.env.update({"TRACKER_HTTP_PORT": str(self.port), **env})
        self.proc: subprocess.Popen[str] = tracker.popen("run")
        self.base = f"http://127.0.0.1:{self.port}"
        self.wait_serving(lambda: None if self.proc.poll() is None else self.proc.communicate()[1])

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        _out, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, err
        assert "Traceback" not in err, err
        return err


def threads_of(pid: int) -> int:
    """The number of threads of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads: line")


def fds_of(pid: int) -> int:
    """The number of open file descriptors of a process (Linux)."""
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))
