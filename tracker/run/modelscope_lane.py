"""ModelScope's job in `tracker run`: a poll cycle of its own beside the Hub's, so that neither waits for the
other (its poller, client and guard: tracker.poll.modelscope)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from tracker.poll.cycle import CycleReport
from tracker.poll.stop import PollAbandoned
from tracker.store import subscribers as subscriptions

if TYPE_CHECKING:
    from tracker.run.daemon import Runtime

log = logging.getLogger("tracker.run.daemon")


def found_something(report: CycleReport) -> bool:
    """Whether a cycle changed what the site shows."""
    return any(s.new or s.license_changes or s.removed or s.linked for s in report.summaries)


async def modelscope_cycle(runtime: Runtime) -> None:
    """One ModelScope poll cycle; then delivery when it alerted or linked a release (a card to edit), and the
    site when configured. A failure is logged, never fatal."""
    poller = runtime.modelscope
    if poller is None:
        return
    try:
        if not runtime.leadership.is_leader or await asyncio.to_thread(subscriptions.is_paused, runtime.store):
            return
        report = await asyncio.to_thread(poller.run_cycle)
        runtime.metrics.source_polls.labels("modelscope").inc()
        runtime.metrics.alerts.inc(report.alerts)
        if report.alerts or any(s.linked for s in report.summaries):
            await runtime.deliver()
        if runtime.settings.site_dir and found_something(report):
            await asyncio.to_thread(runtime.rebuild_site)
    except PollAbandoned:
        log.debug("ModelScope poll abandoned: stopping")
    except Exception:  # noqa: BLE001
        log.exception("ModelScope poll cycle failed")
