"""The Prometheus metrics of `tracker run`, served at GET /metrics (text format, via prometheus-client).

Each Runtime has its own CollectorRegistry (not the library's global one), so two runtimes in one
process, as in tests, never share or collide. Counters are bumped where things happen (the runtime's
poll and delivery, the Hub client's request hook, the bot's rate limiter); the gauges of the outbox and
the role are set from a fresh health reading just before each scrape.
Format: https://prometheus.io/docs/instrumenting/exposition_formats/
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from tracker.run.health import Health

# Poll cycles take from a fraction of a second (quiet, few labs) to minutes (first poll, Hub retries).
POLL_BUCKETS = (0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
# The classic text format every Prometheus version scrapes (what prometheus-client's own server falls back to).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DELIVERY_OUTCOMES = ("sent", "edited", "retried", "dropped", "failed")


class Metrics:
    """The tracker's metrics in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter("tracker_polls", "Poll cycles completed (scheduled and webhook-triggered).",
                             registry=r)
        self.hub_requests = Counter("tracker_hub_requests", "HTTP requests to the Hub, by status code "
                                    "('error' when no answer came: timeout, refused, DNS, TLS).", ["status"],
                                    registry=r)
        self.alerts = Counter("tracker_alerts", "Alerts (new releases, license changes) created by polls.",
                              registry=r)
        self.deliveries = Counter("tracker_deliveries", "Delivery attempts to Telegram or the console, by "
                                  "outcome.", ["outcome"], registry=r)
        self.telegram_429 = Counter("tracker_telegram_429", "Telegram answers 429 Too Many Requests.", registry=r)
        self.outbox_pending = Gauge("tracker_outbox_pending", "Deliveries waiting to be sent.", registry=r)
        self.poll_duration = Histogram("tracker_poll_duration_seconds", "Duration of a poll cycle.",
                                       buckets=POLL_BUCKETS, registry=r)
        self.leader = Gauge("tracker_leader", "1 when this instance is the leader (polls and delivers), else 0.",
                            registry=r)
        self.source_polls = Counter("tracker_source_polls", "Poll cycles completed, by hub (huggingface, "
                                    "modelscope).", ["hub"], registry=r)
        self.source_poll_age = Gauge("tracker_source_last_poll_age_seconds", "Seconds since the last successful "
                                     "poll of any organisation, by hub.", ["hub"], registry=r)
        self.source_failing = Gauge("tracker_source_orgs_failing", "Organisations whose last poll failed, by hub.",
                                    ["hub"], registry=r)
        for outcome in DELIVERY_OUTCOMES:  # present from the start, so rate() works from the first scrape
            self.deliveries.labels(outcome)

    def hub_response(self, status: str) -> None:
        """The Hub client's request hook (called from worker threads; prometheus-client is thread-safe)."""
        self.hub_requests.labels(status).inc()

    def count_deliveries(self, **outcomes: int) -> None:
        for outcome, count in outcomes.items():
            if count:
                self.deliveries.labels(outcome).inc(count)

    def render(self, health: Health | None) -> tuple[bytes, str]:
        """The text exposition, with the gauges set from `health` (kept as they were when it is None)."""
        if health is not None:
            self.outbox_pending.set(health.outbox_pending)
            self.leader.set(1 if health.role == "leader" else 0)
            for hub, state in health.hubs.items():
                if state["last_poll_age_s"] is not None:
                    self.source_poll_age.labels(hub).set(state["last_poll_age_s"])
                self.source_failing.labels(hub).set(len(state["orgs_failing"]))
        return generate_latest(self.registry), CONTENT_TYPE
