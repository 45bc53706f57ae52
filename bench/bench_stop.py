"""Stop latency of `tracker run` under a hung Hub (and a Bot API that never answers).

Run: .venv/bin/python bench/bench_stop.py   (prints numbers; it asserts nothing)
Target: SIGTERM or Ctrl-C stops within 5 s (issue 8 §2; it took 37-42 s before), exit status 0.
Each scenario starts `tracker run`, waits until a Hub request is held by the fake Hub, sends the signal
and times the exit.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import TEST_WATCHLIST, base_env  # noqa: E402
from tests.fakes import hub_catalog  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
ROUNDS = 3


def one_stop(hub: FakeHub, match: str | None, sig: int, telegram_url: str | None,
             token: str = "123:abc") -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "watchlist.toml").write_text(TEST_WATCHLIST)
        env = base_env(work)
        env.update(HF_ENDPOINT=hub.url, TRACKER_WATCHLIST=str(work / "watchlist.toml"), TRACKER_POLL_INTERVAL="60",
                   TRACKER_HTTP_PORT="0")
        if telegram_url:
            env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=telegram_url)
        fault = hub.hang(match if match else lambda r: False)
        proc = subprocess.Popen([TRACKER, "run"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        listed = hub.count(kind="list")
        while (fault.hits < 1 if match else hub.count(kind="list") < listed + 4) and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(sig)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        elapsed = time.monotonic() - start
        hub.faults.remove(fault)
        return elapsed, proc.returncode


def main() -> None:
    with FakeHub() as hub, socket.socket() as silent, FakeTelegram(token="4242:TEST-token") as fake_telegram:
        hub_catalog.qwen3_8b(hub)
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # accepts connections (via the backlog) and never answers
        telegram = f"http://127.0.0.1:{silent.getsockname()[1]}"
        scenarios = [
            ("Hub listing hangs, no Telegram, SIGTERM", "list", signal.SIGTERM, None),
            ("Hub listing hangs, Telegram silent, SIGTERM", "list", signal.SIGTERM, telegram),
            ("Hub listing hangs, Telegram silent, Ctrl-C", "list", signal.SIGINT, telegram),
        ]
        scenarios += [
            ("Hub fine, Telegram fine (bot polling), SIGTERM", None, signal.SIGTERM, fake_telegram.url),
            ("Hub listing hangs, Telegram fine, SIGTERM", "list", signal.SIGTERM, fake_telegram.url),
        ]
        print(f"{'scenario':48} {'median s':>9} {'max s':>7}  exit codes")
        for name, match, sig, tg in scenarios:
            token = fake_telegram.token if tg == fake_telegram.url else "123:abc"
            runs = [one_stop(hub, match, sig, tg, token) for _ in range(ROUNDS)]
            times = [t for t, _ in runs]
            print(f"{name:48} {statistics.median(times):9.2f} {max(times):7.2f}  {[c for _, c in runs]}",
                  flush=True)


if __name__ == "__main__":
    os.nice(5)
    main()
