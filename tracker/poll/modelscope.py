"""ModelScope as a second source: one poll cycle over the watchlist's ModelScope organisations.

It is a lane of its own beside the Hub's poll (tracker.run.daemon runs it as its own job, with its own
client, timeouts and stop gate), so ModelScope's failures, 429s and slowness never delay the Hub's alerts,
nor the reverse. The same rules as on the Hub: an organisation's first look is a silent backfill (but models
created in the last 24 hours are alerted), a model seen again is not new, license texts are normalised by
the facts, and config.json is read for new releases. A model the Hub already showed is the same release
(tracker.store.sources): it gains its ModelScope source and no alert.

A quiet cycle is one listing request per organisation: listings are newest-modified first and stop at the
first model not modified since the organisation's last successful look.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from tracker.detect import SKEW, Known, LicenseKey, detect_changes
from tracker.facts import ModelFacts
from tracker.hub.errors import MAX_RATE_WAIT, HubError
from tracker.hub.modelscope import ModelScopeClient
from tracker.hub.sources import MS_STATE_PREFIX
from tracker.outage import OutageLog, duration
from tracker.poll.cycle import CycleReport, facts_for
from tracker.poll.stop import PollAbandoned, StopGate
from tracker.store import sources as ms_store
from tracker.store.releases import OrgPollSummary, Store
from tracker.store.tables import utcnow
from tracker.watchlist import Lab, Watchlist

log = logging.getLogger(__name__)
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=5)
_KINDS = ("new", "published", "backfill")


class ModelScopePoller:
    """Runs poll cycles over the watchlist's ModelScope organisations with one client and one store."""

    def __init__(self, client: ModelScopeClient, store: Store, watchlist: Watchlist, hf_web_url: str,
                 workers: int = 4, clock: Callable[[], datetime] | None = None) -> None:
        self.client = client
        self.store = store
        self.watchlist = watchlist
        self.hf_web_url = hf_web_url
        self.workers = workers
        self.clock = clock or utcnow
        self.gate = StopGate()
        self.retry_at: datetime | None = None
        self._backoff = BACKOFF_FIRST
        self._limited: dict[str, datetime] = {}
        self._lock = threading.Lock()
        endpoint = client.endpoint
        self.outage = OutageLog(
            log, timedelta(0),
            lambda o: f"ModelScope at {endpoint} is unreachable: {o.error}; retrying with backoff (the Hub's "
                      "polls go on)",
            lambda o, span, _n: f"ModelScope at {endpoint} is reachable again after {duration(span)}")

    def rate_limited_orgs(self, now: datetime) -> dict[str, datetime]:
        """The ModelScope organisations skipped for a 429 now, and until when."""
        with self._lock:
            return {MS_STATE_PREFIX + org: until for org, until in sorted(self._limited.items()) if until > now}

    def run_cycle(self) -> CycleReport:
        """Poll every watched ModelScope organisation once (skipped while ModelScope is unreachable and its
        backoff runs, or an organisation's 429 wait has not passed)."""
        report = CycleReport()
        orgs = self.watchlist.modelscope_orgs
        now = self.clock()
        if self.retry_at is not None and now < self.retry_at and self.outage.current is not None:
            report.hub_unreachable = self.outage.current.error
            report.orgs_skipped = [org for org, _lab in orgs]
            return report
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="modelscope") as pool:
            results = list(pool.map(lambda pair: self._poll_org_safely(*pair), orgs))
        unreachable: list[str] = []
        for (org, _lab), result in zip(orgs, results, strict=True):
            report.add(org, result[1] if isinstance(result, tuple) else result)  # (failure kind, why, cause)
            if isinstance(result, tuple) and result[0] in ("unreachable", "timeout"):
                unreachable.append(result[2])
        now = self.clock()
        if unreachable and not report.orgs_ok and len(unreachable) == len(report.orgs_failed):
            report.hub_unreachable = unreachable[0]
            self.outage.failure(report.hub_unreachable, now)
            self.retry_at, self._backoff = now + self._backoff, min(self._backoff * 2, BACKOFF_MAX)
        elif report.orgs_ok:
            self.outage.success(now)
            self.retry_at, self._backoff = None, BACKOFF_FIRST
        return report

    def _poll_org_safely(self, org: str, lab: Lab) -> OrgPollSummary | tuple[str, str, str] | None:
        """The organisation's summary, (kind, message, cause) of its failure, or None when it was skipped."""
        with self._lock:
            until = self._limited.get(org)
            if until is not None and self.clock() < until:
                return None
            self._limited.pop(org, None)
        try:
            return self.poll_org(org, lab)
        except PollAbandoned:
            raise
        except HubError as exc:
            kind, message, cause = exc.kind, str(exc), exc.reason
            if kind == "rate-limited":
                wait = min(max(exc.retry_after or 0.0, 1.0), MAX_RATE_WAIT)
                with self._lock:
                    self._limited[org] = self.clock() + timedelta(seconds=wait)
                log.warning("ModelScope rate-limits us for %s (%.0fs); skipping it until then", org, wait)
        except Exception as exc:  # noqa: BLE001  (one organisation must never stop the cycle)
            log.exception("unexpected error while polling %s on ModelScope", org)
            kind, message = "error", f"{org} on ModelScope: unexpected error: {type(exc).__name__}"
            cause = message
        with self.gate.write():
            previous = self.store.org_state(MS_STATE_PREFIX + org)
            state = self.store.record_org_failure(MS_STATE_PREFIX + org, lab, message, self.clock())
        changed = previous is None or previous.error_count == 0 or previous.last_error != state.last_error
        if changed and kind not in ("rate-limited", "unreachable", "timeout"):
            log.warning("poll of %s on ModelScope failed: %s (logged again only if it changes)", org, message)
        return kind, message, cause

    def poll_org(self, org: str, lab: Lab) -> OrgPollSummary:
        """List one ModelScope organisation and store what is new on it."""
        state, known = ms_store.ms_snapshot(self.store, org, lab)
        first = state is None or state.first_polled_at is None
        since = state.last_success_at - SKEW if state is not None and state.last_success_at and not first else None
        listing = self.client.list_org(org, since)
        now = self.clock()
        before = {repo: Known(repo, "public", LicenseKey(None, None, None), None) for repo in known}
        changes = [c for c in detect_changes(listing.models, before, first_poll=first,
                                             last_success_at=state.last_success_at if state else None, now=now)
                   if c.kind in _KINDS]
        facts: dict[str, ModelFacts] = {}
        for change in changes:
            assert change.model is not None
            config, problem = self.client.config(change.repo_id) if change.kind != "backfill" else (None, None)
            facts[change.repo_id] = facts_for(change.model, config, problem)
        urls = {c.repo_id: self.client.url(c.repo_id) for c in changes}
        with self.gate.write():
            summary, links = ms_store.apply_ms_poll(self.store, org, lab, changes, facts, now=now,
                                                    model_count=len(listing.models), urls=urls,
                                                    hf_web_url=self.hf_web_url)
        summary.linked = len(links)
        if summary.new or summary.linked:
            log.info("%s on ModelScope: %d new, %d already on the Hub", org, summary.new, summary.linked)
        return summary
