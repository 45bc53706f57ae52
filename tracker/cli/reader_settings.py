"""The settings of the commands that only read the store (history, stats, export, feed, site), without
pydantic-settings, whose import was a third of `tracker history`'s start-up (issue 19).

They are read the way `tracker.config.Settings` reads them: environment variables in any letter case, over
the `.env` file of the current folder (python-dotenv, as pydantic-settings reads it). A value this light
reading does not take as it stands (an empty one, a number written unusually, a URL Settings refuses) hands
the whole reading to Settings, so that such values read, and their errors say, exactly what they do for every
other command. Settings that readers do not use are not read, nor checked. tests/test_reader_settings.py
keeps the two readings equal.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.config import Settings

READER_COMMANDS = frozenset({"history", "stats", "export", "feed", "site"})
DEFAULT_DATABASE_URL = "sqlite:///state/tracker.db"  # as tracker.config's (a test keeps them equal)
# The environment names of what readers use, as Settings' aliases spell them (the test checks).
FIELDS = {
    "database_url": "TRACKER_DATABASE_URL",
    "hf_endpoint": "HF_ENDPOINT",
    "hub_web_url_setting": "TRACKER_HUB_WEB_URL",
    "watchlist": "TRACKER_WATCHLIST",
    "site_url": "TRACKER_SITE_URL",
    "bot_username": "TRACKER_BOT_USERNAME",
    "wave_window_minutes": "TRACKER_WAVE_WINDOW",
}
# Secret settings: readers use none, but their values are masked in whatever a reader logs.
SECRETS = ("HF_TOKEN", "TELEGRAM_BOT_TOKEN", "TRACKER_HUB_WEBHOOK_SECRET", "TRACKER_APPRISE_URLS")
_PLAIN_NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?")


class ReaderSettingsError(Exception):
    """A setting a reader needs has a value it cannot use (Settings' own message)."""


class _ForSettings(Exception):
    """A value only Settings can judge."""


@dataclass(frozen=True)
class ReaderSettings:
    """What the reading commands use of the settings; the names and meanings are Settings'."""

    database_url: str = DEFAULT_DATABASE_URL
    hf_endpoint: str = "https://huggingface.co"
    hub_web_url_setting: str | None = None
    watchlist: Path | None = None
    site_url: str | None = None
    bot_username: str | None = None
    wave_window_minutes: float = 30
    secrets: tuple[str, ...] = ()

    @property
    def hub_web_url(self) -> str:
        """Where links point: TRACKER_HUB_WEB_URL, else HF_ENDPOINT (as Settings.hub_web_url)."""
        return self.hub_web_url_setting or self.hf_endpoint


def load_reader_settings() -> ReaderSettings | Settings:
    """The readers' settings; the full Settings when a value needs its judgement (ReaderSettingsError
    when Settings refuses it)."""
    try:
        return read(_environment())
    except _ForSettings:
        from tracker.config import ConfigError, load_settings

        try:
            return load_settings()
        except ConfigError as exc:
            raise ReaderSettingsError(str(exc)) from None


def read(environment: dict[str, str | None]) -> ReaderSettings:
    """ReaderSettings from lower-cased names and their values; _ForSettings for a value it does not judge."""
    values: dict[str, object] = {}
    for field, name in FIELDS.items():
        if name.lower() not in environment:
            continue
        value = environment[name.lower()]
        if not value or value != value.strip():
            raise _ForSettings(name)
        if field in ("hf_endpoint", "hub_web_url_setting", "site_url"):
            if not value.startswith(("http://", "https://")):
                raise _ForSettings(name)
            values[field] = value.rstrip("/")
        elif field == "watchlist":
            values[field] = Path(value)
        elif field == "wave_window_minutes":
            if not _PLAIN_NUMBER.fullmatch(value):
                raise _ForSettings(name)
            values[field] = float(value)
        else:
            values[field] = value
    secrets = tuple(v for name in SECRETS if (v := environment.get(name.lower())) and v.strip())
    return ReaderSettings(**values, secrets=secrets)  # type: ignore[arg-type]


def _environment() -> dict[str, str | None]:
    """The environment over the current folder's `.env`, names lower-cased (pydantic-settings' defaults)."""
    found: dict[str, str | None] = {}
    dotenv = Path(".env")
    if dotenv.is_file():
        from dotenv import dotenv_values  # only when there is a file to read (10 ms)

        try:
            found.update((k.lower(), v) for k, v in dotenv_values(dotenv).items())
        except (OSError, UnicodeDecodeError, ValueError):
            raise _ForSettings(".env") from None
    found.update((k.lower(), v) for k, v in os.environ.items())
    return found
