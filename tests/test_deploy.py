"""The deployment files agree with each other and with what the tracker does (no Docker needed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
DOCKERFILE = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
UNIT = (DEPLOY / "release-tracker.service").read_text(encoding="utf-8")


def unit_option(name: str) -> str:
    (value,) = re.findall(rf"^{name}=(.*)$", UNIT, flags=re.M)
    return value.strip()


def docker_healthcheck() -> list[str]:
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*?\])$", DOCKERFILE, flags=re.M | re.S)
    assert match, "no HEALTHCHECK in the Dockerfile"
    return json.loads(match.group(1))


def test_stop_signal_and_grace_period_match_between_systemd_and_compose() -> None:
    tracker = COMPOSE["services"]["tracker"]
    assert re.search(r"^STOPSIGNAL SIGTERM$", DOCKERFILE, flags=re.M)
    assert tracker["stop_signal"] == unit_option("KillSignal") == "SIGTERM"
    assert tracker["stop_grace_period"] == f"{unit_option('TimeoutStopSec')}s" == "15s"  # the tracker stops in 5 s


def test_image_is_multi_stage_installs_the_wheel_and_runs_as_non_root() -> None:
    assert len(re.findall(r"^FROM ", DOCKERFILE, flags=re.M)) == 2
    assert "pip wheel" in DOCKERFILE and "--no-index" in DOCKERFILE and '"release-tracker[postgres]"' in DOCKERFILE
    assert not re.search(r"pip install[^\n]* -e ", DOCKERFILE)
    for needed in ("setup.py", "MANIFEST.in", "templates", "tracker", "pyproject.toml"):
        assert re.search(rf"^COPY .*\b{re.escape(needed)}\b", DOCKERFILE, flags=re.M), needed
    (user,) = re.findall(r"^USER (\S+)$", DOCKERFILE, flags=re.M)
    assert user not in ("root", "0")
    assert "TRACKER_HTTP_HOST=0.0.0.0" in DOCKERFILE


def test_compose_runs_the_tracker_on_postgres_with_health_checks_for_both() -> None:
    services = COMPOSE["services"]
    assert services["tracker"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["tracker"]["environment"]["TRACKER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["tracker"]["healthcheck"]["test"] == ["CMD", *docker_healthcheck()]


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802
        code = type(self).status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_image_health_check_command_passes_on_200_and_fails_on_503(status: int, healthy: bool) -> None:
    handler = type("Health", (_Health,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()  # quick stop
    try:
        command = docker_healthcheck()
        assert command[0] == "python"
        env = {"TRACKER_HTTP_PORT": str(server.server_address[1])}
        done = subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30)
        assert (done.returncode == 0) is healthy
    finally:
        server.shutdown()
