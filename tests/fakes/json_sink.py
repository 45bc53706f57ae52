"""A fake notification endpoint: what Apprise's `json://` target posts to, as a real HTTP server on 127.0.0.1.

Apprise's JSON plugin POSTs `{"version": "1.0", "title": ..., "message": ..., "type": "info", ...}` with
`Content-Type: application/json` (https://github.com/caronc/apprise/wiki/Notify_Custom_JSON). The sink keeps
every accepted message; `set_down(seconds)` answers 503 for that long, as a service in an outage does.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.quiet_server import QuietThreadingHTTPServer


@dataclass(frozen=True)
class Posted:
    """One accepted notification."""

    path: str
    title: str
    message: str
    body: dict[str, Any]
    authorization: str | None


class JsonSink:
    """`with JsonSink() as sink:` serves on a free port; `sink.target("path")` is the json:// URL for it."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.refused = 0
        self._down_until = 0.0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if time.monotonic() < sink._down_until:
                    with sink._lock:
                        sink.refused += 1
                    self._answer(503, b'{"error": "service unavailable"}')
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._answer(400, b'{"error": "not JSON"}')
                    return
                with sink._lock:
                    sink.posted.append(Posted(self.path, body.get("title", ""), body.get("message", ""), body,
                                              self.headers.get("Authorization")))
                self._answer(200, b'{"ok": true}')

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = QuietThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> JsonSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def target(self, path: str = "hook", secret: str = "s3cret-token") -> str:
        """The Apprise URL of this sink (basic auth carries `secret`, as a real hook's token would be)."""
        return f"json://bot:{secret}@127.0.0.1:{self.port}/{path}"

    def set_down(self, seconds: float) -> None:
        """Answer 503 to every notification for `seconds` from now."""
        self._down_until = time.monotonic() + seconds

    def messages(self, path: str | None = None) -> list[Posted]:
        with self._lock:
            return [p for p in self.posted if path is None or p.path == f"/{path}"]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 30) -> list[Posted]:
        """Wait until `count` messages (to `path`) have arrived; returns them."""
        deadline = time.monotonic() + timeout
        while len(self.messages(path)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} notifications, got {len(self.messages(path))}: "
                                     f"{[p.title for p in self.messages(path)]}")
            time.sleep(0.05)
        return self.messages(path)
