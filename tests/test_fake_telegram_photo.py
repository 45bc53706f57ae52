"""sendPhoto in the fake Bot API, driven by the real python-telegram-bot: multipart uploads, real images
only, the 1,024-character caption limit after HTML parsing."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Iterator

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_photo import image_size
from tracker.render.chart_png import to_png

TOKEN = "123:ABC"


def tiny_png(width: int, height: int) -> bytes:
    """A valid PNG made with zlib (only for testing the fake's checks)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff" * (width * 3) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


def send(fake: FakeTelegram, photo: bytes, caption: str) -> object:
    async def go() -> object:
        async with Bot(TOKEN, base_url=f"{fake.url}/bot") as bot:
            return await bot.send_photo("@releases", photo=photo, caption=caption, parse_mode="HTML")
    return asyncio.run(go())


def test_a_png_with_an_html_caption_is_stored_with_its_size(fake: FakeTelegram) -> None:
    png = to_png('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>',
                 zoom=1)
    message = send(fake, png, "<b>3</b> releases &amp; more")
    (stored,) = fake.messages("@releases")
    assert stored.photo is not None and (stored.photo["width"], stored.photo["height"]) == (40, 20)
    assert stored.photo["format"] == "png" and fake.photos[stored.photo["file_id"]] == png
    assert stored.text == "3 releases & more" and stored.entities[0]["type"] == "bold"
    assert message.photo[0].width == 40 and message.caption == "3 releases & more"  # type: ignore[attr-defined]
    assert image_size(tiny_png(7, 3)) == ("png", 7, 3)


@pytest.mark.parametrize(("photo", "caption", "error"), [
    (b"GIF89a" + b"\x00" * 40, "x", "IMAGE_PROCESS_FAILED"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "x", "IMAGE_PROCESS_FAILED"),
    (tiny_png(400, 4), "x", "PHOTO_INVALID_DIMENSIONS"),
    (tiny_png(8, 8), "<b>" + "x" * 1025 + "</b>", "caption is too long"),
    (tiny_png(8, 8), "<b>open", "can't parse entities"),
])
def test_what_telegram_refuses_the_fake_refuses(fake: FakeTelegram, photo: bytes, caption: str, error: str) -> None:
    with pytest.raises(BadRequest, match="(?i)" + error.replace("'", ".")):
        send(fake, photo, caption)
    assert fake.messages("@releases") == []


def test_a_caption_of_1024_visible_characters_fits(fake: FakeTelegram) -> None:
    send(fake, tiny_png(8, 8), "<i>" + "x" * 1021 + "</i> &lt;&gt;")
    assert len(fake.messages("@releases")[0].text) == 1024
