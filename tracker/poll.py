"""One poll cycle: list every watched organisation, detect changes, compute facts, store them.

The Hub client is synchronous, so organisations are polled in worker threads; one organisation's
failure is logged once and recorded, and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from tracker import discovery
from tracker.detect import Change, detect_changes
from tracker.facts import FactInputs, ModelFacts, compute_facts
from tracker.hub import HubClient, HubError, HubModel
from tracker.models import TrackedModel, utcnow
from tracker.store import OrgPollSummary, Store
from tracker.watchlist import Lab, Watchlist

log = logging.getLogger(__name__)
EMPTY_LISTING_GUARD = 5


@dataclass
class CycleReport:
    """What a whole poll cycle did."""

    orgs_ok: list[str] = field(default_factory=list)
    orgs_failed: dict[str, str] = field(default_factory=dict)
    summaries: list[OrgPollSummary] = field(default_factory=list)
    discovered: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> int:
        return sum(s.alerts for s in self.summaries)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.summaries)

    @property
    def all_failed(self) -> bool:
        return bool(self.orgs_failed) and not self.orgs_ok


def facts_for(model: HubModel, config: dict | None, config_problem: str | None) -> ModelFacts:
    """The facts of one Hub model (pure apart from the config it is handed)."""
    inputs = FactInputs(
        repo_id=model.repo_id,
        tags=model.tags,
        pipeline_tag=model.pipeline_tag,
        library_name=model.library_name,
        card_data=model.card_data,
        safetensors=model.safetensors,
        config=config,
        gguf=model.gguf,
        gated=model.gated if model.gated != "no" else False,
    )
    facts = compute_facts(inputs)
    if config_problem and config is None:
        facts = replace(facts, params_notes=(*facts.params_notes, config_problem))
    return facts


def stored_hub_model(row: TrackedModel) -> HubModel:
    """A HubModel rebuilt from a stored row and the Hub metadata kept with it."""
    meta = row.hub_meta or {}
    return HubModel(
        repo_id=row.repo_id, author=row.org, created_at=row.created_at, last_modified=row.last_modified,
        private=False, gated=row.gated, disabled=False, sha=row.sha, pipeline_tag=row.pipeline_tag,
        library_name=row.library_name, tags=tuple(row.tags or ()), card_data=meta.get("card_data") or {},
        safetensors=meta.get("safetensors"), config_subset=meta.get("config_subset"), gguf=meta.get("gguf"),
    )


class Poller:
    """Runs poll cycles over a watchlist with one Hub client and one store."""

    def __init__(self, hub: HubClient, store: Store, watchlist: Watchlist, workers: int = 6,
                 clock: Callable[[], datetime] | None = None, discover_min_likes: int | None = None) -> None:
        self.hub = hub
        self.store = store
        self.watchlist = watchlist
        self.workers = workers
        self.clock = clock or utcnow
        # With discovery on (TRACKER_DISCOVERY=1): the likes a trending model needs for its organisation to be
        # proposed; organisations the admins chose to watch join the watchlist at every cycle.
        self.discover_min_likes = discover_min_likes

    def run_cycle(self, only: Collection[str] | None = None) -> CycleReport:
        """Poll every watched organisation once (or only those in `only`)."""
        report = CycleReport()
        self.watchlist = discovery.effective_watchlist(self.watchlist, self.store)
        orgs = [(org, lab) for org, lab in self.watchlist.orgs if only is None or org in only]
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="poll") as pool:
            results = list(pool.map(lambda pair: self._poll_org_safely(*pair), orgs))
        for (org, _lab), result in zip(orgs, results, strict=True):
            if isinstance(result, OrgPollSummary):
                report.orgs_ok.append(org)
                report.summaries.append(result)
            else:
                report.orgs_failed[org] = result
        if self.discover_min_likes is not None and only is None:
            report.discovered = self.discover(self.discover_min_likes)
        return report

    def discover(self, min_likes: int) -> list[str]:
        """One request for the Hub's trending list; organisations worth proposing are stored (new ones
        returned). A failure is logged and costs nothing else."""
        try:
            trending = self.hub.trending(100)
        except HubError as exc:
            log.warning("discovery: %s", exc)
            return []
        found = discovery.candidates(trending, self.watchlist, self.clock(), min_likes)
        new = discovery.record(self.store, found, self.clock())
        if new:
            log.info("discovery: %d organisation(s) to propose: %s", len(new), ", ".join(new))
        return new

    def _poll_org_safely(self, org: str, lab: Lab) -> OrgPollSummary | str:
        try:
            return self.poll_org(org, lab)
        except HubError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001  (one organisation must never stop the cycle)
            log.exception("unexpected error while polling %s", org)
            message = f"{org}: unexpected error: {type(exc).__name__}"
        previous = self.store.org_state(org)
        state = self.store.record_org_failure(org, lab, message, self.clock())
        # Log a failure once, not every cycle: again only when the error changes.
        if previous is None or previous.error_count == 0 or previous.last_error != state.last_error:
            log.warning("poll of %s failed: %s (retried every cycle; logged again only if it changes)", org,
                        message)
        return message

    def poll_org(self, org: str, lab: Lab) -> OrgPollSummary:
        """List one organisation, detect what changed, and store it with its facts and alerts."""
        listing = self.hub.list_org(org)
        for skipped in listing.skipped:
            log.warning("%s: skipped a model with malformed metadata: %s", org, skipped)
        now = self.clock()
        state, known = self.store.org_snapshot(org)
        public_known = sum(1 for k in known.values() if k.status == "public")
        if not listing.models and public_known >= EMPTY_LISTING_GUARD:
            # A glitch answering [] must not turn a lab's whole catalogue into removals.
            raise HubError("suspicious", f"listing {org}: the Hub listed no models where we know {public_known}; "
                                         "not treating them as removed")
        if state is not None and state.error_count:
            log.info("%s reachable again after %d failed poll(s)", org, state.error_count)
        changes = detect_changes(
            listing.models,
            known,
            first_poll=state is None or state.first_polled_at is None,
            last_success_at=state.last_success_at if state else None,
            now=now,
        )
        if lab.runtime and (state is None or state.first_polled_at is None):
            changes = discovery.promote(changes, discovery.alerted_on_first_poll(self.store, org))
        facts = self._facts(changes)
        checked = {c.repo_id for c in changes if c.model is not None and c.kind != "backfill"}
        summary = self.store.apply_org_poll(org, lab, changes, facts, now=now, model_count=len(listing.models),
                                            config_checked=checked)
        if summary.new or summary.license_changes or summary.removed:
            log.info("%s: %d new, %d license changes, %d removed", org, summary.new, summary.license_changes,
                     summary.removed)
        return summary

    def enrich(self, per_org: int) -> int:
        """Read config.json of up to `per_org` backfilled models per organisation (newest first) and
        recompute their facts: exact active counts and MTP-free totals arrive without a burst of requests
        at start-up. Returns how many models were enriched."""
        done = 0
        for org, _lab in self.watchlist.orgs:
            for row in self.store.needing_config(org, per_org):
                model = stored_hub_model(row)
                config, problem = self.hub.config(model.repo_id, model.sha)
                self.store.update_facts(model.repo_id, facts_for(model, config, problem), self.clock())
                done += 1
        return done

    def _facts(self, changes: list[Change]) -> dict[str, ModelFacts]:
        """Facts for every changed model; config.json is read for all but backfill, which skips it on
        purpose: a first poll of 40 labs would otherwise spend thousands of Hub requests on old models."""
        facts: dict[str, ModelFacts] = {}
        for change in changes:
            model = change.model
            if model is None:
                continue
            wants_config = change.kind != "backfill"
            config, problem = self.hub.config(model.repo_id, model.sha) if wants_config else (None, None)
            facts[model.repo_id] = facts_for(model, config, problem)
        return facts
