"""End to end through the fake Bot API (real HTTP, real PTB): the inputs that once made handlers fail,
inline queries and one-tap follow links. Shares the bot and store of test_bot_commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.integration.test_bot_commands import World, world  # noqa: F401  (the module's shared bot)
from tracker.bot import inline_index
from tracker.render import follow
from tracker.store import queries
from tracker.store import subscribers as subscriptions
from tracker.store.queries import HistoryFilter
from tracker.store.releases import Store


@pytest.mark.parametrize(("text", "expect"), [
    ("/recent " + "9" * 5000, "Recent releases"),
    ("/recent ³", "I don't know the lab"),
    ("/settings min 1e999B", "is not a size"),
    ("/settings max 99999999999999999999999T", "is not a size"),
    ("/settings colour red", "I can't set"),
    ("/model \ud800", "No stored model matches"),
    ("/lab \ud800", "I don't know the lab"),
    ("/\ud800", "I don't know"),
])
def test_inputs_that_once_failed_get_a_friendly_answer(world: World, text: str, expect: str,  # noqa: F811
                                                       caplog: pytest.LogCaptureFixture) -> None:
    reply = world.send(world.user(), text)
    assert expect in reply
    assert "Something went wrong" not in reply and "bot handler failed" not in caplog.text


@pytest.mark.parametrize("data", ["s:min:1e999B", "s:max:99999999999999999999999T", "m:9223372036854775808"])
def test_forged_buttons_with_huge_numbers_get_a_short_answer(world: World, data: str,  # noqa: F811
                                                             caplog: pytest.LogCaptureFixture) -> None:
    user = world.user()
    (message,) = world.bot.send(user, "/settings")
    query_id = world.fake.user_clicks(user, message, data)
    answer = world.fake.wait_for(
        lambda: next((a for a in world.fake.callback_answers if a["callback_query_id"] == query_id), None))
    assert answer["text"] in ("This button is no longer valid", "That model is no longer stored")
    assert "bot handler failed" not in caplog.text


# --------------------------------------------------------------------------- inline mode


def inline(world: World, query: str, offset: str = "", user: int | None = None,  # noqa: F811
           language_code: str = "en") -> dict:
    world.fake.inline_mode = True
    query_id = world.fake.user_inline(user or world.user(), query, offset, language_code=language_code)
    return world.fake.wait_for(lambda: world.fake.inline_answer(query_id))


def titles(answer: dict) -> list[str]:
    return [r["title"] for r in answer["results"]]


def test_inline_lists_matching_releases_as_cards_with_a_link_button(world: World) -> None:  # noqa: F811
    answer = inline(world, "deepseek")
    assert titles(answer) == ["deepseek-ai/DeepSeek-V3"]
    (result,) = answer["results"]
    assert result["type"] == "article" and result["description"].startswith("DeepSeek · 685B")
    # a shared card is the model's card: not a release alert, and dated by the Hub, not by our first look
    assert result["parsed_text"].startswith("🧠 DeepSeek · DeepSeek-V3\n") and "released" not in result["parsed_text"]
    assert "Created on the Hub 2024-12-25" in result["parsed_text"] and "Public since" not in result["parsed_text"]
    assert result["input_message_content"]["parse_mode"] == "HTML"
    (button,) = result["reply_markup"]["inline_keyboard"][0]
    assert button == {"text": "Open on Hugging Face", "url": "https://huggingface.co/deepseek-ai/DeepSeek-V3"}
    assert 0 < answer["cache_time"] <= 60 and answer["next_offset"] == ""


def test_inline_empty_query_lists_the_latest_releases_newest_first(world: World) -> None:  # noqa: F811
    found = titles(inline(world, ""))
    newest_first = [row.repo_id for row in queries.history(world.store.engine, HistoryFilter(limit=None))]
    assert found == newest_first and len(found) == 15 and found[-1] == "deepseek-ai/DeepSeek-V3"


@pytest.mark.parametrize(("query", "expected"), [
    ("qwen 30b", ["Qwen/Qwen3-30B-A3B"]),
    ("GLM", ["zai-org/GLM-4.5-Air"]),
    ("zhipu", ["zai-org/GLM-4.5-Air"]),
    ("mit air", ["zai-org/GLM-4.5-Air"]),
    ("apache-2.0 moe", ["openai/gpt-oss-120b", "Qwen/Qwen3-30B-A3B"]),
    ("moe 120b", ["openai/gpt-oss-120b"]),
    ("openai 120b", ["openai/gpt-oss-120b"]),
])
def test_inline_matches_lab_org_family_repo_license_moe_and_size(world: World, query: str,  # noqa: F811
                                                                  expected: list[str]) -> None:
    assert titles(inline(world, query)) == expected


def test_inline_pages_through_next_offset(world: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    everything = titles(inline(world, "qwen"))
    monkeypatch.setattr(inline_index, "PAGE", 4)
    pages, offset = [], ""
    for _ in range(5):
        answer = inline(world, "qwen", offset)
        pages.append(titles(answer))
        offset = answer["next_offset"]
        if not offset:
            break
    assert [len(p) for p in pages] == [4, 4, 3] and sum(pages, []) == everything


@pytest.mark.parametrize("query", ["<b>bold</b> & <i>", "a" * 256, "🦙" * 100, "\ud800", "x\udfffy", "' OR 1=1 --",
                                   "%", "_", "\\", "qwen <b>x</b>&y", "‮", "\x00"])
def test_hostile_inline_queries_get_an_answer(world: World, query: str,  # noqa: F811
                                              caplog: pytest.LogCaptureFixture) -> None:
    answer = inline(world, query)
    assert isinstance(answer["results"], list) and "bot handler failed" not in caplog.text
    if not answer["results"]:
        assert answer["button"] == {"text": "No release matches: open the bot", "start_parameter": "inline"}


def test_odd_models_with_hostile_card_fields_come_through_inline(world: World) -> None:  # noqa: F811
    # Its license name is HTML; had it reached Telegram unescaped the fake would have refused the answer.
    (result,) = inline(world, "odd_name")["results"]
    assert result["title"] == "Qwen/Odd_Name-1.0" and "Odd_Name-1.0" in result["parsed_text"]


def test_inline_speaks_the_persons_language(world: World) -> None:  # noqa: F811
    (result,) = inline(world, "deepseek", language_code="it")["results"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["text"] == "Apri su Hugging Face"
    assert "attivi" not in result["description"]  # dense: no active count


# --------------------------------------------------------------------------- one-tap follow links


def test_follow_link_subscribes_to_that_lab_only(world: World) -> None:  # noqa: F811
    user = world.user()
    text = world.send(user, "/start sub_deepseek")
    assert "Following DeepSeek." in text and "Labs: DeepSeek" in text
    row = subscriptions.get(world.store, user)
    assert row is not None and row.active and row.labs == ["DeepSeek"]
    text = world.send(user, "/start sub_qwen")  # a second lab is added
    assert "Labs: DeepSeek, Qwen (Alibaba)" in text
    assert subscriptions.get(world.store, user).labs == ["DeepSeek", "Qwen (Alibaba)"]


def test_follow_all_and_a_lab_when_following_everything(world: World) -> None:  # noqa: F811
    user = world.user()
    assert "Following every lab." in world.send(user, "/start sub_all")
    assert subscriptions.get(world.store, user).labs == []
    text = world.send(user, "/start sub_glm")
    assert "already get alerts for every lab, Zhipu / Z.ai included" in text
    assert subscriptions.get(world.store, user).labs == []


def test_follow_an_unknown_lab_lists_the_labs_as_follow_links(world: World) -> None:  # noqa: F811
    user = world.user()
    (reply,) = world.bot.send(user, "/start sub_atlantis")
    assert "names a lab I don't watch (atlantis)" in reply.text and "DeepSeek" in reply.text
    links = [e["url"] for e in reply.entities if e["type"] == "text_link"]
    assert "https://t.me/release_tracker_bot?start=sub_deepseek" in links and len(links) == len(world.watchlist.labs)
    assert subscriptions.get(world.store, user).active is False


def test_follow_keys_are_valid_payloads_and_resolve_back(world: World) -> None:  # noqa: F811
    for lab in world.watchlist.labs:
        key = follow.payload(lab.name)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", key), key
        assert follow.resolve(world.watchlist, key) == (True, lab)
    assert follow.payload("Qwen (Alibaba)") == "sub_qwen" and follow.payload("DeepSeek") == "sub_deepseek"


def test_site_lab_pages_carry_the_follow_link(tracker: Tracker, fake_hub: FakeHub, tmp_path: Path) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)
    tracker.run("site", str(tmp_path / "plain"), check=True)
    assert "t.me/" not in (tmp_path / "plain" / "labs" / "deepseek.html").read_text()  # no username known yet

    subscriptions.set_flag(Store.open(f"sqlite:///{tracker.db_path}"), "bot_username", "remembered_bot")
    tracker.run("site", str(tmp_path / "remembered"), check=True)
    page = (tmp_path / "remembered" / "labs" / "deepseek.html").read_text()
    assert '<a href="https://t.me/remembered_bot?start=sub_deepseek">Follow DeepSeek releases in a private chat' in page

    tracker.env["TRACKER_BOT_USERNAME"] = "@configured_bot"
    tracker.run("site", str(tmp_path / "configured"), check=True)
    assert "https://t.me/configured_bot?start=sub_deepseek" in (
        tmp_path / "configured" / "labs" / "deepseek.html").read_text()


# --------------------------------------------------------------------------- wording and Italian


def test_model_words_times_as_what_they_are(world: World) -> None:  # noqa: F811
    backfilled = world.send(world.user(), "/model deepseek-ai/DeepSeek-V3")
    assert "Created on the Hub 2024-12-25" in backfilled
    assert "first seen today, " in backfilled and "recorded without an alert" in backfilled
    assert "in our history since" not in backfilled and "public since" not in backfilled
    caught = world.send(world.user(), "/model Qwen/Qwen3-30B-A3B")
    assert "public since today, " in caught and "when we first saw it" in caught


def test_italian_answers_localise_numbers_dates_and_license_reasons(world: World) -> None:  # noqa: F811
    user = world.user()
    world.send(user, "/lang it")
    text = world.send(user, "/model deepseek-ai/DeepSeek-V3")
    assert "Creato sull'Hub 25 dic 2024, " in text and "visto per la prima volta oggi, " in text
    assert "1.369 GB BF16" in text  # Italian grouping, not 1,369 GB
    assert "aperta con condizioni: Licenza del modello DeepSeek: restrizioni d'uso" in text
    card = world.send(user, "/model Qwen/Qwen3-30B-A3B")
    assert "30,5B" in card and "30.5B" not in card
    stats = world.send(user, "/stats")
    assert "ultimi 30 giorni / ultimi 365 giorni / da sempre" in stats and " dic 2025" in stats


def test_help_points_to_inline_mode_with_the_bots_username(world: World) -> None:  # noqa: F811
    assert "In any chat, type @release_tracker_bot deepseek" in world.send(world.user(), "/help")
