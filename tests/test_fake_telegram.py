"""The fake Bot API, driven by the real python-telegram-bot (and raw HTTP where PTB hides details)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.fakes.telegram_html import HtmlParseError, parse_html, utf16_len
from tests.fakes.telegram_limits import SlidingWindowLimiter

TOKEN = "123:ABC"
CHANNEL = "@releases"
ROOT = Path(__file__).resolve().parents[1]
# PTB 22 itself reads RetryAfter.retry_after, which warns about the coming timedelta type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
T = TypeVar("T")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


def make_bot(fake: FakeTelegram) -> Bot:
    return Bot(TOKEN, base_url=f"{fake.url}/bot")


def make_app(fake: FakeTelegram) -> Application:
    return ApplicationBuilder().token(TOKEN).base_url(f"{fake.url}/bot").build()


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run an Application the way the tracker does (long polling against the fake)."""
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def seconds(exc: RetryAfter) -> int:
    """``retry_after`` as int (PTB 22 returns an int or a timedelta, depending on settings)."""
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore")
        retry = exc.retry_after
    return retry if isinstance(retry, int) else int(retry.total_seconds())


# --------------------------------------------------------------------------- sending


def test_send_html_is_parsed_into_text_and_entities(fake: FakeTelegram) -> None:
    html = '<b>Qwen3</b> &amp; <a href="https://huggingface.co/Qwen">Qwen</a> 🏟 <i>x&lt;y</i>\n'

    async def main() -> Message:
        async with make_bot(fake) as bot:
            return await bot.send_message(CHANNEL, html, parse_mode="HTML")

    sent = run(main())
    (stored,) = fake.messages(CHANNEL)
    assert stored.text == "Qwen3 & Qwen 🏟 x<y"  # entities decoded, tags gone, trailing newline trimmed
    assert stored.raw_text == html and stored.parse_mode == "HTML"
    assert stored.entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://huggingface.co/Qwen"},
        {"type": "italic", "offset": 16, "length": 3},  # 🏟 is two UTF-16 code units
    ]
    assert sent.text == stored.text and sent.chat.type == "channel" and sent.message_id == 1
    assert fake.messages(-1001234567890) == [stored]


def test_html_parse_error_is_bad_request_with_telegrams_wording(fake: FakeTelegram) -> None:
    async def main() -> None:
        async with make_bot(fake) as bot:
            for text in ("Release v2<br>notes", "<b>bold"):
                with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                    await bot.send_message(CHANNEL, text, parse_mode="HTML")

    run(main())
    assert [r.description for r in fake.requests("sendMessage")] == [
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 10',
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    ]
    assert fake.messages(CHANNEL) == []


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<i>a</i   ", "Unclosed end tag at byte offset 4"),
    ],
)
def test_html_parser_errors_match_tdlib(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(html)
    assert str(info.value) == error


def test_html_parser_entities_match_tdlib() -> None:
    parsed = parse_html(
        '<pre><code class="language-python">x = 1</code></pre> AT&T &nbsp;<tg-spoiler>s</tg-spoiler>'
    )
    assert parsed.text == "x = 1 AT&T &nbsp;s"  # unknown entities and bare "&" stay literal, as in Telegram
    assert parsed.entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 17, "length": 1},
    ]
    quote = parse_html("<blockquote expandable>a<code>b</code></blockquote><a>hf.co</a>")
    assert [e["type"] for e in quote.entities] == ["expandable_blockquote", "code", "text_link"]
    assert quote.entities[-1]["url"] == "http://hf.co/"
    with pytest.raises(HtmlParseError):
        parse_html("AT&T", strict_ampersand=True)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(_TEXT, _TEXT)
def test_escaped_text_round_trips_through_the_parser(before: str, inside: str) -> None:
    parsed = parse_html(f"{html.escape(before)}<b>{html.escape(inside)}</b>")
    assert parsed.text == before + inside
    if inside:
        assert parsed.entities == [{"type": "bold", "offset": utf16_len(before), "length": utf16_len(inside)}]
    else:
        assert parsed.entities == []


def test_too_long_and_empty_messages_are_rejected(fake: FakeTelegram) -> None:
    async def main() -> None:
        async with make_bot(fake) as bot:
            await bot.send_message(
                CHANNEL, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
            )  # 4096 after parsing
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(CHANNEL, "x" * 4097)
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(CHANNEL, "🏟" * 2049)  # 4098 UTF-16 code units
            with pytest.raises(BadRequest, match="(?i)message text is empty"):
                await bot.send_message(CHANNEL, "<b> </b>", parse_mode="HTML")

    run(main())
    assert len(fake.messages(CHANNEL)) == 1


def test_inline_keyboard_callback_data_is_limited_to_64_bytes(fake: FakeTelegram) -> None:
    async def main() -> None:
        async with make_bot(fake) as bot:
            ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
            await bot.send_message(CHANNEL, "fits", reply_markup=ok)
            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="é" * 33)]])
            with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
                await bot.send_message(CHANNEL, "too long", reply_markup=too_long)

    run(main())
    assert fake.messages(CHANNEL)[0].buttons == [{"text": "ok", "callback_data": "é" * 32}]


def test_an_inline_query_answered_after_telegrams_window_is_too_old(fake: FakeTelegram) -> None:
    fake.inline_mode, fake.inline_window = True, 1.0  # Telegram's is about 10 s; "in time" is one request
    late, asked = fake.user_inline(42, "late"), time.monotonic()
    in_time = ""

    async def main() -> None:
        nonlocal in_time
        async with make_bot(fake) as bot:
            in_time = fake.user_inline(42, "in time")
            assert await bot.answer_inline_query(in_time, [])
            await asyncio.sleep(max(asked + 1.1 - time.monotonic(), 0))
            with pytest.raises(BadRequest, match="(?i)query is too old"):
                await bot.answer_inline_query(late, [])

    run(main())
    (answer,) = fake.inline_answers
    assert answer["inline_query_id"] == in_time and answer["at"] <= time.monotonic()


# --------------------------------------------------------------------------- errors


def test_injected_429_surfaces_as_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 429, retry_after=7)

    async def main() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(CHANNEL, "hi")
            assert seconds(info.value) == 7
            await bot.send_message(CHANNEL, "hi again")  # the fault was used up

    run(main())
    assert fake.count_429 == 1 and fake.count_429_rate_limited == 0
    assert fake.requests("sendMessage")[0].description == "Too Many Requests: retry after 7"


def test_blocked_user_is_forbidden_and_unknown_chat_is_bad_request(fake: FakeTelegram) -> None:
    fake.add_private(42)
    fake.block_user(42)

    async def main() -> None:
        async with make_bot(fake) as bot:
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(42, "hi")
            with pytest.raises(BadRequest, match="(?i)chat not found"):
                await bot.send_message(777, "hi")
            with pytest.raises(BadRequest, match="(?i)chat not found"):
                await bot.send_message("@nosuchchannel", "hi")

    run(main())
    assert fake.messages(42) == []


def test_forum_topics_and_threads(fake: FakeTelegram) -> None:
    forum = fake.add_forum(-1009999, title="Labs")
    group = fake.add_group(-1008888)

    async def main() -> None:
        async with make_bot(fake) as bot:
            topic = await bot.create_forum_topic(forum.id, "Qwen")
            await bot.send_message(forum.id, "in topic", message_thread_id=topic.message_thread_id)
            with pytest.raises(BadRequest, match="(?i)message thread not found"):
                await bot.send_message(forum.id, "x", message_thread_id=topic.message_thread_id + 50)
            with pytest.raises(BadRequest, match="(?i)message thread not found"):
                await bot.send_message(group.id, "x", message_thread_id=topic.message_thread_id)
            with pytest.raises(BadRequest, match="(?i)not a forum"):
                await bot.create_forum_topic(group.id, "nope")

    run(main())
    (message,) = fake.messages(forum.id)
    assert message.message_thread_id == 1 and forum.topics[1]["name"] == "Qwen"


def test_outages_migration_and_bad_tokens(fake: FakeTelegram) -> None:
    fake.migrate_chat(-555, -1005555)

    async def main() -> None:
        async with make_bot(fake) as bot:  # initialize() calls getMe
            fake.fail_next("getMe", 500)
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.get_me()
            with pytest.raises(ChatMigrated) as info:
                await bot.send_message(-555, "hi")
            assert info.value.new_chat_id == -1005555
            fake.set_down(True, "502")
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.get_me()
            fake.set_down(True, "refuse")
            with pytest.raises(NetworkError):
                await bot.get_me()
            fake.set_down(False)
            assert (await bot.get_me()).username == "release_tracker_bot"

    run(main())
    with httpx.Client(base_url=fake.url) as client:
        fake.set_down(True, "refuse")
        with pytest.raises(httpx.ConnectError):
            client.post(f"/bot{TOKEN}/getMe")
        fake.set_down(False)
        unauthorized = client.post("/bot999:WRONG/getMe")
        assert unauthorized.status_code == 401
        assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        missing = client.post(f"/bot{TOKEN}/noSuchMethod")
        assert missing.status_code == 404 and missing.json()["description"] == "Not Found"
        assert missing.headers["content-type"] == "application/json"
        # JSON and multipart bodies work too; nested objects may be real JSON there.
        sent = client.post(
            f"/bot{TOKEN}/sendMessage", json={"chat_id": CHANNEL, "text": "<i>json</i>", "parse_mode": "HTML"}
        )
        assert sent.json()["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 4}]
        multipart = client.post(
            f"/bot{TOKEN}/sendMessage", files={"chat_id": (None, CHANNEL), "text": (None, "mp")}
        )
        assert multipart.json()["result"]["text"] == "mp"


# --------------------------------------------------------------------------- updates


def test_start_command_reaches_command_handler_and_reply_lands_in_private_chat(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(
            f"Hello {update.effective_user.first_name}! args={context.args}"
        )

    async def main() -> None:
        app = make_app(fake)
        app.add_handler(CommandHandler("start", start))
        async with polling(app):
            await app.bot.set_my_commands([("start", "Subscribe"), ("stop", "Unsubscribe")])
            fake.user_sends(42, "/start@release_tracker_bot qwen", first_name="Ada")
            (reply,) = await fake.await_messages(42, 1, timeout=5)
            assert reply.text == "Hello Ada! args=['qwen']"

    run(main())
    assert fake.commands == [
        {"command": "start", "description": "Subscribe"},
        {"command": "stop", "description": "Unsubscribe"},
    ]
    assert [m.text for m in fake.messages(42, include_user=True)] == [
        "/start@release_tracker_bot qwen",
        "Hello Ada! args=['qwen']",
    ]
    methods = [r.method for r in fake.all_requests]
    assert methods[0] == "getMe" and "deleteWebhook" in methods and "getUpdates" in methods


def test_callback_click_reaches_callback_query_handler(fake: FakeTelegram) -> None:
    async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer("Unsubscribed")
        await query.edit_message_text(f"Done: {query.data}")

    async def main() -> None:
        app = make_app(fake)
        app.add_handler(CallbackQueryHandler(on_click, pattern="^unsub:"))
        async with polling(app):
            fake.add_private(7)
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton("Unsubscribe", callback_data="unsub:qwen")]]
            )
            await app.bot.send_message(7, "You follow <b>Qwen</b>", parse_mode="HTML", reply_markup=keyboard)
            (message,) = fake.messages(7)
            query_id = fake.user_clicks(7, message, "unsub:qwen")
            await fake.await_for(lambda: fake.messages(7)[0].history, timeout=5)
            assert fake.callback_answers == [
                {"callback_query_id": query_id, "text": "Unsubscribed", "show_alert": False, "url": None}
            ]

    run(main())
    (message,) = fake.messages(7)
    assert message.text == "Done: unsub:qwen" and message.reply_markup is None
    assert message.history[0]["text"] == "You follow Qwen"


def test_edit_message_text_updates_the_stored_message(fake: FakeTelegram) -> None:
    async def main() -> None:
        async with make_bot(fake) as bot:
            sent = await bot.send_message(CHANNEL, "<b>v1</b>", parse_mode="HTML")
            edited = await bot.edit_message_text(
                "<i>v2</i>", chat_id=CHANNEL, message_id=sent.message_id, parse_mode="HTML"
            )
            assert edited.edit_date is not None
            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await bot.edit_message_text(
                    "<i>v2</i>", chat_id=CHANNEL, message_id=sent.message_id, parse_mode="HTML"
                )
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("x", chat_id=CHANNEL, message_id=999)
            assert await bot.delete_message(CHANNEL, sent.message_id)
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("v3", chat_id=CHANNEL, message_id=sent.message_id)

    run(main())
    (message,) = fake.messages(CHANNEL, include_deleted=True)
    assert (message.text, message.entities) == ("v2", [{"type": "italic", "offset": 0, "length": 2}])
    assert [h["text"] for h in message.history] == ["v1"] and message.deleted


def test_get_updates_long_poll_returns_promptly_and_confirms_offsets(fake: FakeTelegram) -> None:
    timer = threading.Timer(0.2, fake.user_sends, args=(42, "hello"))

    async def main() -> None:
        async with make_bot(fake) as bot:
            start = time.monotonic()
            timer.start()
            updates = await bot.get_updates(timeout=5)
            assert 0.15 < time.monotonic() - start < 1.5
            assert [u.message.text for u in updates if u.message] == ["hello"]
            assert await bot.get_updates(timeout=0) == updates  # not confirmed yet
            assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
            assert fake.pending_updates == []

    run(main())


def test_second_poller_gets_conflict(fake: FakeTelegram) -> None:
    async def main() -> None:
        async with make_bot(fake) as first, make_bot(fake) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=3))
            await asyncio.sleep(0.2)
            assert await second.get_updates(timeout=0) == ()
            with pytest.raises(Conflict, match="terminated by other getUpdates"):
                await waiting

    run(main())


# --------------------------------------------------------------------------- rate limits


def test_rapid_messages_to_a_group_hit_the_per_chat_limit(fake: FakeTelegram) -> None:
    group = fake.add_group(-1004242)

    async def main() -> list[int]:
        retries = []
        async with make_bot(fake) as bot:
            for i in range(25):
                try:
                    await bot.send_message(group.id, f"message {i}")
                except RetryAfter as exc:
                    retries.append(seconds(exc))
        return retries

    retries = run(main())
    assert fake.count_429 == fake.count_429_rate_limited == 5
    assert len(fake.messages(group.id)) == 20
    assert all(55 <= r <= 60 for r in retries)  # the 60 s window frees in just under a minute


def test_scaled_limits_recover_and_private_burst() -> None:
    # 3 per 0.3 s per group; 2 per 0.25 s per private chat
    limits = RateLimits(group_per_min=3, private_per_sec=0.04, private_burst=2, time_scale=0.005)
    with FakeTelegram(TOKEN, rate_limits=limits) as fake:
        fake.add_private(1)

        async def main() -> None:
            async with make_bot(fake) as bot:
                for _ in range(3):
                    await bot.send_message(CHANNEL, "x")
                with pytest.raises(RetryAfter):
                    await bot.send_message(CHANNEL, "x")
                await bot.send_message(1, "a")
                await bot.send_message(1, "b")
                with pytest.raises(RetryAfter):
                    await bot.send_message(1, "c")
                await asyncio.sleep(0.35)
                await bot.send_message(CHANNEL, "x")
                await bot.send_message(1, "c")

        run(main())
        assert fake.count_429 == 2
        fake.set_rate_limits(None)
        run(main_unlimited(fake))
        assert fake.count_429 == 2


async def main_unlimited(fake: FakeTelegram) -> None:
    async with make_bot(fake) as bot:
        for _ in range(40):
            await bot.send_message(CHANNEL, "y")


def test_sliding_window_math() -> None:
    now = [100.0]
    limiter = SlidingWindowLimiter(RateLimits(), clock=lambda: now[0])
    assert all(limiter.try_acquire("c", "group") is None for _ in range(20))
    now[0] += 59.2
    assert limiter.try_acquire("c", "group") == 1  # the first send leaves the window at t=160
    now[0] += 0.8
    assert limiter.try_acquire("c", "group") is None
    assert limiter.try_acquire("p", "private") is None
    assert [limiter.try_acquire("p", "private") for _ in range(3)] == [None, None, 3]
    limits = RateLimits()
    assert (
        limits.min_send_time(20) == 0 and limits.min_send_time(21) == 60 and limits.min_send_time(45) == 120
    )
    assert limits.min_send_time(31, "private") == 30  # bursts of 3 every 3 s
    assert limits.earliest_schedule((f"user{i}", "private") for i in range(61))[-1] == 2  # 30/s overall


def test_runs_as_a_process_with_admin_endpoints() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.telegram_api",
            "--port",
            "0",
            "--token",
            "T:1",
            "--channel",
            "@releases",
            "--print-url",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("URL http://127.0.0.1:")
        url = line.split()[1]
        with httpx.Client(base_url=url) as client:
            client.post("/_fake/chats", json=[{"id": 5, "type": "private", "first_name": "Bo"}])
            assert client.post("/botT:1/sendMessage", data={"chat_id": 5, "text": "hi"}).json()["ok"]
            assert client.post("/botT:1/sendMessage", data={"chat_id": "@releases", "text": "hi"}).json()[
                "ok"
            ]
            stats = client.get("/_fake/stats").json()["result"]
            assert stats["messages_per_chat"] == {"5": 1, "-1001234567890": 1} and stats["count_429"] == 0
            assert stats["first_send_monotonic"] <= stats["last_send_monotonic"]
            (message,) = client.get("/_fake/messages", params={"chat_id": 5}).json()["result"]
            assert json.dumps(message) and message["text"] == "hi"
    finally:
        proc.terminate()
        proc.wait(timeout=5)
