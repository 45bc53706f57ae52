"""Quantized builds of recent releases, from any organisation, at most 2 extra Hub requests per cycle.

Each cycle, when a subscriber wants builds (`/settings quants on` or a memory set) and a release we alerted
was released in the last 14 days, one listing of the newest models across the Hub (a second page only to
close a gap since the previous listing, whose newest model is kept in the store) is matched on
`base_model:` tags against those releases. Each new candidate then costs one request for its files' sizes.
A build whose upload has not finished (no complete weight set yet) is looked at again later (5 minutes
doubling to 2 hours, for a day); the decisions are pure (tracker.facts.builds), the rows are kept by
tracker.store.builds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tracker.facts.builds import base_links, build_format, is_build_of, variants
from tracker.hub.builds import newest_models
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError
from tracker.hub.shapes import HubModel
from tracker.poll.stop import StopGate
from tracker.store import builds
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store

log = logging.getLogger(__name__)
RECENT = timedelta(days=14)
RETRY_FOR = timedelta(days=1)  # an upload still without complete weights is looked at again this long,
RETRY_FIRST, RETRY_CAP = timedelta(minutes=5), timedelta(hours=2)  # 5 min doubling to 2 h: about 15 requests
SINCE_FLAG = "quant_builds_since"  # the newest model the last listing saw (a runtime flag: restarts keep it)
MAX_SIZE_REQUESTS = 20  # file lists read per cycle; more candidates wait for the next cycle


@dataclass
class Candidate:
    model: HubModel
    release_id: int
    format: str
    found_at: datetime
    next_at: datetime | None = None
    tries: int = 0


@dataclass
class BuildScan:
    """State kept between cycles: the newest model the last listing saw, and builds still uploading."""

    since: datetime | None = None
    waiting: dict[str, Candidate] = field(default_factory=dict)
    requests: int = 0  # Hub requests the last scan made (listing and file lists)

    def run(self, hub: HubClient, store: Store, gate: StopGate, now: datetime) -> list[str]:
        """One scan; returns the build repos stored. A Hub failure is logged and costs nothing else."""
        self.requests = 0
        if not builds.wanted(store):
            return []
        releases = builds.recent_releases(store, now - RECENT)
        if not releases:
            return []
        if self.since is None:  # a new process: where the last one's listing stopped, kept in the store
            self.since = _parse(subscriptions.get_flag(store, SINCE_FLAG))
        try:
            listing = newest_models(hub, self.since)
        except HubError as exc:
            log.warning("quantized builds: %s", exc)
            return []
        self.requests += listing.requests
        if not listing.complete:
            log.info("quantized builds: more new models since the last listing than %d requests show",
                     listing.requests)
        if listing.models and listing.models[0].created_at is not None:
            self.since = max(filter(None, (self.since, listing.models[0].created_at)))
        for model in listing.models:
            if (found := candidate(model, releases)) is not None:
                self.waiting.setdefault(model.repo_id, Candidate(model, found[0], found[1], now))
        for repo_id in builds.known(store, self.waiting):
            del self.waiting[repo_id]
        stored = self._size_and_store(hub, store, gate, now)
        self._remember(store, gate)
        return stored

    def _remember(self, store: Store, gate: StopGate) -> None:
        """Keep where the listing stopped for the next process: just before the oldest build still uploading,
        so that a restart lists it again instead of losing it."""
        if self.since is None:
            return
        uploading = [c.model.created_at for c in self.waiting.values() if c.model.created_at is not None]
        keep = min([self.since, *(t - timedelta(milliseconds=1) for t in uploading)])
        with gate.write():
            subscriptions.set_flag(store, SINCE_FLAG, keep.isoformat())

    def _size_and_store(self, hub: HubClient, store: Store, gate: StopGate, now: datetime) -> list[str]:
        stored: list[str] = []
        due = [(r, c) for r, c in self.waiting.items() if c.next_at is None or c.next_at <= now]
        for repo_id, cand in due[:MAX_SIZE_REQUESTS]:
            manifest = hub.weight_files(repo_id)  # the files now, not at the listed commit: uploads go on
            self.requests += 1
            sizes = {name: f.get("size") for name, f in (manifest or {}).items()}
            complete = {v.name: v.bytes for v in variants(sizes, cand.format)}
            if not complete:
                if now - cand.found_at > RETRY_FOR:
                    del self.waiting[repo_id]
                else:
                    cand.next_at = now + min(RETRY_CAP, RETRY_FIRST * 2 ** cand.tries)
                    cand.tries += 1
                continue
            found = builds.FoundBuild(cand.release_id, repo_id, cand.format, complete, cand.model.created_at)
            with gate.write():
                if builds.record(store, found, now):
                    stored.append(repo_id)
            del self.waiting[repo_id]
        if stored:
            log.info("quantized builds: %s", ", ".join(stored))
        return stored


def candidate(model: HubModel, releases: dict[str, int]) -> tuple[int, str] | None:
    """(release id, format) when `model` is a quantized build of one of `releases` (lower-case repo id ->
    id) by its `base_model:` tags; None otherwise. Pure."""
    fmt = build_format(model.tags, model.library_name, model.config_subset, model.safetensors)
    for relation, base in base_links(model.tags):
        release = releases.get(base.lower())
        if release is not None and base.lower() != model.repo_id.lower() and is_build_of(relation, fmt):
            return release, fmt or "quantized"
    return None


def _parse(value: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when
