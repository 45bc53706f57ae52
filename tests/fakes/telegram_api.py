"""A local fake of the Telegram Bot API for tests and benchmarks (stdlib only).

Real HTTP on 127.0.0.1 that python-telegram-bot (or anything else) talks to::

    with FakeTelegram(token="123:ABC") as fake:
        app = ApplicationBuilder().token("123:ABC").base_url(f"{fake.url}/bot").build()
        ...
        fake.wait_for_messages("@releases", 1)

Modules: ``telegram_html`` (Telegram's HTML parser), ``telegram_limits`` (flood limits),
``telegram_models`` (chats, messages), ``telegram_methods`` (Bot API methods), ``telegram_inline``
(inline queries),
``telegram_http`` (HTTP server, admin endpoints). As a process for benchmarks::

    python -m tests.fakes.telegram_api --port 0 --token T --channel @releases --print-url
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

from .telegram_http import FakeHttpServer
from .telegram_inline import InlineMixin
from .telegram_limits import RateLimits, SlidingWindowLimiter
from .telegram_models import ApiError, Chat, RequestRecord, SentMessage
from .telegram_sim import DownMode, SimulationMixin, _Fault

__all__ = ["DEFAULT_CHANNEL_ID", "FakeTelegram", "RateLimits", "SentMessage", "main"]

T = TypeVar("T")
DEFAULT_CHANNEL_ID = -1001234567890
_DEFAULT_LIMITS = RateLimits()


class FakeTelegram(InlineMixin, SimulationMixin):
    """Fake Bot API server plus inspection and fault-injection helpers (thread-safe)."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "release_tracker_bot",
        bot_name: str = "Release Tracker",
        channel: str | None = "@releases",
        channel_id: int = DEFAULT_CHANNEL_ID,
        rate_limits: RateLimits | None = _DEFAULT_LIMITS,
        length_unit: Literal["utf16", "codepoints"] = "utf16",
        strict_ampersand: bool = False,
    ) -> None:
        self.token = token
        self.host, self._port = host, port
        prefix = token.split(":", 1)[0]
        self.bot_user = {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.length_unit, self.strict_ampersand = length_unit, strict_ampersand
        self._cond = threading.Condition(threading.RLock())
        self._chats, self._usernames, self._messages = {}, {}, {}
        self._blocked, self._migrated = set(), {}
        self._limiter = SlidingWindowLimiter(rate_limits) if rate_limits else None
        self._updates, self._allowed_updates = [], None
        self._update_ids = itertools.count(100_001)
        self._query_ids = itertools.count(1)
        self._poll_generation, self._closing = 0, False
        self._commands, self._callback_queries = {}, {}
        self._faults: list[_Fault] = []
        # seconds each answer of a method (lower case) takes to come back, e.g. {"answerinlinequery": 1.0}
        self.latency: dict[str, float] = {}
        self._requests: list[RequestRecord] = []
        self.callback_answers, self.webhook = [], None
        self.photos: dict[str, bytes] = {}
        self.count_429_rate_limited = 0
        self.first_send = self.last_send = None
        self.down: DownMode | None = None
        self._down_timer: threading.Timer | None = None
        self._server: FakeHttpServer | None = None
        if channel:
            self.add_channel(channel, chat_id=channel_id)

    # ------------------------------------------------------------- lifecycle
    def start(self) -> FakeTelegram:
        """Start serving (idempotent); returns self."""
        if self._server is None:
            self._closing = False
            self._server = FakeHttpServer(self, self.host, self._port)
            self._port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._down_timer:
            self._down_timer.cancel()
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (known after :meth:`start`)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``; PTB's base_url is ``f"{url}/bot"``."""
        return f"http://{self.host}:{self._port}"

    api_url = url

    def count_limits_on(self, clock: Callable[[], float]) -> None:
        """Count the flood limits on `clock` instead of the real one: a test's VirtualClock (tests/clock.py)
        that the tracker's own limiter sleeps on, so that its waits take no time and the limits still hold."""
        with self._cond:
            if self._limiter is not None:
                self._limiter = SlidingWindowLimiter(self._limiter.limits, clock)

    # ------------------------------------------------------------- dispatch
    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method; returns (HTTP status, JSON body). Used by the HTTP layer."""
        handler = getattr(self, f"m_{method.lower()}", None)
        with self._cond:
            try:
                fault = self._take_fault(method, params)
                if fault is not None and not fault.deliver:
                    raise self._fault_error(fault)
                if handler is None:
                    raise ApiError(404, "Not Found")
                result = handler(params)
                if fault is not None:
                    raise self._fault_error(fault)
                status, body = 200, {"ok": True, "result": result}
            except ApiError as exc:
                status, body = exc.status, exc.body()
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # malformed parameters
                status, body = 400, ApiError(400, f"Bad Request: invalid parameters ({exc!r})").body()
            self.record(method, params, status, body.get("description"))
            return status, body

    def record(
        self, method: str, params: dict[str, Any], status: int, description: str | None = None
    ) -> None:
        """Append to the request log and wake waiters."""
        with self._cond:
            self._requests.append(
                RequestRecord(method, params, status, time.monotonic(), time.time(), description)
            )
            self._cond.notify_all()

    def _next_update_id(self) -> int:
        return next(self._update_ids)

    # ------------------------------------------------------------- chats
    def add_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> Chat:
        """Register (or update) a chat; ``username`` makes "@username" resolvable."""
        with self._cond:
            chat = self._chats.get(chat_id) or Chat(chat_id, chat_type)
            chat.type, chat.is_forum = chat_type, is_forum or chat.is_forum
            chat.title = title or chat.title
            chat.first_name, chat.last_name = first_name or chat.first_name, last_name or chat.last_name
            chat.language_code = language_code or chat.language_code
            if username:
                chat.username = username.lstrip("@")
                self._usernames[chat.username.lower()] = chat_id
            self._chats[chat_id] = chat
            return chat

    def add_channel(
        self, username: str | None = None, *, chat_id: int | None = None, title: str = "Releases"
    ) -> Chat:
        """Register a channel, e.g. ``add_channel("@releases", chat_id=-1001234567890)``."""
        return self.add_chat(chat_id or self._fresh_id(), "channel", title=title, username=username)

    def add_group(
        self,
        chat_id: int | None = None,
        *,
        title: str = "Group",
        supergroup: bool = True,
        username: str | None = None,
    ) -> Chat:
        """Register a (super)group."""
        return self.add_chat(
            chat_id or self._fresh_id(),
            "supergroup" if supergroup else "group",
            title=title,
            username=username,
        )

    def add_forum(
        self,
        chat_id: int | None = None,
        *,
        title: str = "Forum",
        topics: Iterable[str] = (),
        username: str | None = None,
    ) -> Chat:
        """Register a forum supergroup, optionally with named topics (see ``Chat.topics``)."""
        chat = self.add_chat(
            chat_id or self._fresh_id(), "supergroup", title=title, username=username, is_forum=True
        )
        for name in topics:
            self.add_topic(chat.id, name)
        return chat

    def add_topic(self, chat_id: int, name: str) -> int:
        """Create a forum topic as createForumTopic would; returns its message_thread_id."""
        with self._cond:
            return self.m_createforumtopic({"chat_id": chat_id, "name": name})["message_thread_id"]

    def add_private(
        self,
        user_id: int,
        first_name: str = "Ada",
        username: str | None = None,
        language_code: str | None = "en",
    ) -> Chat:
        """Register the private chat with a user (as if they had pressed Start)."""
        return self.add_chat(
            user_id, "private", first_name=first_name, username=username, language_code=language_code
        )

    def delete(self, chat_id: int | str, message_id: int) -> None:
        """A chat's admin deletes a message (edits of it then fail with "message to edit not found")."""
        with self._cond:
            self.m_deletemessage({"chat_id": chat_id, "message_id": message_id})

    def chat(self, chat_id: int | str) -> Chat:
        """Look up a registered chat by id or "@username"."""
        with self._cond:
            return self.resolve_chat(chat_id)

    def _fresh_id(self) -> int:
        return -1002000000000 - len(self._chats)

    # ------------------------------------------------------------- inspection
    def messages(
        self, chat_id: int | str, *, include_deleted: bool = False, include_user: bool = False
    ) -> list[SentMessage]:
        """Messages in a chat (current state after edits), oldest first; bot's only by default."""
        with self._cond:
            chat = self.resolve_chat(chat_id)
            return [
                m
                for m in self._messages.get(chat.id, {}).values()
                if (include_deleted or not m.deleted) and (include_user or m.from_bot)
            ]

    def all_messages(self) -> list[SentMessage]:
        """Every bot message in every chat, in send order."""
        with self._cond:
            found = [m for chat in self._messages.values() for m in chat.values() if m.from_bot]
            return sorted(found, key=lambda m: m.sent_at)

    @property
    def all_requests(self) -> list[RequestRecord]:
        """Snapshot of the request log."""
        with self._cond:
            return list(self._requests)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """The request log, optionally only one method (case-insensitive)."""
        with self._cond:
            return [r for r in self._requests if method is None or r.method.lower() == method.lower()]

    @property
    def count_429(self) -> int:
        """Every 429 the fake answered (flood limits and injected faults)."""
        with self._cond:
            return sum(1 for r in self._requests if r.status == 429)

    @property
    def commands(self) -> list[dict[str, str]]:
        """Commands set with setMyCommands for the default scope and no language."""
        with self._cond:
            return list(self.m_getmycommands({}))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates."""
        with self._cond:
            return list(self._updates)

    def stats(self) -> dict[str, Any]:
        """Counters for benchmarks (also served at GET /_fake/stats)."""
        with self._cond:
            per_chat = {
                str(cid): sum(1 for m in msgs.values() if m.from_bot) for cid, msgs in self._messages.items()
            }
            statuses: dict[str, int] = {}
            for r in self._requests:
                statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
            first, last = self.first_send, self.last_send
            return {
                "messages_per_chat": {k: v for k, v in per_chat.items() if v},
                "messages_total": sum(per_chat.values()),
                "requests_total": len(self._requests),
                "requests_per_status": statuses,
                "count_429": self.count_429,
                "count_429_rate_limited": self.count_429_rate_limited,
                "first_send_monotonic": first[0] if first else None,
                "first_send_time": first[1] if first else None,
                "last_send_monotonic": last[0] if last else None,
                "last_send_time": last[1] if last else None,
                "pending_updates": len(self._updates),
            }

    # ------------------------------------------------------------- waiting
    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked on every state change); return it.

        Raises TimeoutError. Do not call from the event loop the bot runs on: use
        :meth:`await_for` there.
        """
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
        if not result:
            raise TimeoutError(f"condition not met within {timeout} s")
        return result

    def wait_for_messages(
        self, chat_id: int | str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Block until the chat holds at least ``count`` bot messages; return them."""
        if count <= 0:
            return self.messages(chat_id)
        try:
            return self.wait_for(
                lambda: (msgs := self.messages(chat_id)) and len(msgs) >= count and msgs, timeout
            )
        except TimeoutError:
            got = len(self.messages(chat_id))
            raise TimeoutError(f"{got}/{count} messages in {chat_id} after {timeout} s") from None

    async def await_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """:meth:`wait_for` for async code (waits in a worker thread)."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def await_messages(
        self, chat_id: int | str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """:meth:`wait_for_messages` for async code."""
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)


def main(argv: list[str] | None = None) -> int:
    """Serve a fake until killed (benchmarks); prints ``URL <url>`` with --print-url."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--channel", action="append", default=[], help="@username[=chat_id], repeatable")
    parser.add_argument(
        "--private", action="append", type=int, default=[], help="user id with a private chat"
    )
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply rate-limit windows")
    parser.add_argument("--print-url", action="store_true")
    args = parser.parse_args(argv)
    limits = None if args.no_rate_limits else RateLimits(time_scale=args.time_scale)
    fake = FakeTelegram(args.token, host=args.host, port=args.port, channel=None, rate_limits=limits)
    for spec in args.channel or ["@releases"]:
        name, _, cid = spec.partition("=")
        fake.add_channel(name, chat_id=int(cid) if cid else (DEFAULT_CHANNEL_ID if not fake._chats else None))
    for user_id in args.private:
        fake.add_private(user_id)
    fake.start()
    if args.print_url:
        print(f"URL {fake.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
