"""Bot API method implementations of the fake (mixed into :class:`FakeTelegram`).

Every ``m_<lowercased method>`` takes the request parameters and returns the ``result`` or
raises :class:`ApiError`. They run with ``self._cond`` (an RLock-backed Condition) held.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from .telegram_html import HtmlParseError, ParsedText, parse_html, trim_text, utf16_len
from .telegram_limits import SlidingWindowLimiter
from .telegram_models import (
    ApiError,
    Chat,
    SentMessage,
    as_bool,
    as_int,
    as_json,
    bad_request,
    validate_reply_markup,
)

MAX_TEXT_LENGTH = 4096
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class BotApiMethods:
    """The Bot API surface. State lives in :class:`FakeTelegram`."""

    _cond: threading.Condition
    _chats: dict[int, Chat]
    _usernames: dict[str, int]
    _messages: dict[int, dict[int, SentMessage]]
    _blocked: set[int]
    _migrated: dict[int, int]
    _limiter: SlidingWindowLimiter | None
    _updates: list[dict[str, Any]]
    _allowed_updates: list[str] | None
    _poll_generation: int
    _closing: bool
    _commands: dict[str, list[dict[str, str]]]
    _callback_queries: dict[str, dict[str, Any]]
    callback_answers: list[dict[str, Any]]
    webhook: dict[str, Any] | None
    bot_user: dict[str, Any]
    length_unit: str
    strict_ampersand: bool
    count_429_rate_limited: int
    first_send: tuple[float, float] | None
    last_send: tuple[float, float] | None

    # ----------------------------------------------------------------- helpers
    def resolve_chat(self, chat_id: Any) -> Chat:
        """The chat a ``chat_id`` parameter names (int, numeric string or "@username")."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        key = str(chat_id).strip()
        if key.startswith("@"):
            found = self._usernames.get(key[1:].lower())
        else:
            try:
                found = int(key)
            except ValueError:
                found = None
        if found in self._migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self._migrated[found]}
            )
        if found is None or found not in self._chats:
            raise bad_request("chat not found")
        return self._chats[found]

    def _check_thread(self, chat: Chat, params: dict[str, Any]) -> int | None:
        if params.get("message_thread_id") in (None, ""):
            return None
        thread_id = as_int(params["message_thread_id"], "message_thread_id")
        if not chat.is_forum or thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return thread_id

    def _check_blocked(self, chat: Chat) -> None:
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _parse_text(self, params: dict[str, Any]) -> ParsedText:
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise bad_request("message text is empty")
        raw = str(raw)
        entities = as_json(params.get("entities"), "entities")
        parse_mode = str(params.get("parse_mode") or "")
        if entities:
            parsed = ParsedText(raw, list(entities))
        elif parse_mode.lower() == "html":
            try:
                parsed = parse_html(raw, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif parse_mode.lower() in ("", "markdown", "markdownv2"):
            parsed = ParsedText(raw, [])  # Markdown is stored unparsed (not modelled)
        else:
            raise bad_request("unsupported parse_mode")
        parsed = trim_text(parsed.text, parsed.entities)
        if not parsed.text:
            raise bad_request("message text is empty")
        size = utf16_len(parsed.text) if self.length_unit == "utf16" else len(parsed.text)
        if size > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return parsed

    @staticmethod
    def _preview(params: dict[str, Any]) -> tuple[dict[str, Any] | None, bool | None]:
        options = as_json(params.get("link_preview_options"), "link_preview_options")
        disable = params.get("disable_web_page_preview")
        disabled = None if disable in (None, "") else as_bool(disable)
        if options is None and disabled:
            options = {"is_disabled": True}
        return options, disabled

    def _rate_limit(self, method: str, chat: Chat) -> None:
        limiter = self._limiter
        if limiter is None or method not in limiter.limits.counted_methods:
            return
        retry = limiter.try_acquire(str(chat.id), "private" if chat.type == "private" else "group")
        if retry is not None:
            self.count_429_rate_limited += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _stored(self, chat: Chat, params: dict[str, Any], what: str) -> SentMessage:
        message_id = as_int(params.get("message_id"), "message_id")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted:
            raise bad_request(f"message to {what} not found")
        return message

    def _reply_to(self, chat: Chat, params: dict[str, Any]) -> int | None:
        """The message a sendMessage replies to (`reply_parameters`): one missing or deleted is refused, or
        sent without a reply when `allow_sending_without_reply` is true, as the Bot API does."""
        reply = as_json(params.get("reply_parameters"), "reply_parameters")
        if not reply:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        message_id = as_int(reply["message_id"], "message_id")
        target = self._messages.get(chat.id, {}).get(message_id)
        if target is None or target.deleted:
            if as_bool(reply.get("allow_sending_without_reply", False)):
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id(), **update}
        self._updates.append(update)
        self._cond.notify_all()
        return update

    def _next_update_id(self) -> int:
        raise NotImplementedError

    # ----------------------------------------------------------------- methods
    def m_getme(self, params: dict[str, Any]) -> Any:
        return dict(
            self.bot_user,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )

    def m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat = self.resolve_chat(params.get("chat_id"))
        thread_id = self._check_thread(chat, params)
        parsed = self._parse_text(params)
        markup = validate_reply_markup(as_json(params.get("reply_markup"), "reply_markup"))
        options, disabled = self._preview(params)
        reply_to = self._reply_to(chat, params)
        self._rate_limit("sendmessage", chat)
        self._check_blocked(chat)
        now = time.monotonic()
        message = SentMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id(),
            text=parsed.text,
            raw_text=str(params["text"]),
            parse_mode=params.get("parse_mode") or None,
            entities=parsed.entities,
            reply_markup=markup,
            message_thread_id=thread_id,
            date=int(time.time()),
            sent_at=now,
            link_preview_options=options,
            disable_web_page_preview=disabled,
            disable_notification=as_bool(params["disable_notification"])
            if "disable_notification" in params
            else None,
            reply_to_message_id=reply_to,
        )
        self._messages.setdefault(chat.id, {})[message.message_id] = message
        self.first_send = self.first_send or (now, time.time())
        self.last_send = (now, time.time())
        return message.to_api(chat, self.bot_user)

    def m_editmessagetext(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.resolve_chat(params.get("chat_id"))
        message = self._stored(chat, params, "edit")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        parsed = self._parse_text(params)
        markup = validate_reply_markup(as_json(params.get("reply_markup"), "reply_markup"))
        if (parsed.text, parsed.entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._rate_limit("editmessagetext", chat)
        self._check_blocked(chat)
        options, _disabled = self._preview(params)
        message.history.append(message.snapshot())
        message.text, message.raw_text, message.entities = parsed.text, str(params["text"]), parsed.entities
        message.parse_mode, message.reply_markup = params.get("parse_mode") or None, markup
        message.link_preview_options = options or message.link_preview_options
        message.edit_date = int(time.time())
        return message.to_api(chat, self.bot_user)

    def m_deletemessage(self, params: dict[str, Any]) -> Any:
        chat = self.resolve_chat(params.get("chat_id"))
        self._stored(chat, params, "delete").deleted = True
        return True

    def m_sendchataction(self, params: dict[str, Any]) -> Any:
        chat = self.resolve_chat(params.get("chat_id"))
        self._check_thread(chat, params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_blocked(chat)
        return True

    def m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.pop(query_id, None) is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": params.get("text"),
                "show_alert": as_bool(params.get("show_alert", False)),
                "url": params.get("url"),
            }
        )
        return True

    def m_createforumtopic(self, params: dict[str, Any]) -> Any:
        chat = self.resolve_chat(params.get("chat_id"))
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        # The topic id is the id of the "topic created" service message.
        topic = {
            "message_thread_id": chat.next_message_id(),
            "name": name,
            "icon_color": as_int(params.get("icon_color", 7322096), "icon_color"),
        }
        if params.get("icon_custom_emoji_id"):
            topic["icon_custom_emoji_id"] = str(params["icon_custom_emoji_id"])
        chat.topics[topic["message_thread_id"]] = topic
        return topic

    def m_getchat(self, params: dict[str, Any]) -> Any:
        return self.resolve_chat(params.get("chat_id")).full_info()

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = as_json(params.get("scope"), "scope") or {"type": "default"}
        return json.dumps([scope, str(params.get("language_code") or "")], sort_keys=True)

    def m_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = as_json(params.get("commands"), "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not 1 <= len(name) <= 32 or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def m_getmycommands(self, params: dict[str, Any]) -> Any:
        return self._commands.get(self._commands_key(params), [])

    def m_deletemycommands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def m_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params, url=url) if url else None
        if as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    def m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    def m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def m_close(self, params: dict[str, Any]) -> Any:
        return True

    m_logout = m_close

    def m_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = as_int(params.get("offset") or 0, "offset")
        limit = min(max(as_int(params.get("limit") or 100, "limit"), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = as_json(params.get("allowed_updates"), "allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed) or None
        self._poll_generation += 1  # a newer getUpdates terminates a waiting one (409)
        generation = self._poll_generation
        self._cond.notify_all()
        if offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif offset:
            self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            self._updates[:] = [u for u in self._updates if self._is_allowed(u)]
            if self._updates or self._closing:
                return self._updates[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLL)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates
