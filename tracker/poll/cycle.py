"""One poll cycle: list every watched organisation, detect changes, compute facts, store them.

The Hub client is synchronous, so organisations are polled in worker threads; one organisation's
failure is logged once and recorded, and never stops the others. An unreachable Hub is one line for the
whole cycle, and a long 429 skips only its organisation (tracker.poll.guard). Each organisation is stored
as soon as it is done, and `on_alerts` wakes the delivery then, so its alerts never wait for the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from tracker.detect import Change, Known, detect_changes, weights_changed, weights_digest, weights_summary
from tracker.facts import FactInputs, ModelFacts, compute_facts
from tracker.facts.readme import read_card
from tracker.hub import bounds as hub_values
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError
from tracker.hub.shapes import HubModel, Readme
from tracker.poll import discovery
from tracker.poll.builds import BuildScan
from tracker.poll.guard import CycleGuard, HubGuard
from tracker.poll.stop import PollAbandoned, StopGate
from tracker.store import discovered
from tracker.store.disk import is_disk_full
from tracker.store.releases import OrgPollSummary, Store
from tracker.store.tables import TrackedModel, utcnow
from tracker.watchlist import Lab, Watchlist

log = logging.getLogger(__name__)
EMPTY_LISTING_GUARD = 5


@dataclass
class CycleReport:
    """What a whole poll cycle did."""

    orgs_ok: list[str] = field(default_factory=list)
    orgs_failed: dict[str, str] = field(default_factory=dict)
    summaries: list[OrgPollSummary] = field(default_factory=list)
    hub_unreachable: str | None = None  # why, when the Hub could not be reached at all (orgs then not polled)
    orgs_skipped: list[str] = field(default_factory=list)  # not polled: Hub unreachable or org rate-limited
    discovered: list[str] = field(default_factory=list)
    builds: list[str] = field(default_factory=list)  # quantized builds of recent releases stored

    def add(self, org: str, outcome: OrgPollSummary | str | None) -> None:
        """One organisation's outcome: its summary, None when it was skipped, or why it failed."""
        if isinstance(outcome, OrgPollSummary):
            self.orgs_ok.append(org)
            self.summaries.append(outcome)
        elif outcome is None:
            self.orgs_skipped.append(org)
        else:
            self.orgs_failed[org] = outcome

    @property
    def alerts(self) -> int:
        return sum(s.alerts for s in self.summaries)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.summaries)

    @property
    def all_failed(self) -> bool:
        return (bool(self.orgs_failed) or self.hub_unreachable is not None) and not self.orgs_ok


def facts_for(model: HubModel, config: dict | None, config_problem: str | None,
              readme: dict | None = None, weight_files: dict[str, int] | None = None) -> ModelFacts:
    """The facts of one Hub model (pure apart from the config and the model card reading it is handed)."""
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
        config_subset=model.config_subset,
        readme=readme,
        weight_files=weight_files,
    )
    facts = hub_values.bounded_facts(compute_facts(inputs))
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
        self.gate = StopGate()  # closed by `tracker run` on stop: an abandoned poll writes nothing
        self._skips_logged: set[str] = set()  # a malformed model is logged once per process, not every cycle
        self.guard = HubGuard(hub)
        # With discovery on (TRACKER_DISCOVERY=1): the likes a trending model needs for its organisation to be
        # proposed; organisations the admins chose to watch join the watchlist at every cycle.
        self.discover_min_likes = discover_min_likes
        # Set while a poll waits for the Hub: enrichment of backfilled models stops between two models, so a new
        # release never waits for the backfill (the next enrichment run picks up where this one stopped).
        self.poll_waiting = threading.Event()
        # Called (from a worker thread) as soon as an organisation's poll stored alerts: `tracker run` wakes its
        # delivery then, instead of waiting for the whole cycle.
        self.on_alerts: Callable[[], None] | None = None
        self.web_url = hub.endpoint  # the Hub's web address, for a release's source entry (TRACKER_HUB_WEB_URL)
        self.builds = BuildScan()  # quantized builds of recent releases (tracker.poll.builds)

    def run_cycle(self, only: Collection[str] | None = None, probe_first: bool = False) -> CycleReport:
        """Poll every watched organisation once (or only those in `only`). With `probe_first` (`tracker poll`,
        which has no earlier cycle to learn from), one short request first checks that the Hub answers at all,
        so a Hub that is down or silent is one line in seconds, not a timeout per organisation."""
        report = CycleReport()
        self.watchlist = discovery.effective_watchlist(self.watchlist, self.store)
        orgs = [(org, lab) for org, lab in self.watchlist.orgs if only is None or org in only]
        now = self.clock()
        if self.guard.waiting(now) and self.guard.current is not None:  # the Hub was unreachable: back off
            report.hub_unreachable = self.guard.current.error
            report.orgs_skipped = [org for org, _lab in orgs]
            return report
        cycle = CycleGuard(self.hub)
        if probe_first and cycle.probe():
            report.hub_unreachable = cycle.reason
            report.orgs_skipped = [org for org, _lab in orgs]
            self.guard.cycle_done(cycle, False, self.clock())
            return report
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="poll") as pool:
            results = list(pool.map(lambda pair: self._poll_org_safely(*pair, cycle), orgs))
        for (org, _lab), result in zip(orgs, results, strict=True):
            report.add(org, result)
        report.hub_unreachable = cycle.reason if cycle.down.is_set() else None
        self.guard.cycle_done(cycle, bool(report.orgs_ok), self.clock())
        if self.discover_min_likes is not None and only is None:
            report.discovered = self.discover(self.discover_min_likes)
        if only is None and report.orgs_ok:
            report.builds = self.scan_builds()
        return report

    def scan_builds(self) -> list[str]:
        """Quantized builds of recent releases (at most 2 listing requests, then one per candidate)."""
        try:
            return self.builds.run(self.hub, self.store, self.gate, self.clock())
        except PollAbandoned:
            raise
        except Exception:  # noqa: BLE001  (builds never fail the cycle)
            log.exception("quantized builds: unexpected error")
            return []

    def discover(self, min_likes: int) -> list[str]:
        """One request for the Hub's trending list; organisations worth proposing are stored (new ones
        returned). A failure is logged and costs nothing else."""
        try:
            trending = self.hub.trending(100)
        except HubError as exc:
            log.warning("discovery: %s", exc)
            return []
        found = discovery.candidates(trending, self.watchlist, self.clock(), min_likes)
        new = discovered.record(self.store, found, self.clock())
        if new:
            log.info("discovery: %d organisation(s) to propose: %s", len(new), ", ".join(new))
        return new

    def _poll_org_safely(self, org: str, lab: Lab, cycle: CycleGuard | None = None) -> OrgPollSummary | str | None:
        """The organisation's summary, its failure message, or None when it was not polled (skipped)."""
        if (cycle is not None and cycle.down.is_set()) or self.guard.limited_until(org, self.clock()):
            return None
        try:
            summary = self.poll_org(org, lab)
        except PollAbandoned:
            raise
        except HubError as exc:
            if exc.kind in ("unreachable", "timeout") and cycle is not None and cycle.unreachable(exc):
                return None  # said once for the whole cycle, not per organisation
            if exc.kind == "rate-limited":
                self.guard.rate_limited(org, exc, self.clock())  # logged there, once
            message = str(exc)
        except Exception as exc:  # noqa: BLE001  (one organisation must never stop the cycle)
            if is_disk_full(exc):
                raise  # nothing can be written, its failure included: the cycle fails once, said once by the store
            log.exception("unexpected error while polling %s", org)
            message = f"{org}: unexpected error: {type(exc).__name__}"
        else:
            return summary
        with self.gate.write():
            previous = self.store.org_state(org)
            state = self.store.record_org_failure(org, lab, message, self.clock())
        # Log a failure once, not every cycle: again only when the error changes.
        changed = previous is None or previous.error_count == 0 or previous.last_error != state.last_error
        if changed and "rate-limited" not in message:
            log.warning("poll of %s failed: %s (retried every cycle; logged again only if it changes)", org,
                        message)
        return message

    def poll_org(self, org: str, lab: Lab) -> OrgPollSummary:
        """List one organisation, detect what changed, and store it with its facts and alerts."""
        listing = self.hub.list_org(org)
        for skipped in listing.skipped:
            if skipped not in self._skips_logged:
                self._skips_logged.add(skipped)
                log.warning("%s: skipped a model the tracker cannot use: %s (not logged again)", org, skipped)
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
        changes, digests, files = self._weight_updates(changes, known)
        cards = self._read_cards(changes)
        known_cards = self.store.card_readings([c.repo_id for c in changes if c.model is not None
                                                and c.repo_id not in cards and c.kind != "backfill"])
        facts = self._facts(changes, {**known_cards, **{repo: info for repo, (info, _sha) in cards.items()}}, files)
        checked = {c.repo_id for c in changes if c.model is not None and c.kind != "backfill"}
        with self.gate.write():
            summary = self.store.apply_org_poll(org, lab, changes, facts, now=now, model_count=len(listing.models),
                                                config_checked=checked, cards=cards, digests=digests,
                                                web_url=self.web_url)
        if summary.alerts and self.on_alerts is not None:
            self.on_alerts()
        if summary.new or summary.license_changes or summary.removed:
            log.info("%s: %d new, %d license changes, %d removed", org, summary.new, summary.license_changes,
                     summary.removed)
        return summary

    def enrich(self, per_org: int) -> int:
        """Read config.json of up to `per_org` backfilled models per organisation (newest first) and
        recompute their facts: exact active counts and MTP-free totals arrive without a burst of requests
        at start-up. Returns how many models were enriched."""
        done = 0
        if self.guard.current is not None:  # the Hub is unreachable: do not mark models as read meanwhile
            return 0
        for org, _lab in self.watchlist.orgs:
            for row in self.store.needing_config(org, per_org):
                if self.poll_waiting.is_set():
                    return done
                model = stored_hub_model(row)
                config, problem = self.hub.config(model.repo_id, model.sha)
                facts = facts_for(model, config, problem, row.readme_meta)
                with self.gate.write():
                    self.store.update_facts(model.repo_id, facts, self.clock())
                done += 1
        return done

    def enrich_cards(self, per_org: int) -> int:
        """Read the model card of up to `per_org` backfilled models per organisation (newest first): their
        openness evidence and summary. Returns how many cards were read (or found missing)."""
        done = 0
        for org, _lab in self.watchlist.orgs:
            for row in self.store.needing_card(org, per_org):
                if self.poll_waiting.is_set():
                    return done
                readme = self.hub.readme(row.repo_id, row.sha)
                if readme.final:
                    with self.gate.write():
                        self.store.update_card(row.repo_id, card_reading(readme), readme.sha, self.clock())
                    done += 1
        return done

    def _weight_updates(self, changes: list[Change], known: dict[str, Known]
                        ) -> tuple[list[Change], dict[str, str], dict[str, dict[str, int]]]:
        """Commits to known models that changed the weight files become `weights_updated` (one API request
        per commit, for the files' sizes and hashes). Returns the changes, new digests and GGUF file sizes."""
        digests: dict[str, str] = {}
        files: dict[str, dict[str, int]] = {}
        for change in changes:  # a new GGUF release: its file sizes give weights_bytes (safetensors need none)
            model = change.model
            if change.kind not in ("new", "published") or model is None or not model.gguf or model.safetensors:
                continue
            if manifest := self.hub.weight_files(change.repo_id, model.sha):
                files[change.repo_id] = _sizes(manifest)
                if digest := weights_digest(manifest):
                    digests[change.repo_id] = digest
        updated = [c for c in changes if c.kind == "updated" and c.model is not None]
        if not updated:
            return changes, digests, files
        states = self.store.weight_states([c.repo_id for c in updated])
        out: list[Change] = []
        for change in changes:
            model, state = change.model, states.get(change.repo_id)
            if change.kind != "updated" or model is None or state is None:
                out.append(change)
                continue
            manifest = self.hub.weight_files(change.repo_id, model.sha)
            changed, digest = weights_changed(state, model, manifest)
            if digest:
                digests[change.repo_id] = digest
            if manifest:
                files[change.repo_id] = _sizes(manifest)
            if not changed:
                out.append(change)
                continue
            before = known.get(change.repo_id)
            out.append(Change("weights_updated", change.repo_id, model, alert=True,
                              old=weights_summary(state.safetensors, None, before.sha if before else None)
                              | {"digest": state.digest},
                              new=weights_summary(model.safetensors, manifest, model.sha) | {"digest": digest}))
        return out, digests, files

    def _read_cards(self, changes: list[Change]) -> dict[str, tuple[dict, str | None]]:
        """The model card of every new release, one request each (read once: later changes keep it)."""
        cards: dict[str, tuple[dict, str | None]] = {}
        for change in changes:
            if change.model is not None and change.kind in ("new", "published"):
                readme = self.hub.readme(change.repo_id, change.model.sha)
                if readme.final:  # else enrichment reads it later
                    cards[change.repo_id] = (card_reading(readme), readme.sha)
        return cards

    def _facts(self, changes: list[Change], cards: dict[str, dict] | None = None,
               files: dict[str, dict[str, int]] | None = None) -> dict[str, ModelFacts]:
        """Facts for every changed model; config.json is read for all but backfill, which skips it on
        purpose: a first poll of 40 labs would otherwise spend thousands of Hub requests on old models."""
        facts: dict[str, ModelFacts] = {}
        for change in changes:
            model = change.model
            if model is None:
                continue
            wants_config = change.kind != "backfill"
            try:
                config, problem = self.hub.config(model.repo_id, model.sha) if wants_config else (None, None)
            except Exception as exc:  # noqa: BLE001  (one model never fails its organisation)
                log.debug("config.json of %s failed", model.repo_id, exc_info=True)
                config, problem = None, f"config.json could not be read: unexpected {type(exc).__name__}"
            facts[model.repo_id] = facts_for(model, config, problem, (cards or {}).get(model.repo_id),
                                             (files or {}).get(model.repo_id))
        return facts


def _sizes(manifest: dict[str, dict]) -> dict[str, int]:
    return {name: f["size"] for name, f in manifest.items() if isinstance(f.get("size"), int)}


def card_reading(readme: Readme) -> dict:
    """What we keep of a model card: tracker.facts.readme.read_card's findings, or why there are none."""
    if readme.text is None:
        return {"found": False, "problem": readme.problem}
    return read_card(readme.text)
