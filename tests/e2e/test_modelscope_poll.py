"""End to end with the installed `tracker`: ModelScope first, then the Hub, is one release alerted once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import TEST_WATCHLIST, Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.modelscope import FakeModelScope


def test_the_installed_tracker_polls_both_hubs_and_alerts_once(tracker: Tracker, fake_hub: FakeHub) -> None:
    text = TEST_WATCHLIST.replace('orgs = ["zai-org"]', 'orgs = ["zai-org"]\nmodelscope = ["ZhipuAI"]')
    (tracker.cwd / "watchlist.toml").write_text(text, encoding="utf-8")
    with FakeModelScope() as ms:
        tracker.env.update({"TRACKER_MODELSCOPE": "1", "MODELSCOPE_ENDPOINT": ms.url})
        hub_catalog.glm_4_5_air(fake_hub)
        tracker.run("poll", check=True)  # backfill on both
        ms.add_model("ZhipuAI/GLM-5-Air", created_at=datetime.now(UTC) - timedelta(minutes=1),
                     config=hub_catalog.real_config("zai-org/GLM-4.7-Flash"))
        first = tracker.run("poll", check=True)
        fake_hub.add_model("zai-org/GLM-5-Air", created_at=datetime.now(UTC), license="mit")
        second = tracker.run("poll", check=True)
        assert ms.count("list") == 3 and ms.count("file") == 1  # one listing per poll; one config.json
    assert f"{ms.url}/models/ZhipuAI/GLM-5-Air" in first.stdout and "Only on ModelScope so far" in first.stdout
    assert "GLM-5-Air" not in second.stdout
    rows = json.loads(tracker.run("history", "--format", "json", check=True).stdout)
    glm5 = next(r for r in rows if r["repo_id"] == "zai-org/GLM-5-Air")
    assert [s["hub"] for s in glm5["sources"]] == ["modelscope", "huggingface"] and glm5["params_total"]
