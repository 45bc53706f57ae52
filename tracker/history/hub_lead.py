"""Which hub shows a lab's releases first, and by how long (`tracker stats --by hub-lead`, the site).

Pure functions over rows with the `models` columns (`sources` read through tracker.hub.sources)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tracker.hub.sources import HF, MS, lead, sources_of


@dataclass
class HubLead:
    """One lab's (or all labs') releases by the hub that showed them first."""

    key: str
    both: int = 0  # releases on both hubs
    first: dict[str, int] = field(default_factory=lambda: {HF: 0, MS: 0})
    leads: dict[str, list[float]] = field(default_factory=lambda: {HF: [], MS: []})  # seconds ahead
    only: dict[str, int] = field(default_factory=lambda: {HF: 0, MS: 0})

    def add(self, row: Any) -> None:
        hubs = {s.get("hub") for s in sources_of(row)}
        if len(hubs) < 2:
            only = next(iter(hubs), HF)
            self.only[only if only in self.only else HF] += 1
            return
        found = lead(row)
        self.both += 1
        if found.seconds is not None:  # else one hub was recorded by a first look: who was first is unknown
            self.first[found.first] = self.first.get(found.first, 0) + 1
            self.leads.setdefault(found.first, []).append(found.seconds)

    def median_lead(self, hub: str) -> float | None:
        values = self.leads.get(hub) or []
        return float(statistics.median(values)) if values else None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "on_both": self.both,
                "first_on_modelscope": self.first.get(MS, 0), "first_on_huggingface": self.first.get(HF, 0),
                "median_lead_modelscope_s": self.median_lead(MS), "median_lead_huggingface_s": self.median_lead(HF),
                "only_on_modelscope": self.only[MS], "only_on_huggingface": self.only[HF]}


def hub_lead(rows: Iterable[Any]) -> tuple[HubLead, list[HubLead]]:
    """All releases and each lab's, labs with releases on both hubs first (most first)."""
    overall = HubLead("all")
    labs: dict[str, HubLead] = defaultdict(lambda: HubLead(""))
    for row in rows:
        overall.add(row)
        tally = labs[row.lab]
        tally.key = row.lab
        tally.add(row)
    return overall, sorted(labs.values(), key=lambda t: (-t.both, -t.only[MS], t.key.lower()))
