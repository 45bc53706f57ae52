"""Change detection is a pure function of two snapshots and `now`: a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker.detect import Known, LicenseKey, detect_changes, license_of
from tracker.hub.shapes import HubModel

NOW = datetime(2025, 7, 28, 12, 0, tzinfo=UTC)
LAST_POLL = NOW - timedelta(minutes=5)
APACHE = LicenseKey("apache-2.0", None, None)


def hub(repo: str = "Qwen/Qwen3-8B", created: datetime | None = NOW - timedelta(days=90), sha: str = "a" * 40,
        license: str | None = "apache-2.0", private: bool = False, disabled: bool = False,
        tags: tuple[str, ...] = ()) -> HubModel:
    card = {"license": license} if license else {}
    return HubModel(repo_id=repo, author=repo.split("/")[0], created_at=created, last_modified=created,
                    private=private, gated="no", disabled=disabled, sha=sha, pipeline_tag="text-generation",
                    library_name="transformers", tags=tags, card_data=card, safetensors=None, config_subset=None,
                    gguf=None)


def known(repo: str = "Qwen/Qwen3-8B", status: str = "public", lic: LicenseKey = APACHE,
          sha: str = "a" * 40) -> Known:
    return Known(repo_id=repo, status=status, license=lic, sha=sha)


CASES = [
    # (what, listing, known, first_poll, expected [(kind, alert)])
    ("first poll, old model: silent backfill", [hub()], {}, True, [("backfill", False)]),
    ("first poll, created 2 h ago: alerted", [hub(created=NOW - timedelta(hours=2))], {}, True, [("new", True)]),
    ("first poll, created 25 h ago: backfill", [hub(created=NOW - timedelta(hours=25))], {}, True,
     [("backfill", False)]),
    ("later poll, created since last look: new", [hub(created=NOW - timedelta(minutes=1))], {}, False,
     [("new", True)]),
    ("later poll, created within clock skew: new", [hub(created=LAST_POLL - timedelta(minutes=9))], {}, False,
     [("new", True)]),
    ("later poll, created long ago: made public", [hub()], {}, False, [("published", True)]),
    ("unknown creation time: new", [hub(created=None)], {}, False, [("new", True)]),
    ("nothing changed", [hub()], {"Qwen/Qwen3-8B": known()}, False, []),
    ("new commit: facts refreshed, no alert", [hub(sha="b" * 40)], {"Qwen/Qwen3-8B": known()}, False,
     [("updated", False)]),
    ("license changed: alerted", [hub(license="mit")], {"Qwen/Qwen3-8B": known()}, False,
     [("license_changed", True)]),
    ("gone from the listing: removed", [], {"Qwen/Qwen3-8B": known()}, False, [("removed", False)]),
    ("already removed stays quiet", [], {"Qwen/Qwen3-8B": known(status="removed")}, False, []),
    ("back again: restored", [hub()], {"Qwen/Qwen3-8B": known(status="removed")}, False, [("restored", False)]),
    ("private and disabled repos are not public", [hub(private=True), hub("Qwen/X", disabled=True)], {}, False,
     []),
]


@pytest.mark.parametrize("what, listing, before, first_poll, expected", CASES, ids=[c[0] for c in CASES])
def test_detect_changes(what: str, listing: list[HubModel], before: dict[str, Known], first_poll: bool,
                        expected: list[tuple[str, bool]]) -> None:
    changes = detect_changes(listing, before, first_poll=first_poll,
                             last_success_at=None if first_poll else LAST_POLL, now=NOW)
    assert [(c.kind, c.alert) for c in changes] == expected


def test_license_change_carries_old_and_new_values() -> None:
    change, = detect_changes([hub(license="other")], {"Qwen/Qwen3-8B": known()}, first_poll=False,
                             last_success_at=LAST_POLL, now=NOW)
    assert change.old == {"license": "apache-2.0", "license_name": None, "license_link": None}
    assert change.new == {"license": "other", "license_name": None, "license_link": None}


def test_license_falls_back_to_the_license_tag() -> None:
    assert license_of(hub(license=None, tags=("transformers", "license:llama3.1"))).license == "llama3.1"
    assert license_of(hub(license=None)).license is None
