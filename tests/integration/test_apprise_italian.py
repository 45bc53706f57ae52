"""Apprise messages in Italian: `tracker poll` in-process against the fake Hub, delivering to a real local
JSON endpoint (json://). TRACKER_APPRISE_LANG chooses the language; unset, the channel's does."""

from __future__ import annotations

import re

import pytest

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.json_sink import JsonSink, Posted
from tests.inprocess import InProcessTracker
from tests.telegram_world import ago

# Every English phrase of templates/en/apprise_* (and the English words for what the Italian ones translate).
ENGLISH = ("New release", "Now public", "released", "License changed", "Weights updated", "changed its license",
           "updated its weight files", "Was:", "Now:", "Public since", "active", "gated", "license unknown",
           "Family unknown", "in BF16 ·", "models", "permissive", "non-commercial", "reasoning", "since")
_ENGLISH = re.compile(r"(?<![\w/-])(?:" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
_LINKS = re.compile(r"\[[^\]]*\]\([^)]*\)")  # repo ids and URLs: quoted, not ours to translate


def _english(posted: Posted) -> list[str]:
    return _ENGLISH.findall(_LINKS.sub(" ", f"{posted.title}\n{posted.message}"))


def _by_title(sink: JsonSink, start: str) -> Posted:
    [posted] = [p for p in sink.messages() if p.title.startswith(start)]
    return posted


def _releases_changes_and_weights(tracker: InProcessTracker, hub: FakeHub, sink: JsonSink) -> None:
    """A release, a wave, a license change and a weight update, each sent by its own `tracker poll`."""
    tracker.env.update({"TRACKER_APPRISE_URLS": sink.target(), "TRACKER_WAVE_QUIET": "0",
                        "TRACKER_ALERT_WEIGHT_UPDATES": "1"})
    hub_catalog.glm_4_5_air(hub)
    tracker.run("poll", check=True)  # the first look records what exists: no alert
    hub_catalog.deepseek_v3(hub, created_at=ago(minutes=2))
    tracker.run("poll", check=True)
    hub_catalog.qwen3_30b_a3b(hub, created_at=ago(minutes=2))
    hub_catalog.qwen3_8b(hub, created_at=ago(minutes=1))
    tracker.run("poll", check=True)
    hub.set_license("zai-org/GLM-4.5-Air", "other", license_name="glm-research")
    tracker.run("poll", check=True)
    hub.update("zai-org/GLM-4.5-Air", safetensors={"BF16": 110_468_824_832, "F8_E4M3": 1_500_000})
    tracker.run("poll", check=True)
    assert len(sink.messages()) == 4, [p.title for p in sink.messages()]


def test_a_release_a_wave_a_license_change_and_a_weight_update_arrive_in_italian(
        tracker: InProcessTracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    tracker.env["TRACKER_APPRISE_LANG"] = "it"
    _releases_changes_and_weights(tracker, fake_hub, sink)

    release = _by_title(sink, "Nuovo rilascio · DeepSeek · deepseek-ai/DeepSeek-V3 (")
    assert release.title.endswith("(671B)")
    assert "attivi)" in release.message and "Pubblico dal" in release.message
    assert "[deepseek-ai/DeepSeek-V3](" in release.message
    wave = _by_title(sink, "Qwen (Alibaba) ha rilasciato 2 modelli Qwen3")
    assert "30,5B (3,4B attivi) · apache-2.0 (permissiva)" in wave.message
    assert wave.message.index("Qwen3-30B-A3B") < wave.message.index("Qwen3-8B")
    license_change = _by_title(sink, "Cambio di licenza · Zhipu / Z.ai · zai-org/GLM-4.5-Air")
    assert "ha cambiato licenza" in license_change.message
    assert "- Prima: mit\n- Ora: other (glm-research) · sconosciuta" in license_change.message  # as the cards
    weights = _by_title(sink, "Pesi aggiornati · Zhipu / Z.ai · zai-org/GLM-4.5-Air")
    assert "ha aggiornato i file dei pesi" in weights.message and "- Ora: BF16 110B, F8\\_E4M3 1,5M" in \
        weights.message and "- Prima: BF16 110B, F32 5,9K" in weights.message, weights.message
    assert {p.title: _english(p) for p in sink.messages()} == {p.title: [] for p in sink.messages()}


def test_apprise_speaks_the_channels_language_when_not_told_otherwise(
        tracker: InProcessTracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    tracker.env["TELEGRAM_CHANNEL_LANG"] = "it"
    _releases_changes_and_weights(tracker, fake_hub, sink)

    assert {p.title.split(" · ")[0] for p in sink.messages()} >= {"Nuovo rilascio", "Cambio di licenza",
                                                                   "Pesi aggiornati"}
    assert all(_english(p) == [] for p in sink.messages())
    config = tracker.run("config", check=True).stdout
    assert re.search(r"^TRACKER_APPRISE_LANG +it \(as TELEGRAM_CHANNEL_LANG\)$", config, re.M), config


def test_an_english_channel_can_have_italian_apprise_and_the_other_way_round(
        tracker: InProcessTracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    tracker.env.update({"TELEGRAM_CHANNEL_LANG": "it", "TRACKER_APPRISE_LANG": "en",
                        "TRACKER_APPRISE_URLS": sink.target(), "TRACKER_WAVE_QUIET": "0"})
    tracker.run("poll", check=True)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))
    tracker.run("poll", check=True)

    [posted] = sink.messages()
    assert posted.title.startswith("New release · DeepSeek") and "Public since" in posted.message
    assert re.search(r"^TRACKER_APPRISE_LANG +en$", tracker.run("config", check=True).stdout, re.M)


@pytest.mark.parametrize("value", ["fr", "IT", "italian"])
def test_a_language_apprise_does_not_speak_is_a_clear_config_error(tracker: InProcessTracker, value: str) -> None:
    tracker.env["TRACKER_APPRISE_LANG"] = value

    result = tracker.run("config")

    assert result.returncode != 0
    assert "TRACKER_APPRISE_LANG" in result.stderr and "must be 'en' or 'it'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
