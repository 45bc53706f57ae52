"""The CLI as a newcomer meets it: --version, a `run --help` that names the settings, a light start, and
readers run in the wrong folder that say where they looked instead of making an empty store there."""

from __future__ import annotations

from importlib.metadata import version

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def test_version_and_run_help_name_the_settings(tracker: Tracker) -> None:
    shown = tracker.run("--version", check=True).stdout.strip()
    assert shown == f"tracker {version('release-tracker')}"
    run_help = tracker.run("run", "--help", check=True).stdout
    assert "Runs until Ctrl-C" in run_help
    for setting in ("HF_ENDPOINT", "TRACKER_DATABASE_URL", "TRACKER_POLL_INTERVAL", "TELEGRAM_BOT_TOKEN",
                    "TELEGRAM_CHANNEL", "tracker config"):
        assert setting in run_help, setting


def test_readers_in_a_folder_without_a_store_say_where_they_looked(tracker: Tracker) -> None:
    expected = str((tracker.cwd / "state" / "tracker.db").resolve())
    for command in (("history",), ("stats",), ("export",), ("feed",), ("status",), ("digest",),
                    ("site", str(tracker.cwd / "site"))):
        result = tracker.run(*command)
        assert result.returncode == 1, (command, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert f"no store at {expected}" in line and "TRACKER_DATABASE_URL" in line, line
    assert not (tracker.cwd / "state").exists()  # nothing was created, not even the folder


def test_inspect_caches_beside_the_store_or_in_the_user_cache(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("inspect", "Qwen/Qwen3-8B", check=True)
    assert not (tracker.cwd / "state").exists()  # no store here: the user's cache folder, not ./state
    assert (tracker.cwd.parent / ".cache" / "release-tracker" / "hf-cache").is_dir()  # HOME is the tmp folder
    tracker.run("poll", "--enrich", "5", check=True)  # reads the backfilled model's config.json
    assert (tracker.cwd / "state" / "hf-cache").is_dir()  # with a store, its cache sits beside it


def test_an_empty_store_names_itself(tracker: Tracker) -> None:
    tracker.run("poll", check=True)  # the fake Hub lists nothing: the store exists and is empty
    result = tracker.run("history", check=True)
    assert f"No releases stored yet in {(tracker.cwd / 'state' / 'tracker.db').resolve()}" in result.stderr
