"""The Hub-webhook receiver: a repo event of a watched organisation triggers a poll of it at once.

Point a Hub webhook (https://huggingface.co/settings/webhooks, watching the labs' organisations, domain
"repo") at `http://HOST:PORT/hub-webhook` (served by tracker.run.http_server) with a secret, and set
TRACKER_HUB_WEBHOOK_SECRET to the same value: a release is then seen within seconds instead of at the
next poll. The Hub sends the secret verbatim in `X-Webhook-Secret` (no HMAC); we compare it in constant
time, and accept it only there (never in the URL, where proxies log it). Rejected requests are logged at
most once a minute, with a count, so a flood of bad requests cannot flood the log. The payload only says
*which* repo changed; the organisation is re-listed through the normal poll, so nothing in the payload is
trusted beyond that.
Docs: https://huggingface.co/docs/hub/webhooks
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from tracker.run.http_server import Request, Response, json_response
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)

PATH = "/hub-webhook"
REJECT_LOG_WINDOW = 60.0


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


class RejectionLog:
    """Warns of the first rejected request, then counts the rest and sums them up at most once per `window`
    seconds: "rejected 5,999 webhook requests with a wrong or missing secret in the last 60 s"."""

    def __init__(self, window: float = REJECT_LOG_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._warned_at: float | None = None
        self._count = 0
        self._flush: asyncio.TimerHandle | None = None

    def reject(self, client: str) -> None:
        now = self.clock()
        if self._warned_at is None or now - self._warned_at >= self.window:
            self.flush()
            log.warning("Hub webhook with a wrong or missing X-Webhook-Secret from %s (more are counted and logged "
                        "at most once a minute)", client)
            self._warned_at = now
            return
        self._count += 1
        if self._flush is None:  # sum up at the end of this window, even if the requests stop
            with contextlib.suppress(RuntimeError):  # no running loop: the count waits for the next flush
                self._flush = asyncio.get_running_loop().call_later(self._warned_at + self.window - now,
                                                                    self._end_window)

    def _end_window(self) -> None:
        self._flush = None
        if self._count:
            self.flush()
            self._warned_at = self.clock()

    def flush(self) -> None:
        """Log the count of rejections not yet logged (at the end of a window, and when the server stops)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._count:
            log.warning("rejected %s webhook requests with a wrong or missing secret in the last %.0f s",
                        f"{self._count:,}", self.window)
            self._count = 0


class WebhookReceiver:
    """The handler of POST /hub-webhook on the runtime's HTTP server; `on_org(org)` is called (on the event
    loop) for each accepted event."""

    def __init__(self, secret: str, watchlist: Watchlist, on_org: Callable[[str], None],
                 rejections: RejectionLog | None = None) -> None:
        self.secret = secret
        self.watchlist = watchlist
        self.on_org = on_org
        self.rejections = rejections or RejectionLog()

    def secret_ok(self, header: str | None) -> bool:
        return hmac.compare_digest((header or "").encode(), self.secret.encode())

    async def __call__(self, request: Request) -> Response:
        if not self.secret_ok(request.headers.get("x-webhook-secret")):
            self.rejections.reject(request.client)
            return json_response(401, {"error": "wrong or missing X-Webhook-Secret"})
        if not request.body:
            return json_response(400, {"error": "a JSON body of at most 1 MB is expected"})
        try:
            payload = json.loads(request.body)
        except ValueError:
            return json_response(400, {"error": "the body is not JSON"})
        org = org_to_poll(payload, self.watchlist)
        if org is None:
            return json_response(200, {"ok": True, "ignored": "not a model of a watched organisation"})
        self.on_org(org)
        return json_response(202, {"ok": True, "polling": org})
