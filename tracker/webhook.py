"""The Hub-webhook receiver: a repo event of a watched organisation triggers a poll of it at once.

Point a Hub webhook (https://huggingface.co/settings/webhooks, watching the labs' organisations, domain
"repo") at `http://HOST:PORT/hub-webhook` with a secret, and set TRACKER_HUB_WEBHOOK_SECRET to the same
value: a release is then seen within seconds instead of at the next poll. The Hub sends the secret verbatim
in `X-Webhook-Secret` (no HMAC); we compare it in constant time. The payload only says *which* repo changed;
the organisation is re-listed through the normal poll, so nothing in the payload is trusted beyond that.
Docs: https://huggingface.co/docs/hub/webhooks
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)

PATH = "/hub-webhook"
MAX_BODY = 1 << 20  # the Hub's payloads are a few KB


def org_to_poll(payload: Any, watchlist: Watchlist) -> str | None:
    """The watched organisation a webhook payload is about, or None (not a model repo, not watched)."""
    if not isinstance(payload, dict):
        return None
    repo = payload.get("repo")
    if not isinstance(repo, dict) or repo.get("type") != "model":
        return None
    name = repo.get("name")
    if not isinstance(name, str) or "/" not in name:
        return None
    lab = watchlist.lab_for_org(name.split("/", 1)[0])
    if lab is None:
        return None
    return next(o for o in lab.orgs if o.lower() == name.split("/", 1)[0].lower())


class WebhookServer:
    """A small HTTP server in a daemon thread; `on_org(org)` is called for each accepted event."""

    def __init__(self, host: str, port: int, secret: str, watchlist: Watchlist,
                 on_org: Callable[[str], None]) -> None:
        self.secret = secret
        self.watchlist = watchlist
        self.on_org = on_org
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hub-webhook", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        self._thread.start()
        log.info("Hub webhook receiver listening on port %d at %s", self.port, PATH)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def secret_ok(self, header: str | None, query: str) -> bool:
        given = header if header is not None else (parse_qs(query).get("secret") or [""])[0]
        return hmac.compare_digest(given.encode(), self.secret.encode())


def _handler_for(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "release-tracker"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's name)
            log.debug("webhook: " + format, *args)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
            if urlsplit(self.path).path == "/healthz":
                self._answer(200, {"ok": True})
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path != PATH:
                self._answer(404, {"error": "not found"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self._answer(413 if length > MAX_BODY else 400, {"error": "a JSON body of at most 1 MB is expected"})
                return
            body = self.rfile.read(length)
            if not server.secret_ok(self.headers.get("X-Webhook-Secret"), url.query):
                log.warning("Hub webhook with a wrong or missing secret from %s", self.client_address[0])
                self._answer(401, {"error": "wrong or missing X-Webhook-Secret"})
                return
            try:
                payload = json.loads(body)
            except ValueError:
                self._answer(400, {"error": "the body is not JSON"})
                return
            org = org_to_poll(payload, server.watchlist)
            if org is None:
                self._answer(200, {"ok": True, "ignored": "not a model of a watched organisation"})
                return
            server.on_org(org)
            self._answer(202, {"ok": True, "polling": org})

    return Handler
