"""Follow-ups: a release looked at again TRACKER_FOLLOWUP_AFTER later (24 h and 7 days by default).

Each checkpoint costs at most 4 Hub requests (tracker.hub.followup): the model's reach (likes, downloads,
live inference providers, tags), one page of the models derived from it (quantized builds, fine-tunes,
adapters, merges, classified by their model-tree tags), and its paper page when it has an `arxiv:` tag (or a
second page of derived models when it has none and the first was full). The numbers are stored as a
`followup` event with an alert, which puts them on the release's card (tracker.telegram.sender).

A run takes at most `per_run` checkpoints, oldest first, and stops at the first rate limit or unreachable
Hub: follow-ups never hold up a poll, and never flood the Hub or the channel. What fails stays due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.config import duration_label
from tracker.facts.tree import summarise
from tracker.hub import followup as hub_followup
from tracker.hub.client import HubClient
from tracker.hub.errors import HubError
from tracker.poll.stop import StopGate
from tracker.store import followups as rows
from tracker.store.releases import Store
from tracker.store.tables import utcnow

log = logging.getLogger(__name__)
PER_RUN = 5  # checkpoints per run (each at most 4 Hub requests): 20 requests every poll interval at most
MAX_REQUESTS = 4
_STOP_KINDS = ("rate-limited", "unreachable")


@dataclass
class FollowupReport:
    scheduled: int = 0
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0


class FollowupRunner:
    """Takes the checkpoints that are due; synchronous (the Hub client is), run it in a worker thread."""

    def __init__(self, hub: HubClient, store: Store, afters: Sequence[int], gate: StopGate | None = None,
                 per_run: int = PER_RUN, clock: Callable[[], datetime] = utcnow) -> None:
        self.hub, self.store, self.afters = hub, store, list(afters)
        self.gate = gate or StopGate()
        self.per_run = per_run
        self.clock = clock

    def run(self) -> FollowupReport:
        """Schedule new releases' checkpoints, then take up to `per_run` due ones."""
        report = FollowupReport()
        if not self.afters:
            return report
        with self.gate.write():
            report.scheduled = rows.schedule(self.store, self.afters, self.clock())
            due = rows.due(self.store, self.clock(), self.per_run)
        for item in due:
            self.gate.check()
            assert item.followup.id is not None
            repo_id = item.model.repo_id
            if item.model.status != "public":
                with self.gate.write():
                    rows.failed(self.store, item.followup.id, "removed from the Hub; tried again next cycle",
                                self.clock())
                report.failed[repo_id] = "removed"
                continue
            try:
                numbers, used = self.gather(repo_id, item.followup.after_s)
            except HubError as exc:
                with self.gate.write():
                    rows.failed(self.store, item.followup.id, str(exc), self.clock())
                report.failed[repo_id] = str(exc)
                if exc.kind in _STOP_KINDS:
                    log.info("follow-ups paused until the next cycle: %s", exc)
                    break
                continue
            report.requests += used
            with self.gate.write():
                rows.record(self.store, item.followup.id, numbers, self.clock())
            report.done.append(repo_id)
        return report

    def gather(self, repo_id: str, after: int) -> tuple[dict[str, Any], int]:
        """The numbers of one checkpoint and how many Hub requests they took (at most MAX_REQUESTS)."""
        reach = hub_followup.reach(self.hub, repo_id)
        arxiv = reach.arxiv_ids[:1]
        pages = MAX_REQUESTS - 1 - len(arxiv)
        derived = hub_followup.children(self.hub, repo_id, pages=pages) if reach.children != 0 else None
        used = 1 + (derived.requests if derived is not None else 0)
        tree = summarise(repo_id, derived.models if derived else (), derived.complete if derived else True)
        found = None
        if arxiv:
            found = hub_followup.paper(self.hub, arxiv[0])
            used += 1
        numbers: dict[str, Any] = {
            "after": after, "label": duration_label(after), "likes": reach.likes, "downloads": reach.downloads,
            "children": reach.children, "providers": list(reach.providers), **tree,
            "paper": None if found is None else {"id": found.arxiv_id, "title": found.title,
                                                 "upvotes": found.upvotes},
        }
        return numbers, used
