"""The HTTP server's limits against slow, idle and oversized clients, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

from tracker.run.http_server import HttpServer, Request, Response, json_response


async def echo(request: Request) -> Response:
    return json_response(200, {"path": request.path, "body": request.body.decode(), "client": request.client})


def serve(test: Callable[[HttpServer], Awaitable[None]], **limits: float) -> None:
    async def main() -> None:
        server = HttpServer("127.0.0.1", 0, {("GET", "/healthz"): echo, ("POST", "/hook"): echo}, **limits)
        await server.start()
        try:
            await test(server)
        finally:
            await server.close()

    asyncio.run(main())


async def exchange(port: int, raw: bytes, timeout: float = 5) -> bytes:
    """Send `raw`, return everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    return data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer else 0


def body_of(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


GET = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_request_is_answered_and_the_connection_closed() -> None:
    async def test(server: HttpServer) -> None:
        answer = await exchange(server.port, GET)
        assert status_of(answer) == 200 and b"Connection: close" in answer
        assert body_of(answer) == {"path": "/healthz", "body": "", "client": "127.0.0.1"}
        posted = await exchange(server.port, b"POST /hook?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping")
        assert body_of(posted)["body"] == "ping"
        chunked = b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        assert body_of(await exchange(server.port, chunked))["body"] == "hi"
        assert status_of(await exchange(server.port, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")) == 404
        assert status_of(await exchange(server.port, b"POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) == 405
        assert status_of(await exchange(server.port, b"NONSENSE\r\n\r\n")) == 400
        assert server.connections == 0

    serve(test)


def test_headers_trickled_byte_by_byte_are_cut_off_at_the_header_deadline() -> None:
    async def test(server: HttpServer) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        start = time.monotonic()
        closed_after = None
        for byte in GET[:-2]:  # a slowloris: a byte every 0.1 s, each read well within any per-read timeout
            writer.write(bytes([byte]))
            try:
                await writer.drain()
            except ConnectionError:
                break
            await asyncio.sleep(0.1)
            if reader.at_eof():
                break
        try:
            with_data = await asyncio.wait_for(reader.read(), 5)
        except ConnectionError:  # the close raced a byte still in flight: the kernel answered with a reset
            with_data = b""
        closed_after = time.monotonic() - start
        writer.close()
        assert with_data == b""  # dropped without an answer
        assert 0.5 <= closed_after < 1.5, closed_after
        assert server.connections == 0

    serve(test, header_timeout=0.6)


def test_a_body_that_does_not_arrive_gets_408() -> None:
    async def test(server: HttpServer) -> None:
        start = time.monotonic()
        answer = await exchange(server.port, b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-this")
        assert status_of(answer) == 408 and time.monotonic() - start < 1.5

    serve(test, body_timeout=0.5)


def test_oversized_headers_and_bodies_are_refused() -> None:
    async def test(server: HttpServer) -> None:
        huge_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
        assert status_of(await exchange(server.port, huge_header)) == 431
        too_long = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n"
        assert status_of(await exchange(server.port, too_long)) == 413
        chunks = b"".join(b"100\r\n" + b"x" * 256 + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
        chunked = b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
        assert status_of(await exchange(server.port, chunked)) == 413

    serve(test, max_body=1000)


def test_at_the_cap_the_oldest_idle_connection_makes_room_for_a_health_check() -> None:
    async def test(server: HttpServer) -> None:
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(20)]
        await asyncio.sleep(0.2)
        assert server.connections == 5
        start = time.monotonic()
        assert status_of(await exchange(server.port, GET)) == 200
        assert time.monotonic() - start < 0.5
        assert server.dropped_idle >= 16
        dropped = [r for r, _w in idle[:10] if await asyncio.wait_for(r.read(), 1) == b""]
        assert len(dropped) == 10  # the oldest were closed by the server
        for _r, w in idle:
            w.close()

    serve(test, max_connections=5)


def test_bodies_trickled_to_every_slot_still_leave_room_for_a_health_check() -> None:
    """Issue 20: 300 connections announcing a body and trickling it made /healthz answer 503."""

    async def test(server: HttpServer) -> None:
        trickling = []
        for _ in range(12):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 10)
            await writer.drain()
            trickling.append((reader, writer))
        await asyncio.sleep(0.2)  # each is past its headers, waiting for the rest of its body
        for _ in range(3):
            assert status_of(await exchange(server.port, GET)) == 200
        assert server.dropped_idle >= 3
        for _r, w in trickling:
            w.close()

    serve(test, max_connections=5)


def test_when_every_slot_is_busy_a_new_connection_gets_503() -> None:
    release = asyncio.Event()

    async def slow(_request: Request) -> Response:
        await release.wait()
        return json_response(200, {})

    async def main() -> None:
        server = HttpServer("127.0.0.1", 0, {("GET", "/slow"): slow}, max_connections=2)
        await server.start()
        busy = [asyncio.create_task(exchange(server.port, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")) for _ in range(2)]
        await asyncio.sleep(0.2)
        assert status_of(await exchange(server.port, GET)) == 503
        release.set()
        assert [status_of(a) for a in await asyncio.gather(*busy)] == [200, 200]
        await server.close()

    asyncio.run(main())
