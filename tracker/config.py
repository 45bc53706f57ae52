"""Settings: one typed object built from the environment (and a `.env` file) at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///state/tracker.db"


class ConfigError(Exception):
    """A setting has a value we cannot use; the message says which and why."""


class Settings(BaseSettings):
    """Everything the tracker can be told, each field read from the environment variable in its alias."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=False)

    hf_endpoint: str = Field("https://huggingface.co", validation_alias="HF_ENDPOINT")
    hf_token: SecretStr | None = Field(None, validation_alias="HF_TOKEN")
    hub_web_url_setting: str | None = Field(None, validation_alias="TRACKER_HUB_WEB_URL")
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="TRACKER_DATABASE_URL")
    poll_interval: float = Field(300, validation_alias="TRACKER_POLL_INTERVAL")
    watchlist: Path | None = Field(None, validation_alias="TRACKER_WATCHLIST")
    state_dir: Path = Field(Path("state"), validation_alias="TRACKER_STATE_DIR")
    hub_timeout: float = Field(30, validation_alias="TRACKER_HUB_TIMEOUT")
    hub_workers: int = Field(6, validation_alias="TRACKER_HUB_WORKERS")
    enrich_per_org: int = Field(10, ge=0, le=1000, validation_alias="TRACKER_ENRICH_PER_ORG")
    site_dir: Path | None = Field(None, validation_alias="TRACKER_SITE_DIR")
    site_url: str | None = Field(None, validation_alias="TRACKER_SITE_URL")
    hub_webhook_secret: SecretStr | None = Field(None, validation_alias="TRACKER_HUB_WEBHOOK_SECRET")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_channel: str | None = Field(None, validation_alias="TELEGRAM_CHANNEL")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    telegram_channel_lang: str = Field("en", validation_alias="TELEGRAM_CHANNEL_LANG")
    telegram_topics: bool = Field(False, validation_alias="TELEGRAM_TOPICS")
    wave_window_minutes: float = Field(30, validation_alias="TRACKER_WAVE_WINDOW")
    # Apprise targets cannot edit a message: a wave goes out once no new variant came for this many minutes.
    wave_quiet_minutes: float = Field(2, ge=0, le=1440, validation_alias="TRACKER_WAVE_QUIET")
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias="TRACKER_ADMINS")

    # Apprise targets (tracker.deliver.apprise_sink): URLs separated by commas or spaces, or files of them in
    # Apprise's config format. A secret: its URLs often carry tokens; `tracker config` shows them masked.
    apprise_urls: SecretStr | None = Field(None, validation_alias="TRACKER_APPRISE_URLS")
    # The language of Apprise messages (en or it); unset, the channel's (TELEGRAM_CHANNEL_LANG).
    apprise_lang: str | None = Field(None, validation_alias="TRACKER_APPRISE_LANG")

    # Replicas (tracker.run.leader): seconds a leader's lease lasts without renewal (PostgreSQL).
    leader_lease: float = Field(15, ge=5, le=300, validation_alias="TRACKER_LEADER_LEASE")
    # One-tap follow links on the site's lab pages (t.me/<bot>?start=sub_<lab>); without it, the username
    # the running bot remembered in the store (from getMe) is used.
    bot_username: str | None = Field(None, validation_alias="TRACKER_BOT_USERNAME")
    # The HTTP server of `tracker run` (/healthz, /metrics, /hub-webhook); the webhook's old names still work.
    http_host: str = Field("127.0.0.1", validation_alias=AliasChoices("TRACKER_HTTP_HOST", "TRACKER_HUB_WEBHOOK_HOST"))
    http_port: int = Field(8787, ge=0, le=65535,
                           validation_alias=AliasChoices("TRACKER_HTTP_PORT", "TRACKER_HUB_WEBHOOK_PORT"))
    # Weight updates (a commit that changes the weight files): recorded always, alerted to the channel only
    # when this is on; subscribers opt in with /settings weights on.
    alert_weight_updates: bool = Field(False, validation_alias="TRACKER_ALERT_WEIGHT_UPDATES")
    # Digests (subscribers who chose /settings digest daily|weekly; the channel's weekly photo) and discovery.
    digest_time: str = Field("08:00", validation_alias="TRACKER_DIGEST_TIME")
    channel_digest: str = Field("off", validation_alias="TRACKER_CHANNEL_DIGEST")
    discovery: bool = Field(False, validation_alias="TRACKER_DISCOVERY")
    discovery_min_likes: int = Field(50, ge=0, le=10**9, validation_alias="TRACKER_DISCOVERY_MIN_LIKES")
    discovery_channel: bool = Field(False, validation_alias="TRACKER_DISCOVERY_CHANNEL")
    # ModelScope as a second source (tracker.poll.modelscope): on by default for the labs whose watchlist entry
    # names ModelScope organisations; MODELSCOPE_ENDPOINT points it elsewhere, as HF_ENDPOINT does for the Hub.
    modelscope: bool = Field(True, validation_alias="TRACKER_MODELSCOPE")
    modelscope_endpoint: str = Field("https://modelscope.cn", validation_alias="MODELSCOPE_ENDPOINT")
    modelscope_timeout: float = Field(20, gt=0, le=600, validation_alias="TRACKER_MODELSCOPE_TIMEOUT")
    modelscope_web_url_setting: str | None = Field(None, validation_alias="TRACKER_MODELSCOPE_WEB_URL")
    # Follow-ups (tracker.poll.followup): when to look at a release again, in seconds after it was seen.
    followup_after: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [86_400, 604_800],
                                                           validation_alias="TRACKER_FOLLOWUP_AFTER")

    @field_validator("digest_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        hour, sep, minute = value.strip().partition(":")
        if not (sep and hour.isascii() and hour.isdigit() and minute.isascii() and minute.isdigit()
                and len(minute) == 2 and len(hour) <= 2 and int(hour) < 24 and int(minute) < 60):
            raise ValueError("must be a UTC time as HH:MM, e.g. 08:00")
        return f"{int(hour):02d}:{minute}"

    @field_validator("channel_digest")
    @classmethod
    def _digest_mode(cls, value: str) -> str:
        value = value.strip().lower() or "off"
        if value not in ("off", "daily", "weekly"):
            raise ValueError("must be off, daily or weekly")
        return value

    @field_validator("followup_after", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        return parse_durations(value) if isinstance(value, str) else value

    @field_validator("poll_interval")
    @classmethod
    def _interval_positive(cls, value: float) -> float:
        if value < 1:
            raise ValueError("must be at least 1 second")
        return value

    @field_validator("hub_workers")
    @classmethod
    def _workers_range(cls, value: int) -> int:
        if not 1 <= value <= 32:
            raise ValueError("must be between 1 and 32")
        return value

    @field_validator("hub_web_url_setting", "site_url", "modelscope_web_url_setting")
    @classmethod
    def _optional_http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        return cls._http_url(value)

    @field_validator("hf_endpoint", "telegram_api_url", "modelscope_endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_channel_lang", "apprise_lang")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in ("en", "it"):
            raise ValueError("must be 'en' or 'it'")
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _parse_admins(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return [int(p) for p in parts]
            except ValueError:
                raise ValueError("must be Telegram user ids separated by commas") from None
        return value

    @field_validator("hf_token", "telegram_bot_token", "hub_webhook_secret", "apprise_urls", "apprise_lang",
                     mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def apprise_language(self) -> str:
        """The language of Apprise messages: TRACKER_APPRISE_LANG, else the channel's (TELEGRAM_CHANNEL_LANG)."""
        return self.apprise_lang or self.telegram_channel_lang

    @property
    def hub_web_url(self) -> str:
        """Where links in messages, feeds and pages point: TRACKER_HUB_WEB_URL, else HF_ENDPOINT."""
        return self.hub_web_url_setting or self.hf_endpoint

    @property
    def modelscope_web_url(self) -> str:
        """Where links to ModelScope point: TRACKER_MODELSCOPE_WEB_URL, else MODELSCOPE_ENDPOINT."""
        return self.modelscope_web_url_setting or self.modelscope_endpoint

    @property
    def telegram_enabled(self) -> bool:
        """True when the bot has a token: alerts then go to Telegram instead of the terminal."""
        return self.telegram_bot_token is not None

    def telegram_problem(self) -> str | None:
        """One line on Telegram settings that cannot work (shown at the start of run and poll), or None."""
        if self.telegram_bot_token is None:
            if self.telegram_channel:
                return (f"TELEGRAM_CHANNEL is set ({self.telegram_channel}) but TELEGRAM_BOT_TOKEN is not: alerts "
                        "are printed here, not posted to the channel")
            return None
        if not re.fullmatch(r"\d+:\S+", self.telegram_bot_token.get_secret_value()):
            return ("TELEGRAM_BOT_TOKEN does not look like a bot token (the form is 123456789:AA..., from "
                    "@BotFather): the bot stays off and alerts stay queued in the store")
        return None

    def redacted(self) -> dict[str, str]:
        """The effective settings by environment name, secrets shown only as set or not set."""
        shown: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                alias = alias.choices[0]
            env_name = alias if isinstance(alias, str) else name.upper()
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = "***** (set)"
            elif value is None:
                text = "(not set)"
            elif isinstance(value, list):
                text = ",".join(str(v) for v in value) or "(none)"
            else:
                text = str(value)
            if name == "followup_after":
                text = ",".join(duration_label(s) for s in value) or "off"
            if name == "database_url":
                text = _redact_url_password(text)
            if name == "apprise_lang" and value is None:
                text = f"{self.apprise_language} (as TELEGRAM_CHANNEL_LANG)"
            shown[env_name] = text
        return shown


_DURATION = re.compile(r"(\d{1,7})\s*([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
MAX_FOLLOWUP = 365 * 86_400


def parse_durations(text: str) -> list[int]:
    """"24h,7d" as seconds, sorted and without repeats; "off" or "" is none. Raises ValueError naming the bad part."""
    text = text.strip().lower()
    if text in ("", "off", "0", "none"):
        return []
    seconds: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        found = _DURATION.fullmatch(part)
        if found is None:
            raise ValueError(f"{part!r} is not a duration: use a number and a unit, s, m, h or d (e.g. 24h,7d)")
        value = int(found.group(1)) * _UNIT[found.group(2)]
        if not 1 <= value <= MAX_FOLLOWUP:
            raise ValueError(f"{part!r} must be between 1s and 365d")
        seconds.add(value)
    return sorted(seconds)


def duration_label(seconds: int) -> str:
    """A duration in its largest whole unit, hours up to two days: 86400 is "24h", 604800 "7d", 90 "90s"."""
    if seconds % 86_400 == 0 and seconds >= 2 * 86_400:
        return f"{seconds // 86_400}d"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _redact_url_password(url: str) -> str:
    """Hide the password in a SQLAlchemy URL such as postgresql://user:pw@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:*****@{host}" if ":" in creds else url


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{loc}: {err['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
