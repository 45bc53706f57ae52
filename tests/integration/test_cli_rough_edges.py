"""Rough edges a new user hit on the command line (issue 10 §5), each through the CLI as they ran it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def one_error_line(result, status: int = 2) -> str:  # noqa: ANN001
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_first_poll_says_it_recorded_existing_models_silently(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(hours=1))

    first = tracker.run("poll", check=True)
    again = tracker.run("poll", check=True)

    assert "recorded 2 existing models (backfill, no alerts), 1 new releases, 1 alerts" in first.stderr
    assert "recorded" not in again.stderr and "0 new releases" in again.stderr


def test_unknown_org_and_lab_are_rejected_with_the_closest_names(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)

    org = one_error_line(tracker.run("history", "--org", "Qwenn"))
    assert "unknown organisation 'Qwenn'; did you mean Qwen?" in org and "deepseek-ai" in org
    lab = one_error_line(tracker.run("export", "--lab", "deepsek"))
    assert "unknown lab 'deepsek'; did you mean DeepSeek?" in lab
    assert "did you mean" not in one_error_line(tracker.run("stats", "--org", "zzzzzz-nothing"))

    listed = json.loads(tracker.run("history", "--org", "qwen", "--format", "json", check=True).stdout)
    assert [r["repo_id"] for r in listed] == ["Qwen/Qwen3-8B"]  # organisations match case-insensitively
    # An organisation that left the watchlist still has its stored releases, so it is known.
    tracker.env["TRACKER_WATCHLIST"] = str(tracker.cwd / "small.toml")
    (tracker.cwd / "small.toml").write_text('[[lab]]\nname = "OpenAI"\norgs = ["openai"]\n', encoding="utf-8")
    assert tracker.run("history", "--org", "Qwen", check=True).stdout.count("Qwen3-8B") == 1


def test_the_run_a_poll_hint_only_when_nothing_is_stored(tracker: Tracker, fake_hub: FakeHub) -> None:
    tracker.run("poll", check=True)  # an empty store
    for command in (("history",), ("stats",)):
        assert "Run `tracker poll`" in tracker.run(*command, check=True).stderr
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)
    for command in (("history", "--lab", "openai"), ("stats", "--min-params", "900B")):
        result = tracker.run(*command, check=True)
        assert "No stored releases match these filters." in result.stderr
        assert "tracker poll" not in result.stderr


def test_site_into_an_existing_file_is_a_clear_error(tracker: Tracker, fake_hub: FakeHub) -> None:
    target = tracker.cwd / "passwd"
    target.write_text("root:x:0:0::/root:/bin/sh\n", encoding="utf-8")
    line = one_error_line(tracker.run("site", str(target)))
    assert "exists and is not a folder" in line and "FileExistsError" not in line
    assert target.read_text(encoding="utf-8") == "root:x:0:0::/root:/bin/sh\n"


def test_a_bare_tracker_prints_its_usage(tracker: Tracker) -> None:
    result = tracker.run()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    usage, error = result.stderr.strip().splitlines()
    assert usage.startswith("usage: tracker ")
    assert error.startswith("error: a command is needed, one of: run, poll, history")


def test_feed_to_a_file_says_what_it_wrote(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)
    result = tracker.run("feed", "-o", "out/feed.xml", check=True)
    assert result.stderr.strip() == "wrote 2 feed entries to out/feed.xml"
    assert (tracker.cwd / "out" / "feed.xml").read_text(encoding="utf-8").count("<entry>") == 2


def test_extending_the_default_watchlist_merges_a_lab_of_the_same_name(tracker: Tracker) -> None:
    (tracker.cwd / "mine.toml").write_text(
        'extends_default = true\n\n[[lab]]\nname = "Qwen (Alibaba)"\norgs = ["Qwen-Research"]\n\n'
        '[[lab]]\nname = "DeepSeek"\norgs = ["deepseek-ai"]\ncountry = "Cina"\nregion = "Asia"\naliases = ["ds"]\n\n'
        '[[lab]]\nname = "Example Lab"\norgs = ["example-org"]\ncountry = "Germany"\n',
        encoding="utf-8")
    tracker.env["TRACKER_WATCHLIST"] = str(tracker.cwd / "mine.toml")

    labs = {lab["name"]: lab for lab in json.loads(tracker.run("labs", "--format", "json", check=True).stdout)}

    qwen = labs["Qwen (Alibaba)"]
    assert qwen["orgs"][0] == "Qwen" and "Qwen-Research" in qwen["orgs"]  # joined, default ones first
    assert (qwen["country"], qwen["region"]) == ("China", "China")  # not given: the default's, not "Unknown"
    assert "alibaba" in [a.lower() for a in qwen["aliases"]]
    deepseek = labs["DeepSeek"]
    assert deepseek["orgs"] == ["deepseek-ai"]
    assert (deepseek["country"], deepseek["region"], deepseek["aliases"]) == ("Cina", "Asia", ["ds"])
    assert labs["Example Lab"]["region"] == "Germany"
    assert len(labs) > 20  # the rest of the default labs are still there


@pytest.mark.parametrize(("args", "fragment"), [
    (("history", "--min-params", "1e999B"), "more parameters than any model has"),
    (("history", "--min-params", "99999999999999999999999T"), "more parameters than any model has"),
    (("history", "--limit", "99999999999999999999999"), "too large (at most 9,223,372,036,854,775,807)"),
    (("feed", "--limit", "9" * 5000), "too large"),
    (("history", "--limit", "³"), "not a whole number"),
])
def test_numbers_too_big_for_the_store_are_a_clear_error(tracker: Tracker, args: tuple[str, ...],
                                                          fragment: str) -> None:
    assert fragment in one_error_line(tracker.run(*args))
