"""Property-based: every command, free text and button the bot handles, fed arbitrary text, never fails.

A failure is anything the Application's error handler sees (it would log a traceback and tell the person
"something went wrong"); a reply Telegram would refuse (bad HTML, too long) fails the same way, since the
fake Bot API validates every message. Runs the real handlers on a real SQLite store filled by a poll of
the fake Hub, with the fake Bot API called in-process (no HTTP) to keep thousands of updates fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.fakes.telegram_inproc import InProcessRequest
from tests.integration.test_bot_commands import fill_hub
from tracker.bot import _COMMAND_HANDLERS, attach_bot
from tracker.bot.context import BotContext
from tracker.config import load_settings
from tracker.hub.client import HubClient
from tracker.poll.cycle import Poller
from tracker.store.releases import Store
from tracker.watchlist import load_watchlist

TOKEN = "777:fuzz-token"
ADMIN = 4242
USER = 5151
# The inputs the fuzzing of the running bot found, and their neighbours.
NASTY = ["9" * 5000, "³", "²B", "٣", "1e999B", "99999999999999999999999T", "9223372036854775808", "-0",
         "\ud800", "x\udfffy", "<b>", "&amp;", "</code>", "a" * 256, "🦙" * 70, "", " ", "\x00", "\u202e",
         "-9223372036854775809", "1e-999B", "nan", "inf", "0.0000001B", "1,5B", "७B", "any", "reset"]
BUTTONS = ["r:", "m:", "l:", "s:", "s:min:", "s:max:", "s:tl:", "s:tl:0:", "s:labs:", "s:lic:", "s:all:",
           "s:q", "s:kw", "s:sub", "s:unsub", "s:home:", "zz:", ""]


@dataclass
class Bot:
    app: Application
    fake: FakeTelegram
    loop: asyncio.AbstractEventLoop
    failures: list[str]
    settings_message: SentMessage

    def feed(self, update: dict) -> None:
        update = json.loads(json.dumps(update))  # as it arrives from Telegram (de_json changes its input)
        self.loop.run_until_complete(self.app.process_update(Update.de_json(update, self.app.bot)))
        with self.fake._cond:
            self.fake._updates.clear()


class _Failures(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage()[-1500:])


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp}/t.db"
    watchlist = load_watchlist(None)
    with FakeHub() as hub:
        fill_hub(hub)
        store = Store.open(url)
        Poller(HubClient(endpoint=hub.url, token=None, timeout=10, cache_dir=tmp / "hf"), store, watchlist,
               workers=4).run_cycle()
    fake = FakeTelegram(token=TOKEN, rate_limits=None)
    fake.inline_mode = True
    settings_ = load_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://unused.invalid",
                              TRACKER_ADMINS=str(ADMIN), HF_ENDPOINT="https://huggingface.co",
                              TRACKER_DATABASE_URL=url)
    app = (ApplicationBuilder().token(TOKEN).request(InProcessRequest(fake))
           .get_updates_request(InProcessRequest(fake)).job_queue(None).build())
    attach_bot(app, BotContext(settings_, store, watchlist))
    failures: list[str] = []
    handler = _Failures(failures)
    logging.getLogger("tracker.bot.errors").addHandler(handler)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(app.initialize())
    probe = Bot(app, fake, loop, failures, None)  # type: ignore[arg-type]
    probe.feed(fake.user_sends(USER, "/settings"))
    probe.settings_message = fake.messages(USER)[-1]
    try:
        yield probe
    finally:
        loop.run_until_complete(app.shutdown())
        loop.close()
        logging.getLogger("tracker.bot.errors").removeHandler(handler)


def _check(bot: Bot, what: str) -> None:
    failures, bot.failures[:] = list(bot.failures), []
    assert not failures, f"{what[:120]!r} made a handler fail:\n{failures[0]}"


words = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.text(max_size=70).map("sub_".__add__),
                  st.text(alphabet=st.characters(codec=None, categories=("Nd", "No", "Cs", "So")), max_size=8))
commands = st.sampled_from(sorted(_COMMAND_HANDLERS) + ["nosuch", "start@release_tracker_bot", "\ud800"])
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@FUZZ
@given(command=commands, args=st.lists(words, max_size=4), user=st.sampled_from([USER, ADMIN]))
def test_every_command_survives_arbitrary_arguments(bot: Bot, command: str, args: list[str], user: int) -> None:
    text = " ".join([f"/{command}", *args])
    bot.feed(bot.fake.user_sends(user, text))
    _check(bot, text)


@FUZZ
@given(text=st.one_of(words, st.text(max_size=300)))
def test_free_text_and_unknown_commands_survive(bot: Bot, text: str) -> None:
    for message in (text, "/" + text):
        bot.feed(bot.fake.user_sends(USER, message))
        _check(bot, message)


@FUZZ
@given(prefix=st.sampled_from(BUTTONS), tail=st.lists(words, max_size=3))
def test_every_button_survives_forged_data(bot: Bot, prefix: str, tail: list[str]) -> None:
    data = (prefix + ":".join(tail)).encode("utf-8", "surrogatepass")[:64].decode("utf-8", "ignore") or "x"
    bot.feed(_query(bot, data))
    _check(bot, data)


@FUZZ
@given(query=st.one_of(words, st.text(max_size=256), st.lists(words, max_size=6).map(" ".join)),
       offset=st.one_of(st.just(""), words))
def test_every_inline_query_gets_an_answer(bot: Bot, query: str, offset: str) -> None:
    query_id = bot.fake.user_inline(USER, query, offset)
    with bot.fake._cond:
        (update,) = bot.fake._updates
    bot.feed(update)
    _check(bot, query)
    assert bot.fake.inline_answer(query_id) is not None


def _query(bot: Bot, data: str) -> dict:
    with bot.fake._cond:
        bot.fake._callback_queries.clear()
    bot.fake.user_clicks(USER, bot.settings_message, data)
    with bot.fake._cond:
        (update,) = bot.fake._updates
    return update


@pytest.mark.parametrize("text", ["/recent " + "9" * 5000, "/recent ³", "/recent ³ qwen", "/settings min 1e999B",
                                  "/settings max 99999999999999999999999T", "/settings colour red",
                                  "/model \ud800", "/lab \ud800", "/\ud800", "/subscribe \ud800 qwen"])
def test_the_cases_fuzzing_found(bot: Bot, text: str) -> None:
    before = len(bot.fake.messages(USER))
    bot.feed(bot.fake.user_sends(USER, text))
    _check(bot, text)
    assert len(bot.fake.messages(USER)) == before + 1, "exactly one reply"


@pytest.mark.parametrize("data", ["s:min:1e999B", "s:max:99999999999999999999999T", "m:9223372036854775808",
                                  "m:" + "9" * 60, "m:³", "r:³:5:-", "s:labs:" + "9" * 50])
def test_the_buttons_fuzzing_found(bot: Bot, data: str) -> None:
    bot.feed(_query(bot, data))
    _check(bot, data)
