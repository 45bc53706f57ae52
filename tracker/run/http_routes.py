"""What the HTTP server of `tracker run` answers: GET /healthz, GET /metrics and (with a secret) the Hub
webhook at POST /hub-webhook.

/healthz is JSON (tracker.run.health), 200 when healthy and 503 when not; /metrics is Prometheus text
(tracker.run.metrics). Both read the store in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from tracker.run.health import Health, read_health
from tracker.run.http_server import Handler, Request, Response, json_response
from tracker.run.metrics import Metrics
from tracker.store.releases import Store
from tracker.store.tables import utcnow

log = logging.getLogger(__name__)


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


class StatusRoutes:
    """/healthz and /metrics of one running tracker; `role()` says whether it is the leader right now."""

    def __init__(self, store: Store, poll_interval: float, metrics: Metrics, role: Callable[[], str],
                 started_at: datetime,
                 rate_limited: Callable[[datetime], dict[str, datetime]] = lambda _now: {}) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self.metrics = metrics
        self.role = role
        self.started_at = started_at
        self.rate_limited = rate_limited

    async def health(self) -> Health:
        now = utcnow()
        return await asyncio.to_thread(read_health, self.store, self.poll_interval, now, self.role(),
                                       self.started_at, self.rate_limited(now))

    async def healthz(self, _request: Request) -> Response:
        try:
            health = await self.health()
        except Exception as exc:  # noqa: BLE001  (the store is down: that is the answer)
            log.warning("health check could not read the store: %s", _short(exc))
            return json_response(503, {"status": "error", "healthy": False, "role": self.role(),
                                       "detail": f"cannot read the store: {type(exc).__name__}"})
        return json_response(200 if health.healthy else 503, health.to_json())

    async def metrics_page(self, _request: Request) -> Response:
        try:
            health: Health | None = await self.health()
        except Exception as exc:  # noqa: BLE001  (the counters are still worth serving)
            log.warning("metrics could not read the store: %s", _short(exc))
            health = None
        body, content_type = self.metrics.render(health)
        return Response(200, body, content_type)

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {("GET", "/healthz"): self.healthz, ("GET", "/metrics"): self.metrics_page}
