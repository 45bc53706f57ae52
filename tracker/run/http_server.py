"""The HTTP server of `tracker run` (/healthz, /metrics, the Hub webhook): h11 over asyncio streams.

It runs on the runtime's event loop, so a connection costs a task and a few KB, never a thread. Against
slow or idle clients (slowloris): the request line and headers must arrive within HEADER_TIMEOUT in
total (not per read), the body within BODY_TIMEOUT; the head is at most MAX_HEADER bytes and the body
MAX_BODY. At most `max_connections` are open at once; when a new one arrives at the cap, the oldest
connection still waiting for the client (its headers, or the rest of its body) is dropped to make room, so
a flood of idle sockets or trickled bodies cannot lock out a health check; when every slot is busy serving,
the new one gets 503. A request is routed on its head: a body is read only for a route that takes one. One request per
connection (`Connection: close`). h11 is only the HTTP/1.1 state machine (no I/O, no timeouts of its
own): the deadlines and the cap are ours, here.
h11: https://h11.readthedocs.io/en/latest/api.html
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
MAX_HEADER = 16 * 1024
MAX_BODY = 1 << 20  # the Hub's webhook payloads are a few KB
MAX_CONNECTIONS = 256
READ_SIZE = 64 * 1024
HEAD_READ_SIZE = 4 * 1024


@dataclass(frozen=True)
class Request:
    """One HTTP request: header names are lower case; `body` is complete."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    client: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: Any) -> Response:
    return Response(status, json.dumps(data).encode())


Handler = Callable[[Request], Awaitable[Response]]


class _Rejected(Exception):
    """The request cannot be served: answer `response` (when the protocol still allows it) and close."""

    def __init__(self, response: Response | None) -> None:
        self.response = response


class HttpServer:
    """Routes (method, path) to async handlers; see the module docstring for the limits."""

    def __init__(self, host: str, port: int, routes: dict[tuple[str, str], Handler], *,
                 max_connections: int = MAX_CONNECTIONS, header_timeout: float = HEADER_TIMEOUT,
                 body_timeout: float = BODY_TIMEOUT, max_body: int = MAX_BODY) -> None:
        self.host, self.requested_port = host, port
        self.routes = routes
        self.max_connections = max_connections
        self.header_timeout, self.body_timeout, self.max_body = header_timeout, body_timeout, max_body
        self._server: asyncio.Server | None = None
        # writer -> still waiting for the client (headers or body), so droppable at the cap; oldest first
        self._open: dict[asyncio.StreamWriter, bool] = {}
        self._tasks: set[asyncio.Task] = set()
        self.dropped_idle = 0
        self.on_close: list[Callable[[], None]] = []  # e.g. a handler's last log line

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    @property
    def connections(self) -> int:
        return len(self._open)

    async def start(self) -> None:
        """Listen; raises OSError when the address cannot be used (e.g. the port is taken)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.requested_port, backlog=512,
                                                  limit=READ_SIZE)

    async def close(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1.0)
        for callback in self.on_close:
            callback()

    def _make_room(self) -> bool:
        """At the cap: drop the oldest connection still waiting for the client; False when none is."""
        if len(self._open) < self.max_connections:
            return True
        idle = next((w for w, waiting in self._open.items() if waiting), None)
        if idle is None:
            return False
        del self._open[idle]
        idle.transport.abort()
        self.dropped_idle += 1
        return True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            if self._make_room():
                await self._serve_one(reader, writer)
            else:
                await _refuse(reader, writer)
        except asyncio.CancelledError:
            writer.transport.abort()  # the server is closing
        finally:
            self._tasks.discard(task)

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open[writer] = True
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER)
        try:
            response = await self._handle(conn, reader, writer)
        except _Rejected as rejected:
            response = rejected.response
        except (ConnectionError, h11.ProtocolError):
            response = None
        try:
            if response is not None and conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                writer.write(_encode(conn, response))
                await asyncio.wait_for(writer.drain(), self.body_timeout)
        except (ConnectionError, TimeoutError, h11.ProtocolError):
            pass
        finally:
            self._open.pop(writer, None)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _handle(self, conn: h11.Connection, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> Response | None:
        try:
            event = await asyncio.wait_for(_read_head(conn, reader), self.header_timeout)
        except TimeoutError:
            raise _Rejected(None) from None  # slow or idle: closed without a word
        except h11.RemoteProtocolError as exc:
            raise _Rejected(json_response(exc.error_status_hint, {"error": "bad request"})) from None
        if not isinstance(event, h11.Request):
            return None  # closed before a request
        self._open[writer] = False
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
        url = urlsplit(event.target.decode("latin-1"))
        method = event.method.decode("latin-1")
        handler = self.routes.get((method, url.path))
        if handler is None:
            known = any(path == url.path for _m, path in self.routes)
            return json_response(405 if known else 404, {"error": "method not allowed" if known else "not found"})
        self._open[writer] = True  # reading the body: the client's turn again, droppable like an idle head
        body = await self._body(conn, reader, writer, headers)
        self._open[writer] = False
        peer = writer.get_extra_info("peername")
        request = Request(method, url.path, url.query, headers, body, str(peer[0]) if peer else "?")
        try:
            return await handler(request)
        except Exception:  # noqa: BLE001  (a handler's bug: 500, never a dead connection task)
            log.exception("HTTP handler for %s %s failed", method, url.path)
            return json_response(500, {"error": "internal error"})

    async def _body(self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    headers: dict[str, str]) -> bytes:
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise _Rejected(json_response(413, {"error": f"a body of at most {self.max_body} bytes is expected"}))
        if conn.they_are_waiting_for_100_continue:
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        chunks: list[bytes] = []
        size = 0

        async def read_all() -> None:
            nonlocal size
            while True:
                event = await _next_event(conn, reader)
                if isinstance(event, h11.EndOfMessage):
                    return
                if not isinstance(event, h11.Data):
                    raise _Rejected(None)
                size += len(event.data)
                if size > self.max_body:
                    raise _Rejected(json_response(413, {"error": "body too large"}))
                chunks.append(event.data)

        try:
            await asyncio.wait_for(read_all(), self.body_timeout)
        except TimeoutError:
            raise _Rejected(json_response(408, {"error": "the body did not arrive in time"})) from None
        except h11.RemoteProtocolError:
            raise _Rejected(json_response(400, {"error": "bad request body"})) from None
        return b"".join(chunks)


async def _read_head(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
    """The request line and headers (or the connection's end); 431 past MAX_HEADER bytes."""
    received = 0
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        data = await reader.read(HEAD_READ_SIZE)
        received += len(data)
        if received > MAX_HEADER:
            raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
        conn.receive_data(data)


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader, size: int = READ_SIZE) -> Any:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await reader.read(size))  # b"" at EOF: h11 then reports the close


def _encode(conn: h11.Connection, response: Response) -> bytes:
    headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
               ("Connection", "close"), ("Server", "release-tracker"), *response.headers.items()]
    return (conn.send(h11.Response(status_code=response.status, headers=headers))
            + conn.send(h11.Data(data=response.body)) + conn.send(h11.EndOfMessage()))


async def _refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Every slot is busy serving: 503. What the client sent is read first (briefly), since closing with
    unread data would reset the connection and lose the answer."""
    with contextlib.suppress(TimeoutError, ConnectionError):
        await asyncio.wait_for(reader.read(MAX_HEADER), 0.2)
    body = b'{"error": "too many connections"}'
    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with contextlib.suppress(TimeoutError, ConnectionError):
        await asyncio.wait_for(writer.drain(), 1.0)
    writer.close()
