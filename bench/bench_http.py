"""The HTTP server of `tracker run` under a slowloris flood: 2,000 idle connections, then 6,000 bad secrets.

Run: .venv/bin/python bench/bench_http.py   (prints numbers; it asserts nothing; connects to 127.0.0.1 only)
Targets (issue 8 §6): threads stay bounded (the old ThreadingHTTPServer grew to 2,206 threads and kept
2,119 after the connections closed), /healthz stays responsive, polling goes on, connections are released;
6,000 requests with a wrong secret write a few log lines (they wrote 6,008).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import TEST_WATCHLIST, base_env  # noqa: E402
from tests.fakes import hub_catalog  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
IDLE = 2000
BAD = 6000


def proc_status(pid: int) -> tuple[int, float, int]:
    """(threads, RSS in MB, open file descriptors) of a process."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def healthz_latency(url: str, rounds: int = 20) -> tuple[float, float, int]:
    """(median ms, max ms, failures) of GET /healthz."""
    times, failures = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
        except OSError:
            failures += 1
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), failures


def report(label: str, pid: int, url: str, hub: FakeHub) -> None:
    threads, rss, fds = proc_status(pid)
    median, worst, failures = healthz_latency(url)
    print(f"{label:34} threads {threads:4}  RSS {rss:6.1f} MB  fds {fds:5}  /healthz median {median:6.1f} ms "
          f"max {worst:7.1f} ms  failed {failures}  Hub listings so far {hub.count(kind='list')}", flush=True)


async def bad_secrets(port: int) -> None:
    body = json.dumps({"repo": {"type": "model", "name": "Qwen/Qwen3-8B"}}).encode()
    request = (b"POST /hub-webhook HTTP/1.1\r\nHost: x\r\nX-Webhook-Secret: wrong\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    semaphore = asyncio.Semaphore(50)

    async def one() -> None:
        async with semaphore:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await reader.read()
            writer.close()

    await asyncio.gather(*(one() for _ in range(BAD)))


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, IDLE + 500)), hard))
    with FakeHub() as hub, tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        hub_catalog.qwen3_8b(hub)
        work = Path(tmp)
        (work / "watchlist.toml").write_text(TEST_WATCHLIST)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        env = base_env(work)
        env.update(HF_ENDPOINT=hub.url, TRACKER_WATCHLIST=str(work / "watchlist.toml"), TRACKER_POLL_INTERVAL="2",
                   TRACKER_HTTP_PORT=str(port), TRACKER_HUB_WEBHOOK_SECRET="bench-secret")
        log = (work / "stderr.log").open("w")
        proc = subprocess.Popen([TRACKER, "run"], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://127.0.0.1:{port}/healthz"
        try:
            deadline = time.time() + 30
            while hub.count(kind="list") < 4 and time.time() < deadline:
                time.sleep(0.1)
            report("before", proc.pid, url, hub)

            start = time.perf_counter()
            idle = []
            for i in range(IDLE):
                sock = socket.create_connection(("127.0.0.1", port))
                if i % 2:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # stops in the middle of its headers
                idle.append(sock)
            print(f"opened {IDLE} idle connections in {time.perf_counter() - start:.1f} s", flush=True)
            time.sleep(1.0)
            report(f"{IDLE} idle connections open", proc.pid, url, hub)
            time.sleep(11.0)  # past the 10 s header deadline
            report("same, 12 s later (header timeout)", proc.pid, url, hub)
            closed = 0
            for sock in idle:
                sock.setblocking(False)
                try:
                    closed += sock.recv(1) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
                sock.close()
            print(f"  {closed} of {IDLE} had been closed by the server before the client closed them", flush=True)
            time.sleep(1.0)
            report("1 s after the client closed them", proc.pid, url, hub)

            lines_before = len((work / "stderr.log").read_text().splitlines())
            start = time.perf_counter()
            asyncio.run(bad_secrets(port))
            elapsed = time.perf_counter() - start
            report(f"after {BAD} wrong secrets", proc.pid, url, hub)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
        lines = (work / "stderr.log").read_text().splitlines()[lines_before:]
        webhook_lines = [line for line in lines if "secret" in line.lower()]
        print(f"{BAD} wrong secrets in {elapsed:.1f} s: {len(webhook_lines)} log lines about them "
              f"(incl. the summary at stop), {len(lines)} lines in all", flush=True)
        for line in webhook_lines:
            print("  " + line.split(" ", 2)[2], flush=True)


if __name__ == "__main__":
    os.nice(5)
    main()
