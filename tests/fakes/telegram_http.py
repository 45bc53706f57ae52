"""HTTP layer of the fake Bot API: routing, body decoding, outages, admin endpoints.

Routes: ``/bot{token}/{method}`` (GET or POST; form-urlencoded, JSON or multipart bodies,
plus query-string parameters) and ``/_fake/...`` admin endpoints for out-of-process use:

* ``GET /_fake/stats`` – counters (:meth:`FakeTelegram.stats`);
* ``GET /_fake/messages?chat_id=X`` – stored bot messages of a chat;
* ``GET /_fake/requests`` – the request log (method, status, time, description);
* ``POST /_fake/chats`` – register chats: ``{"id", "type", "title", "username", "is_forum",
  "first_name"}`` or a list of them;
* ``POST /_fake/rate_limits`` – ``RateLimits`` fields as JSON, or ``null`` to disable;
* ``POST /_fake/down`` – ``{"down": true, "mode": "502"|"refuse"|"close", "duration": s}``;
* ``POST /_fake/fail_next``, ``/_fake/user_sends``, ``/_fake/block_user`` – keyword arguments
  of the methods of the same name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .quiet_server import QuietThreadingHTTPServer
from .telegram_limits import RateLimits

if TYPE_CHECKING:
    from .telegram_api import FakeTelegram

__all__ = ["FakeHttpServer"]

_ROUTE = re.compile(r"/bot([^/]*)/([A-Za-z0-9_]+)/?")
_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


def decode_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Parameters from a request body (form, JSON or multipart)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        data = json.loads(body.decode("utf-8"))
        return data if isinstance(data, dict) else {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                params[str(name)] = {"filename": part.get_filename(), "content": payload}
            else:
                params[str(name)] = payload.decode("utf-8", "replace")
        return params
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access log
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Server", "nginx/1.18.0")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client went away (e.g. a cancelled long poll)
            self.close_connection = True

    def _send_json(self, status: int, payload: Any) -> None:
        try:
            body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate a client sent: Telegram escapes it as \ud800
            body = json.dumps(payload, default=str).encode("ascii")
        self._send(status, body)

    def _handle(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        path, _, query = self.path.partition("?")
        if path.startswith("/_fake/"):
            self._admin(path, query, body)
            return
        if fake.down in ("refuse", "close"):
            self.close_connection = True  # drop the connection without an answer
            return
        if fake.down == "502":
            self._send(502, _NGINX_502, "text/html")
            return
        match = _ROUTE.fullmatch(path)
        try:
            params = dict(parse_qsl(query, keep_blank_values=True))
            params.update(decode_body(self.headers.get("Content-Type", ""), body))
        except ValueError:
            self._send_json(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"})
            return
        if match is None:
            self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        if token != fake.token:
            fake.record(method, params, 401, "Unauthorized")
            self._send_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        status, payload = fake.call(method, params)
        if delay := fake.latency.get(method.lower(), 0.0):
            time.sleep(delay)  # the network and Telegram's own time, outside the fake's lock
        self._send_json(status, payload)

    def _admin(self, path: str, query: str, body: bytes) -> None:
        fake = self.server.fake
        args = dict(parse_qsl(query))
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        name = path[len("/_fake/") :].strip("/")
        try:
            result = self._admin_action(fake, name, args, data)
        except KeyError:
            self._send_json(404, {"ok": False, "description": f"unknown admin endpoint {name}"})
            return
        except Exception as exc:  # surface mistakes of the benchmark harness clearly
            self._send_json(400, {"ok": False, "description": f"{type(exc).__name__}: {exc}"})
            return
        self._send_json(200, {"ok": True, "result": result})

    @staticmethod
    def _admin_action(fake: FakeTelegram, name: str, args: dict[str, str], data: Any) -> Any:
        if name == "stats":
            return fake.stats()
        if name == "messages":
            return [dataclasses.asdict(m) for m in fake.messages(args["chat_id"])]
        if name == "requests":
            return [dataclasses.asdict(r) | {"params": None} for r in fake.all_requests]
        if name == "chats":
            specs = data if isinstance(data, list) else [data]
            return [
                fake.add_chat(
                    int(s["id"]),
                    s.get("type", "channel"),
                    title=s.get("title"),
                    username=s.get("username"),
                    is_forum=bool(s.get("is_forum")),
                    first_name=s.get("first_name"),
                ).to_api()
                for s in specs
            ]
        if name == "rate_limits":
            if data is not None and "counted_methods" in data:
                data["counted_methods"] = frozenset(m.lower() for m in data["counted_methods"])
            fake.set_rate_limits(None if data is None else RateLimits(**data))
            return True
        actions = {
            "down": fake.set_down,
            "fail_next": fake.fail_next,
            "user_sends": fake.user_sends,
            "block_user": fake.block_user,
        }
        return actions[name](**data)


class _Server(QuietThreadingHTTPServer):
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeTelegram, connections: set[socket.socket]) -> None:
        self.fake = fake
        self.connections = connections
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle/delayed-ACK 40 ms stalls
        self.connections.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)


class FakeHttpServer:
    """Owns the listening socket (which can be closed and re-opened on the same port)."""

    def __init__(self, fake: FakeTelegram, host: str, port: int) -> None:
        self.fake, self.host = fake, host
        self.connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.set_listening(True)

    def set_listening(self, listening: bool) -> None:
        """Open or close the listening socket (open connections stay; see ``close``)."""
        with self._lock:
            if listening and self._server is None:
                self._server = _Server((self.host, self.port), self.fake, self.connections)
                self.port = self._server.server_address[1]
                self._thread = threading.Thread(
                    target=self._server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"fake-telegram-{self.port}",
                    daemon=True,
                )
                self._thread.start()
            elif not listening and self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._server = None

    def _drop_connections(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop serving for good and drop open connections."""
        self.set_listening(False)
        self._drop_connections()
