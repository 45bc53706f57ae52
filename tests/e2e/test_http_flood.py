"""End to end: a running tracker under a flood of idle connections and of requests with a wrong secret."""

from __future__ import annotations

import asyncio
import json
import socket
import time

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.http_harness import fds_of, get, threads_of

IDLE = 300
BAD = 6000


def test_idle_connections_neither_grow_threads_nor_stop_health_or_polling(serve, fake_hub: FakeHub) -> None:  # noqa: ANN001
    hub_catalog.qwen3_8b(fake_hub)
    served = serve()
    served.wait_health(lambda s, d: d["status"] == "ok")
    pid = served.proc.pid
    threads_before, fds_before = threads_of(pid), fds_of(pid)

    idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(IDLE)]
    for sock in idle[::2]:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # half of them stop in the middle of the headers
    time.sleep(0.5)
    polls = fake_hub.count(kind="list")
    latencies = []
    for _ in range(10):
        start = time.monotonic()
        status, _ctype, _body = get(served.base + "/healthz")
        latencies.append(time.monotonic() - start)
        assert status == 200
    deadline = time.time() + 15
    while fake_hub.count(kind="list") < polls + 8:  # two more poll cycles of the four organisations
        assert time.time() < deadline, "polling stopped under the flood"
        time.sleep(0.1)
    threads_during, fds_during = threads_of(pid), fds_of(pid)
    for sock in idle:
        sock.close()
    time.sleep(1.0)
    fds_after = fds_of(pid)
    served.stop()

    assert max(latencies) < 1.0, latencies
    assert threads_during <= threads_before + 20, (threads_before, threads_during)  # the old server: +300
    assert fds_during <= fds_before + 256 + 20  # the connection cap
    assert fds_after <= fds_before + 10, (fds_before, fds_after)  # released


async def _post_many(port: int, count: int, concurrency: int = 50) -> list[int]:
    body = json.dumps({"event": {"action": "update", "scope": "repo"},
                       "repo": {"type": "model", "name": "Qwen/Qwen3-8B"}}).encode()
    request = (b"POST /hub-webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"X-Webhook-Secret: wrong\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> int:
        async with semaphore:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            answer = await reader.read()
            writer.close()
            return int(answer.split(b" ", 2)[1])

    return await asyncio.gather(*(one() for _ in range(count)))


def test_thousands_of_wrong_secrets_write_a_few_log_lines(serve, fake_hub: FakeHub) -> None:  # noqa: ANN001
    served = serve(TRACKER_HUB_WEBHOOK_SECRET="hook-secret-123", TRACKER_POLL_INTERVAL="3600")
    statuses = asyncio.run(_post_many(served.port, BAD))
    in_url = get(served.base + "/hub-webhook?secret=hook-secret-123")  # GET: 405, and never a secret in a URL
    err = served.stop()
    assert statuses == [401] * BAD
    assert in_url[0] == 405
    lines = [line for line in err.splitlines() if "secret" in line.lower()]
    assert len(lines) == 2, lines
    assert "wrong or missing X-Webhook-Secret from 127.0.0.1" in lines[0]
    assert f"rejected {BAD - 1:,} webhook requests with a wrong or missing secret" in lines[1]
    assert fake_hub.count(kind="list") == 4  # only the first poll: no rejected request triggered one
