"""Fault injection and simulated users of the fake Bot API (mixed into :class:`FakeTelegram`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .telegram_html import utf16_len
from .telegram_limits import RateLimits, SlidingWindowLimiter
from .telegram_models import ApiError, Chat, SentMessage
from .telegram_photo import PhotoMethods

if TYPE_CHECKING:
    from .telegram_http import FakeHttpServer

__all__ = ["DownMode", "SimulationMixin"]

DownMode = Literal["502", "refuse", "close"]


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    times: int
    chat_id: str | None
    deliver: bool


class SimulationMixin(PhotoMethods):
    """``fail_next``, ``block_user``, ``set_down``, ``user_sends``, ``user_clicks`` and friends."""

    token: str
    down: DownMode | None
    _faults: list[_Fault]
    _query_ids: Any
    _down_timer: threading.Timer | None
    _server: FakeHttpServer | None

    if TYPE_CHECKING:  # provided by FakeTelegram

        def add_chat(self, chat_id: int, chat_type: str, **kwargs: Any) -> Chat: ...

        def add_private(
            self,
            user_id: int,
            first_name: str = ...,
            username: str | None = ...,
            language_code: str | None = ...,
        ) -> Chat: ...

    # ------------------------------------------------------------- faults
    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        deliver: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with an error.

        ``chat_id`` restricts it to requests naming that chat; ``deliver=True`` performs the
        call first (the message is stored) and then answers the error, like a lost response.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        default = {
            400: "Bad Request",
            403: "Forbidden",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            504: "Gateway Timeout",
        }
        with self._cond:
            self._faults.append(
                _Fault(
                    method.lower(),
                    status,
                    description or default.get(status, "Error"),
                    retry_after,
                    times,
                    None if chat_id is None else str(chat_id),
                    deliver,
                )
            )

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        for fault in self._faults:
            if fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and fault.chat_id != str(params.get("chat_id")):
                try:  # allow matching "@name" against the numeric id and vice versa
                    if self.resolve_chat(fault.chat_id).id != self.resolve_chat(params.get("chat_id")).id:
                        continue
                except ApiError:
                    continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _fault_error(fault: _Fault) -> ApiError:
        return ApiError(
            fault.status, fault.description, {"retry_after": fault.retry_after} if fault.retry_after else None
        )

    def block_user(self, user_id: int, blocked: bool = True) -> None:
        """Make sends to this user's private chat answer 403 "bot was blocked by the user"."""
        with self._cond:
            (self._blocked.add if blocked else self._blocked.discard)(user_id)

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Upgrade a group: calls naming ``old_id`` answer 400 with ``migrate_to_chat_id``."""
        with self._cond:
            old = self._chats.get(old_id)
            self.add_chat(new_id, "supergroup", title=old.title if old else "Group")
            self._migrated[old_id] = new_id

    def set_down(self, down: bool = True, mode: DownMode = "502", duration: float | None = None) -> None:
        """Simulate an outage: "502" (nginx HTML page), "refuse" (port closed) or "close"
        (connection dropped without an answer). ``duration`` auto-recovers after N seconds."""
        if self._down_timer:
            self._down_timer.cancel()
            self._down_timer = None
        self.down = mode if down else None
        if self._server is not None:
            self._server.set_listening(self.down != "refuse")
        if down and duration is not None:
            self._down_timer = threading.Timer(duration, self.set_down, args=(False,))
            self._down_timer.daemon = True
            self._down_timer.start()

    def set_rate_limits(self, limits: RateLimits | None) -> None:
        """Replace (or with None disable) the flood limits; history starts empty."""
        with self._cond:
            self._limiter = SlidingWindowLimiter(limits) if limits else None

    # ------------------------------------------------------------- simulated users
    def _user(self, user_id: int, first_name: str, username: str | None, language_code: str | None) -> dict:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def user_sends(
        self,
        user_id: int,
        text: str,
        first_name: str = "Ada",
        username: str | None = None,
        language_code: str | None = "en",
        chat_id: int | str | None = None,
    ) -> dict[str, Any]:
        """Enqueue an Update with a text message from the user (in their private chat, or in
        ``chat_id`` if given); a leading "/command[@bot]" gets its ``bot_command`` entity."""
        with self._cond:
            if chat_id is None:
                chat = self.add_private(user_id, first_name, username, language_code)
            else:
                chat = self.resolve_chat(chat_id)
            user = self._user(user_id, first_name, username, language_code)
            entities = []
            if text.startswith("/") and len(text) > 1 and not text[1].isspace():
                command = text.split(maxsplit=1)[0]
                entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            message = SentMessage(
                chat_id=chat.id,
                message_id=chat.next_message_id(),
                text=text,
                raw_text=text,
                parse_mode=None,
                entities=entities,
                reply_markup=None,
                message_thread_id=None,
                date=int(time.time()),
                sent_at=time.monotonic(),
                from_bot=False,
                from_user=user,
            )
            self._messages.setdefault(chat.id, {})[message.message_id] = message
            return self._enqueue({"message": message.to_api(chat, self.bot_user)})

    def user_clicks(
        self,
        user_id: int,
        message: SentMessage | int,
        data: str,
        first_name: str = "Ada",
        username: str | None = None,
        chat_id: int | None = None,
    ) -> str:
        """Enqueue an Update with a callback_query pressing a button of a bot message; returns
        the query id. ``message`` is a SentMessage or a message id in ``chat_id`` (default: the
        user's private chat)."""
        with self._cond:
            if isinstance(message, int):
                message = self._messages[chat_id or user_id][message]
            chat = self._chats[message.chat_id]
            query_id = f"{user_id}{next(self._query_ids):08d}"
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, username, "en"),
                "message": message.to_api(chat, self.bot_user),
                "chat_instance": str(abs(hash((chat.id, self.token))) % 10**18),
                "data": data,
            }
            self._callback_queries[query_id] = query
            self._enqueue({"callback_query": query})
            return query_id
