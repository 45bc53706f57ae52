"""End to end: the bot's commands through the real python-telegram-bot and the fake Bot API, over a real
SQLite store filled by a real poll of the fake Hub.

One bot runs for the whole module (starting PTB costs time); each test talks as its own user.
The fake Bot API parses every message as Telegram HTML and rejects malformed markup with a 400, so a
reply arriving at all proves its escaping.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.bot_harness import BotHarness
from tracker.config import load_settings
from tracker.hub.client import HubClient
from tracker.poll.cycle import Poller
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.watchlist import Watchlist, load_watchlist

TOKEN = "4242:test-token-SECRET"
ADMIN = 999
HOSTILE = "Qwen/Odd_Name-1.0"  # the Hub allows only [\w.-] in names (others are skipped: test_hostile_hub)
_users = itertools.count(1000)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@dataclass
class World:
    bot: BotHarness
    fake: FakeTelegram
    hub: FakeHub
    store: Store
    watchlist: Watchlist

    def user(self) -> int:
        """A fresh Telegram user id (each test talks as someone new)."""
        return next(_users)

    def send(self, user: int, text: str, **kw: object) -> str:
        """Send `text`, return the text of the bot's single reply."""
        (reply,) = self.bot.send(user, text, **kw)  # type: ignore[arg-type]
        return reply.text


def fill_hub(hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(hub)  # 2024: older than a year
    hub_catalog.qwen3_30b_a3b(hub, created_at=ago(hours=2))  # a fresh release
    hub_catalog.gpt_oss_120b(hub, created_at=ago(hours=3))
    hub_catalog.glm_4_5_air(hub, created_at=ago(days=100))
    hub_catalog.qwen3_8b(hub, created_at=ago(days=20))
    hub_catalog.llama_3_1_8b(hub, created_at=ago(days=200))
    for i in range(8):  # enough Qwen releases for three pages of /recent 5 qwen
        hub.add_model(f"Qwen/Qwen-Toy-{i + 1}B", created_at=ago(days=40 + i),
                      safetensors={"BF16": (i + 1) * 10**9})
    hub.add_model(HOSTILE, created_at=ago(days=50), license="other",
                  license_name="<script>alert(1)</script> & co", safetensors={"BF16": 10**9})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("bot")
    with FakeHub() as hub, FakeTelegram(token=TOKEN, rate_limits=None) as fake:
        fill_hub(hub)
        store = Store.open(f"sqlite:///{tmp}/t.db")
        watchlist = load_watchlist(None)
        Poller(HubClient(endpoint=hub.url, token=None, timeout=10, cache_dir=tmp / "hf"), store, watchlist,
               workers=8).run_cycle()
        settings = load_settings(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_CHANNEL="@releases",
            TRACKER_ADMINS=str(ADMIN), HF_ENDPOINT="https://huggingface.co",
            TRACKER_DATABASE_URL=f"sqlite:///{tmp}/t.db",
        )
        fake.add_private(ADMIN, "Root")
        with BotHarness(fake, settings, store, watchlist) as bot:
            yield World(bot, fake, hub, store, watchlist)


# --------------------------------------------------------------------------- menu, /start, /help


def test_commands_are_published_per_language_and_admins_get_theirs(world: World) -> None:
    names = [c["command"] for c in world.fake.commands]
    assert names == ["start", "help", "recent", "lab", "model", "labs", "subscribe", "unsubscribe", "settings",
                     "stats", "lang"]
    italian = world.fake.m_getmycommands({"language_code": "it"})
    assert [c["command"] for c in italian] == names and italian[0]["description"].startswith("Cos'è")
    admin_menu = world.fake.m_getmycommands({"scope": {"type": "chat", "chat_id": ADMIN}})
    assert {"status", "pause", "resume"} <= {c["command"] for c in admin_menu}


def test_start_explains_and_creates_the_person_in_their_telegram_language(world: World) -> None:
    user = world.user()
    text = world.send(user, "/start", first_name="Grace", language_code="it-IT")
    assert "Ciao Grace" in text and "@releases" in text and "/subscribe" in text
    row = subscriptions.get(world.store, user)
    assert row is not None and row.lang == "it" and not row.active


def test_help_lists_commands_and_admin_section_only_for_admins(world: World) -> None:
    text = world.send(world.user(), "/help")
    assert "/recent" in text and "/settings min 7B" in text and "/status" not in text
    assert "/status" in world.send(ADMIN, "/help")


# --------------------------------------------------------------------------- /recent and pagination


def test_recent_shows_latest_first_with_default_five(world: World) -> None:
    (reply,) = world.bot.send(world.user(), "/recent")
    lines = [line for line in reply.text.splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}]
    assert len(lines) == 5
    fresh = {"Qwen/Qwen3-30B-A3B": "30.5B (3.", "openai/gpt-oss-120b": "117B (5.7B active)"}
    for line in lines[:2]:  # the two fresh releases (same first-seen time), then the history
        repo = next(r for r in fresh if r in line)
        assert fresh.pop(repo) in line
    assert "Qwen/Qwen3-8B" in lines[2]
    assert [b["callback_data"] for b in reply.buttons][-1] == "r:5:5:-"
    assert reply.link_preview_options == {"is_disabled": True}


def test_recent_pages_with_buttons_editing_the_same_message(world: World) -> None:
    user = world.user()
    (first,) = world.bot.send(user, "/recent 5 qwen")
    assert "Qwen (Alibaba)" in first.text and "1–5 of 11" in first.text
    world.bot.click(user, first, "r:5:5:qwen-alibaba")
    page2 = world.bot.last(user)
    assert page2.message_id == first.message_id and page2.history, "edited in place"
    assert "6–10 of 11" in page2.text
    datas = [b["callback_data"] for b in page2.buttons]
    assert "r:0:5:qwen-alibaba" in datas and "r:10:5:qwen-alibaba" in datas
    world.bot.click(user, page2, "r:10:5:qwen-alibaba")
    page3 = world.bot.last(user)
    assert "11–11 of 11" in page3.text and "r:15:5:qwen-alibaba" not in [b["callback_data"] for b in page3.buttons]
    assert len(world.fake.messages(user)) == 1


def test_recent_clamps_n_and_rejects_unknown_labs(world: World) -> None:
    user = world.user()
    assert "at most 20 per page" in world.send(user, "/recent 500")
    text = world.send(user, "/recent 3 nosuchlab")
    assert "nosuchlab" in text and "/labs" in text


def test_number_button_opens_the_models_card(world: World) -> None:
    user = world.user()
    (listing,) = world.bot.send(user, "/recent 2")
    first_repo = listing.text.split("\n1. ", 1)[1].split(" ", 1)[0]
    world.bot.click(user, listing, listing.buttons[0]["callback_data"])
    card = world.bot.last(user)
    assert card.message_id != listing.message_id and card.text.startswith(f"🧠 {first_repo}\n")


# --------------------------------------------------------------------------- /model, /lab, /labs, /stats


def test_model_card_has_the_facts(world: World) -> None:
    text = world.send(world.user(), "/model Qwen/Qwen3-30B-A3B")
    assert "Qwen/Qwen3-30B-A3B" in text and "30.5B total" in text and "active per token" in text
    assert "BF16" in text and "4-bit" in text and "apache-2.0" in text and "permissive" in text
    assert "Open download" in text and "public since" in text


def test_model_with_several_matches_offers_a_pick_list(world: World) -> None:
    user = world.user()
    (picks,) = world.bot.send(user, "/model qwen3")
    labels = [b["text"] for b in picks.buttons]
    assert "Qwen/Qwen3-30B-A3B" in labels and "Qwen/Qwen3-8B" in labels
    data = picks.buttons[labels.index("Qwen/Qwen3-8B")]["callback_data"]
    assert data.startswith("m:")
    world.bot.click(user, picks, data)
    assert world.bot.last(user).text.startswith("🧠 Qwen/Qwen3-8B")


def test_model_without_match_or_argument(world: World) -> None:
    user = world.user()
    assert "/recent" in world.send(user, "/model zzz-nothing")
    assert "Usage" in world.send(user, "/model")


def test_hostile_names_and_card_fields_are_escaped(world: World) -> None:
    user = world.user()
    card = world.bot.send(user, f"/model {HOSTILE}")[0]
    # Had any of it reached Telegram unescaped, the fake would have refused the message or eaten the tags.
    assert HOSTILE in card.text and "<script>alert(1)</script> & co" in card.text
    listing = world.bot.send(user, "/recent 20 qwen")[0]
    assert HOSTILE in listing.text


def test_lab_shows_counts_and_latest(world: World) -> None:
    user = world.user()
    text = world.send(user, "/lab qwen")
    assert "Qwen (Alibaba)" in text and "Alibaba-NLP" in text
    assert "Releases: 2 in the last 30 days, 11 in the last 365 days (11 stored)" in text
    assert "Usage" in world.send(user, "/lab")
    assert "/labs" in world.send(user, "/lab atlantis")


def test_labs_lists_the_watchlist(world: World) -> None:
    text = world.send(world.user(), "/labs")
    assert f"The {len(world.watchlist.labs)} labs we watch" in text
    assert "DeepSeek (China) — deepseek-ai" in text


def test_stats_counts_per_lab_and_region(world: World) -> None:
    text = world.send(world.user(), "/stats")
    assert "last 30 days / last 365 days / all time" in text and "30 days = since 20" in text
    assert "Qwen (Alibaba): 2 / 11 / 11" in text
    assert "OpenAI: 1 / 1 / 1" in text
    assert "China: 2 / 12 / 13" in text and "North America: 1 / 2 / 2" in text
    assert "DeepSeek: 0 / 0 / 1" in text  # released in 2024: outside the year, counted in all time
    assert "Total: 3 / 14 / 15" in text


# --------------------------------------------------------------------------- subscribing and settings


def test_subscribe_all_then_some_labs_then_unsubscribe(world: World) -> None:
    user = world.user()
    assert "Subscribed" in world.send(user, "/subscribe")
    row = subscriptions.get(world.store, user)
    assert row is not None and row.active and row.labs == []
    text = world.send(user, "/subscribe deepseek moonshot ai atlantis")
    assert "atlantis" in text and "DeepSeek, Moonshot AI (Kimi)" in text
    assert subscriptions.get(world.store, user).labs == ["DeepSeek", "Moonshot AI (Kimi)"]
    assert "None of these" in world.send(user, "/subscribe atlantis")
    assert "stopped" in world.send(user, "/unsubscribe")
    row = subscriptions.get(world.store, user)
    assert not row.active and row.labs == ["DeepSeek", "Moonshot AI (Kimi)"], "filters kept"
    assert "not subscribed" in world.send(user, "/unsubscribe")


def test_settings_buttons_change_the_stored_filters(world: World) -> None:
    user = world.user()
    (msg,) = world.bot.send(user, "/settings")
    assert "Labs: all" in msg.text
    world.bot.click(user, msg, "s:min")
    msg = world.bot.last(user)
    assert "s:min:7B" in [b["callback_data"] for b in msg.buttons]
    answer = world.bot.click(user, msg, "s:min:7B")
    assert answer["text"] == "Saved" and subscriptions.get(world.store, user).min_params == 7 * 10**9
    msg = world.bot.last(user)
    assert "at least 7B" in msg.text
    world.bot.click(user, msg, "s:max")
    answer = world.bot.click(user, world.bot.last(user), "s:max:3B")
    assert answer["show_alert"] and subscriptions.get(world.store, user).max_params is None
    world.bot.click(user, world.bot.last(user), "s:max:70B")
    world.bot.click(user, world.bot.last(user), "s:q")
    world.bot.click(user, world.bot.last(user), "s:lic")
    world.bot.click(user, world.bot.last(user), "s:lic:permissive")
    world.bot.click(user, world.bot.last(user), "s:lic:non-commercial")
    world.bot.click(user, world.bot.last(user), "s:home")
    world.bot.click(user, world.bot.last(user), "s:labs:0")
    labs_page = world.bot.last(user)
    assert "s:labs:1" in [b["callback_data"] for b in labs_page.buttons], "26 labs: paginated"
    world.bot.click(user, labs_page, "s:tl:0:deepseek")
    world.bot.click(user, world.bot.last(user), "s:labs:1")
    world.bot.click(user, world.bot.last(user), "s:labs:2")
    world.bot.click(user, world.bot.last(user), "s:tl:2:openai")
    world.bot.click(user, world.bot.last(user), "s:home")
    world.bot.click(user, world.bot.last(user), "s:sub")
    row = subscriptions.get(world.store, user)
    assert (row.min_params, row.max_params, row.include_quantized) == (7 * 10**9, 70 * 10**9, False)
    assert row.license_classes == ["permissive", "non-commercial"]
    assert row.labs == ["DeepSeek", "OpenAI"] and row.active
    world.bot.click(user, world.bot.last(user), "s:done")
    done = world.bot.last(user)
    assert "Saved" in done.text and not done.buttons
    assert len(world.fake.messages(user)) == 1, "every press edited the one settings message"


def test_settings_text_forms_and_errors(world: World) -> None:
    user = world.user()
    assert "at least 7B" in world.send(user, "/settings min 7B")
    assert "7B to 70B" in world.send(user, "/settings max 70B")
    assert "above the maximum" in world.send(user, "/settings min 100B")
    assert "permissive, open-restricted" in world.send(user, "/settings license open-restricted permissive")
    assert "Valid: permissive" in world.send(user, "/settings license free")
    assert "skipped" in world.send(user, "/settings quantized skip")
    assert "quantized include" in world.send(user, "/settings quantized maybe")
    assert "Labs: DeepSeek, Qwen (Alibaba)" in world.send(user, "/settings labs deepseek qwen")
    assert "not a size" in world.send(user, "/settings min huge")
    assert "Valid: min, max" in world.send(user, "/settings colour blue")
    text = world.send(user, "/settings keywords coder <b>&amp")
    assert "Keywords: coder, <b>&amp" in text
    assert subscriptions.get(world.store, user).keywords == ["coder", "<b>&amp"]
    assert "Keywords: none" in world.send(user, "/settings keywords -")
    text = world.send(user, "/settings reset")
    assert "Labs: all" in text and "Size: any" in text and "Licenses: all" in text


# --------------------------------------------------------------------------- language


def test_lang_switches_the_next_replies_to_italian(world: World) -> None:
    user = world.user()
    (choice,) = world.bot.send(user, "/lang")
    assert [b["callback_data"] for b in choice.buttons] == ["l:en", "l:it"]
    assert "Lingua impostata" in world.send(user, "/lang it")
    assert "Rilasci recenti" in world.send(user, "/recent 1")
    assert "Non conosco" in world.send(user, "/frobnicate")
    world.bot.click(user, world.bot.send(user, "/lang xx")[0], "l:en")
    assert world.bot.last(user).text.startswith("Language set")
    assert "Recent releases" in world.send(user, "/recent 1")


# --------------------------------------------------------------------------- anything else


def test_unknown_commands_free_text_and_stickers_get_a_pointer(world: World) -> None:
    user = world.user()
    text = world.send(user, "/frobnicate <now>")
    assert "/frobnicate" in text and "/help" in text
    assert "/help" in world.send(user, "hello there")
    world.fake.user_sends(user, "😀")
    assert "/help" in world.bot.send(user, "🙂")[0].text


def test_groups_get_one_line_pointing_to_the_private_chat(world: World) -> None:
    group = world.fake.add_group(title="Friends").id
    user = world.user()
    (reply,) = world.bot.send(user, "/recent@release_tracker_bot", chat_id=group)
    assert "private" in reply.text
    world.fake.user_sends(user, "just chatting", chat_id=group)
    world.fake.user_sends(user, "/start@other_bot", chat_id=group)
    world.bot.send(user, "/help", chat_id=group)  # a marker: the two before it got no answer
    assert len(world.fake.messages(group)) == 2


# --------------------------------------------------------------------------- admin


def test_admin_commands_are_hidden_from_everyone_else(world: World) -> None:
    user = world.user()
    for command in ("/status", "/pause", "/resume"):
        assert "I don't know" in world.send(user, command)
    assert not subscriptions.is_paused(world.store)


def test_admin_status_pause_and_resume(world: World) -> None:
    lab = world.watchlist.find_lab("microsoft")
    assert lab is not None
    world.store.record_org_failure("microsoft", lab, "HTTP 502 <html>bad gateway</html> & more", datetime.now(UTC))
    text = world.send(ADMIN, "/status")
    assert "1 failing" in text and "microsoft" in text and "<html>bad gateway</html> & more" in text
    assert "Queue:" in text and "deepseek-ai" in text
    assert "paused" in world.send(ADMIN, "/pause")
    assert subscriptions.get_flag(world.store, "paused").startswith(f"by {ADMIN} at ")
    assert "Already paused" in world.send(ADMIN, "/pause")
    assert "paused" in world.send(ADMIN, "/status").splitlines()[0]
    assert "resumed" in world.send(ADMIN, "/resume")
    assert not subscriptions.is_paused(world.store)
    assert "Not paused" in world.send(ADMIN, "/resume")


# --------------------------------------------------------------------------- failures


def test_a_failing_handler_answers_something_went_wrong_and_keeps_the_token_out_of_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    user = world.user()
    world.bot.send(user, "/start")
    world.fake.fail_next("sendMessage", 500, "Internal Server Error", chat_id=user)
    world.fake.user_sends(user, "/labs")
    reply = world.fake.wait_for(lambda: [m for m in world.fake.messages(user)[1:]], timeout=5)
    assert "Something went wrong" in reply[0].text
    assert "bot handler failed" in caplog.text and TOKEN not in caplog.text
    assert "test-token-SECRET" not in caplog.text


def test_a_status_longer_than_one_message_is_cut_at_a_line_with_a_hint(world: World) -> None:
    now = datetime.now(UTC)
    for org, lab in world.watchlist.orgs:
        world.store.record_org_failure(org, lab, f"{org}: " + "a very long <error> & explanation " * 20, now)
    text = world.send(ADMIN, "/status")
    assert len(text) <= 4096 and text.endswith("… cut to fit one message")
    assert f"{len(world.watchlist.orgs)} failing" in text


@pytest.mark.parametrize("data", ["zz:1", "r:x:y:-", "r:0:5:atlantis", "m:999999", "s:tl:0:atlantis", "s:lic:free"])
def test_stale_or_forged_buttons_get_a_short_answer(world: World, data: str) -> None:
    user = world.user()
    (message,) = world.bot.send(user, "/settings")
    query_id = world.fake.user_clicks(user, message, data)
    answer = world.fake.wait_for(
        lambda: next((a for a in world.fake.callback_answers if a["callback_query_id"] == query_id), None))
    assert answer["text"] in ("This button is no longer valid", "That model is no longer stored")
    assert world.fake.messages(user)[0].history == [], "nothing was edited"
