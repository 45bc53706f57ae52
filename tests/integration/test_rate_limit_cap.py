"""A Retry-After of years silences an organisation for an hour at most, and /healthz says so
(issue 20). It silenced the organisation until a restart while /healthz said ok, and 10^14 s raised
OverflowError with a traceback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def test_a_retry_after_of_years_is_capped_at_an_hour_and_shown(serve, tracker: Tracker,  # noqa: ANN001
                                                                 fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    fake_hub.fail("author=Qwen", status=429, retry_after=10**14)
    served = serve()
    data = served.wait_health(lambda s, d: d.get("orgs_rate_limited"))
    until = datetime.fromisoformat(data["orgs_rate_limited"]["Qwen"])
    now = datetime.now(UTC)
    assert now + timedelta(minutes=55) < until <= now + timedelta(hours=1, seconds=5)
    assert data["status"] == "ok"  # the other organisations are polled
    log = served.stop()
    assert "Traceback" not in log and "OverflowError" not in log
    assert "Qwen: the Hub rate-limits us for 3600s" in log
