"""Shared fixtures: the fake Hub, an isolated environment, and running the `tracker` CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import store_template, tls_contexts
from tests.fakes.hub import FakeHub
from tests.fakes.json_sink import JsonSink

TRACKER = str(Path(sys.executable).parent / "tracker")

TEST_WATCHLIST = """
[[lab]]
name = "DeepSeek"
orgs = ["deepseek-ai"]
country = "China"
region = "China"

[[lab]]
name = "Qwen (Alibaba)"
orgs = ["Qwen"]
country = "China"
region = "China"
aliases = ["qwen", "alibaba"]

[[lab]]
name = "Zhipu / Z.ai"
orgs = ["zai-org"]
country = "China"
region = "China"
aliases = ["zhipu", "glm"]

[[lab]]
name = "OpenAI"
orgs = ["openai"]
country = "United States"
region = "North America"
"""


@pytest.fixture(autouse=True, scope="session")
def _shared_tls_contexts() -> None:
    """HTTP clients in this process share their TLS contexts (tests/tls_contexts.py): a tenth of the CPU."""
    tls_contexts.share()


@pytest.fixture(autouse=True, scope="session")
def _migrated_store_template(tmp_path_factory: pytest.TempPathFactory) -> None:
    """New SQLite stores in this process are copies of one migrated store (tests/store_template.py)."""
    store_template.install(tmp_path_factory.mktemp("store-template"))


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


@dataclass
class Tracker:
    """Runs the installed `tracker` command in an isolated working directory with its own environment."""

    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.cwd / "state" / "tracker.db"

    def run(self, *args: str, timeout: float = 60, check: bool = False) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([TRACKER, *args], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"tracker {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([TRACKER, *args], cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing of the developer's Hub login or Telegram settings leaks in."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")}
    return {
        **keep,
        "HOME": str(home),
        "HF_HOME": str(home / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "PYTHONUNBUFFERED": "1",
        "TRACKER_HTTP_PORT": "0",  # `tracker run` serves HTTP: any free port, so tests never collide on 8787
        "TRACKER_MODELSCOPE": "0",  # never modelscope.cn: tests that want it point MODELSCOPE_ENDPOINT at the fake
    }


@pytest.fixture
def tracker(tmp_path: Path, fake_hub: FakeHub) -> Tracker:
    """The CLI wired to the fake Hub, a fresh SQLite store and a small watchlist."""
    work = tmp_path / "work"
    work.mkdir()
    watchlist = work / "watchlist.toml"
    watchlist.write_text(TEST_WATCHLIST, encoding="utf-8")
    env = base_env(tmp_path)
    env.update({
        "HF_ENDPOINT": fake_hub.url,
        "TRACKER_WATCHLIST": str(watchlist),
        "TRACKER_POLL_INTERVAL": "1",
    })
    return Tracker(cwd=work, env=env)


@pytest.fixture
def sink() -> Iterator[JsonSink]:
    """A real local JSON HTTP endpoint, an Apprise json:// target (`sink.target()`, `sink.messages()`)."""
    with JsonSink() as endpoint:
        yield endpoint


@pytest.fixture
def serve(tracker: Tracker) -> Iterator:
    """Start `tracker run` with its HTTP server on a known port: `serve(**env)` -> Served (killed at the end)."""
    from tests.http_harness import Served  # noqa: PLC0415  (import cycle: http_harness imports conftest)

    started: list[Served] = []

    def _serve(**env: str) -> Served:
        started.append(Served(tracker, **env))
        return started[-1]

    yield _serve
    for served in started:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.communicate()
