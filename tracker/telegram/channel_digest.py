"""The channel's digest: the period's releases as a PNG chart by lab and size, with a caption naming them.

Posted on a schedule with TRACKER_CHANNEL_DIGEST=daily|weekly (queued like a subscriber's digest, see
tracker.deliver.digests) or at once with `tracker digest --post`. Bot API: https://core.telegram.org/bots/api#sendphoto
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Bot
from telegram.constants import MessageLimit, ParseMode

from tracker.config import Settings
from tracker.deliver import digests as digest
from tracker.render.chart_png import releases_png
from tracker.render.templates import render
from tracker.render.views import card
from tracker.store.releases import Store
from tracker.store.tables import Digest, TrackedModel

MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024
TITLES = {
    "en": {"daily": "Today's releases by lab and size", "weekly": "This week's releases by lab and size"},
    "it": {"daily": "I rilasci di oggi per lab e dimensione",
           "weekly": "I rilasci della settimana per lab e dimensione"},
}


def chart_title(mode: str, lang: str) -> str:
    """The chart's title in the channel's language."""
    return TITLES.get(lang, TITLES["en"])[mode]


def caption(models: list[TrackedModel], mode: str, since: datetime, until: datetime, lang: str, hub_url: str,
            limit: int = MAX_CAPTION) -> str:
    """The photo's caption (Telegram HTML), cut with "… and N more" to `limit` visible characters."""
    return digest.digest_text(digest.DigestView(mode, since, until, models), lang, hub_url, limit,
                              template="channel_digest.html")


def console_text(models: list[TrackedModel], mode: str, since: datetime, until: datetime, hub_url: str) -> str:
    """The digest as `tracker digest` prints it."""
    groups = digest.by_lab(models)
    return render("console_digest.txt", mode=mode, since=since, until=until, total=len(models),
                  groups=[(lab, [card(m, hub_url) for m in ms]) for lab, ms in groups.items()])


def chat_id(settings: Settings) -> str | int:
    channel = settings.telegram_channel or ""
    return int(channel) if channel.lstrip("-").isdigit() else channel


async def post_channel_digest(bot: Bot, store: Store, settings: Settings, row: Digest) -> bool:
    """Post one queued channel digest as a photo; False when the period had no releases."""
    models = await asyncio.to_thread(digest.releases, store, row.since, row.until)
    if not models:
        return False
    mode = row.period.split(":", 1)[0]
    mode = mode if mode in TITLES["en"] else "weekly"
    lang = settings.telegram_channel_lang
    png = await asyncio.to_thread(releases_png, models, chart_title(mode, lang), lang)
    text = caption(models, mode, row.since, row.until, lang, settings.hub_web_url)
    await bot.send_photo(chat_id(settings), photo=png, caption=text, parse_mode=ParseMode.HTML)
    return True
