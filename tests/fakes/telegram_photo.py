"""sendPhoto in the fake Bot API: a multipart upload, checked as Telegram does, stored for tests.

The photo must be a real PNG or JPEG (magic bytes and dimensions read from its header, at most 10 MB,
width + height at most 10,000, aspect ratio at most 20); the caption is parsed like a message text and
may have at most 1,024 characters after parsing. Bot API: https://core.telegram.org/bots/api#sendphoto
"""

from __future__ import annotations

import hashlib
import struct
import time
from typing import Any

from .telegram_html import HtmlParseError, parse_html, trim_text, utf16_len
from .telegram_methods import BotApiMethods
from .telegram_models import SentMessage, as_json, bad_request, validate_reply_markup

MAX_CAPTION_LENGTH = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def image_size(data: bytes) -> tuple[str, int, int]:
    """('png' | 'jpeg', width, height) from an image's header; ValueError when it is neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                raise ValueError("corrupt JPEG")
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "jpeg", width, height
            i += 2 + length
        raise ValueError("JPEG without a frame header")
    raise ValueError("not a PNG or JPEG")


class PhotoMethods(BotApiMethods):
    """m_sendphoto, mixed into FakeTelegram; uploaded photos are kept in `photos` by file_id."""

    photos: dict[str, bytes]

    def m_sendphoto(self, params: dict[str, Any]) -> Any:
        chat = self.resolve_chat(params.get("chat_id"))
        thread_id = self._check_thread(chat, params)
        upload = params.get("photo")
        if isinstance(upload, dict):
            data = upload["content"]
        elif isinstance(upload, str) and upload in self.photos:
            data = self.photos[upload]  # a file_id sent before
        else:
            raise bad_request("wrong file identifier/HTTP URL specified" if upload
                              else "there is no photo in the request")
        if not data or len(data) > MAX_PHOTO_BYTES:
            raise bad_request("IMAGE_PROCESS_FAILED")
        try:
            kind, width, height = image_size(data)
        except (ValueError, struct.error):
            raise bad_request("IMAGE_PROCESS_FAILED") from None
        if width < 1 or height < 1 or width + height > 10_000 or max(width, height) / min(width, height) > 20:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        raw = str(params.get("caption") or "")
        parsed_text, entities = "", []
        if raw:
            if str(params.get("parse_mode") or "").lower() == "html":
                try:
                    parsed = parse_html(raw, strict_ampersand=self.strict_ampersand)
                except HtmlParseError as exc:
                    raise bad_request(f"can't parse entities: {exc}") from None
                parsed = trim_text(parsed.text, parsed.entities)
                parsed_text, entities = parsed.text, parsed.entities
            else:
                parsed_text = raw
        if utf16_len(parsed_text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = validate_reply_markup(as_json(params.get("reply_markup"), "reply_markup"))
        self._rate_limit("sendphoto", chat)
        self._check_blocked(chat)
        file_id = "photo-" + hashlib.sha1(data).hexdigest()[:16]
        self.photos[file_id] = data
        now = time.monotonic()
        message = SentMessage(
            chat_id=chat.id, message_id=chat.next_message_id(), text=parsed_text, raw_text=raw,
            parse_mode=params.get("parse_mode") or None, entities=entities, reply_markup=markup,
            message_thread_id=thread_id, date=int(time.time()), sent_at=now,
            photo={"file_id": file_id, "file_unique_id": file_id[-12:], "width": width, "height": height,
                   "file_size": len(data), "format": kind},
        )
        self._messages.setdefault(chat.id, {})[message.message_id] = message
        self.first_send = self.first_send or (now, time.time())
        self.last_send = (now, time.time())
        return message.to_api(chat, self.bot_user)
