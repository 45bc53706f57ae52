"""The Hub-webhook receiver: a repo event of a watched organisation triggers a poll of it at once.

Point a Hub webhook (https://huggingface.co/settings/webhooks, watching the labs' organisations, domain
"repo") at `http://HOST:PORT/hub-webhook` (served by tracker.http_server) with a secret, and set
TRACKER_HUB_WEBHOOK_SECRET to the same value: a release is then seen within seconds instead of at the
next poll. The Hub sends the secret verbatim in `X-Webhook-Secret` (no HMAC); we compare it in constant
time. The payload only says *which* repo changed; the organisation is re-listed through the normal poll,
so nothing in the payload is trusted beyond that.
Docs: https://huggingface.co/docs/hub/webhooks
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from tracker.http_server import Request, Response, json_response
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)

PATH = "/hub-webhook"


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


class WebhookReceiver:
    """The handler of POST /hub-webhook on the runtime's HTTP server; `on_org(org)` is called (on the event
    loop) for each accepted event."""

    def __init__(self, secret: str, watchlist: Watchlist, on_org: Callable[[str], None]) -> None:
        self.secret = secret
        self.watchlist = watchlist
        self.on_org = on_org

    def secret_ok(self, header: str | None, query: str) -> bool:
        given = header if header is not None else (parse_qs(query).get("secret") or [""])[0]
        return hmac.compare_digest(given.encode(), self.secret.encode())

    async def __call__(self, request: Request) -> Response:
        if not request.body:
            return json_response(400, {"error": "a JSON body of at most 1 MB is expected"})
        if not self.secret_ok(request.headers.get("x-webhook-secret"), request.query):
            log.warning("Hub webhook with a wrong or missing secret from %s", request.client)
            return json_response(401, {"error": "wrong or missing X-Webhook-Secret"})
        try:
            payload = json.loads(request.body)
        except ValueError:
            return json_response(400, {"error": "the body is not JSON"})
        org = org_to_poll(payload, self.watchlist)
        if org is None:
            return json_response(200, {"ok": True, "ignored": "not a model of a watched organisation"})
        self.on_org(org)
        return json_response(202, {"ok": True, "polling": org})
