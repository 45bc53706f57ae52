"""Data model of the fake Bot API: chats, stored messages, request log, parameter helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiError",
    "Chat",
    "RequestRecord",
    "SentMessage",
    "as_bool",
    "as_int",
    "as_json",
    "validate_reply_markup",
]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """``400 Bad Request: <description>``."""
    return ApiError(400, f"Bad Request: {description}", parameters)


@dataclass
class Chat:
    """A chat the fake knows (``type``: private, group, supergroup or channel)."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_forum: bool = False
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_message_id: int = 0

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict[str, Any]:
        """The Bot API ``ChatFullInfo`` object (what getChat returns)."""
        return {
            **self.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def next_message_id(self) -> int:
        """Allocate the next message id of this chat (ids increase per chat)."""
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class SentMessage:
    """A message stored by the fake (current state; ``history`` holds earlier versions)."""

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    message_thread_id: int | None
    date: int
    sent_at: float
    link_preview_options: dict[str, Any] | None = None
    disable_web_page_preview: bool | None = None
    disable_notification: bool | None = None
    from_bot: bool = True
    from_user: dict[str, Any] | None = None
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    photo: dict[str, Any] | None = None  # a sendPhoto: file_id, width, height, file_size, format
    reply_to_message_id: int | None = None  # sent with reply_parameters to a message of the same chat

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, flattened row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def snapshot(self) -> dict[str, Any]:
        """The editable content, as kept in ``history``."""
        return {
            "text": self.text,
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "edit_date": self.edit_date,
        }

    def to_api(self, chat: Chat, bot_user: dict[str, Any]) -> dict[str, Any]:
        """The Bot API ``Message`` object."""
        data: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat.to_api()}
        if not self.from_bot:
            data["from"] = self.from_user
        elif chat.type == "channel":
            data["sender_chat"] = chat.to_api()
        else:
            data["from"] = bot_user
        if self.message_thread_id is not None:
            data["message_thread_id"] = self.message_thread_id
            data["is_topic_message"] = True
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.photo is not None:
            size = {k: v for k, v in self.photo.items() if k != "format"}
            data["photo"] = [size]
            if self.text:
                data["caption"] = self.text
            if self.entities:
                data["caption_entities"] = self.entities
        else:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.reply_to_message_id is not None:  # the API sends the whole message; its id, date and chat suffice
            data["reply_to_message"] = {"message_id": self.reply_to_message_id, "date": self.date,
                                        "chat": chat.to_api()}
        if self.link_preview_options:
            data["link_preview_options"] = self.link_preview_options
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass(frozen=True)
class RequestRecord:
    """One API request as the fake saw it."""

    method: str
    params: dict[str, Any]
    status: int
    time: float
    wall_time: float
    description: str | None = None


def as_int(value: Any, name: str) -> int:
    """Parse an integer parameter (form values arrive as strings)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def as_bool(value: Any) -> bool:
    """Parse a Boolean parameter (``true``/``false`` in forms)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def as_json(value: Any, name: str) -> Any:
    """Decode a nested JSON parameter (a JSON string in forms, an object in JSON bodies)."""
    if value is None or not isinstance(value, str | bytes):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {name} JSON object") from None


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Check an ``InlineKeyboardMarkup`` the way Telegram does; return it normalised."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards etc. are stored as given
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = str(button["url"])
                if not url.startswith(("http://", "https://", "tg://", "ton://")) or len(url) < 8:
                    raise bad_request("BUTTON_URL_INVALID")
    return {"inline_keyboard": rows}
