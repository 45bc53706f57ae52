"""The reading commands' light settings (tracker.cli.reader_settings) read what tracker.config.Settings reads,
and leave every value they do not take as it stands, errors included, to Settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import AliasChoices

from tracker.cli.reader_settings import (
    DEFAULT_DATABASE_URL,
    FIELDS,
    SECRETS,
    ReaderSettings,
    ReaderSettingsError,
    load_reader_settings,
)
from tracker.config import DEFAULT_DATABASE_URL as SETTINGS_DEFAULT_DATABASE_URL
from tracker.config import ConfigError, Settings, load_settings
from tracker.store.engine import open_engine

EVERY_NAME = (*FIELDS.values(), *SECRETS)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting in the environment (any case), and a folder without a .env."""
    for name in list(os.environ):
        if name.upper() in EVERY_NAME or name.upper().startswith(("TRACKER_", "TELEGRAM_", "HF_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _alias(settings_field: str) -> str:
    alias = Settings.model_fields[settings_field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else str(alias)


def test_the_fields_are_settings_own_names_aliases_and_defaults() -> None:
    assert DEFAULT_DATABASE_URL == SETTINGS_DEFAULT_DATABASE_URL
    for field, name in FIELDS.items():
        assert _alias(field) == name
        assert getattr(ReaderSettings(), field) == Settings.model_fields[field].default, field
    for field in ("hf_token", "telegram_bot_token", "hub_webhook_secret", "apprise_urls"):
        assert _alias(field) in SECRETS


ENVIRONMENTS = [
    {},
    {"TRACKER_DATABASE_URL": "sqlite:///elsewhere/t.db", "HF_ENDPOINT": "http://127.0.0.1:9/",
     "TRACKER_HUB_WEB_URL": "https://hf.example//", "TRACKER_WATCHLIST": "labs.toml",
     "TRACKER_SITE_URL": "https://releases.example/", "TRACKER_BOT_USERNAME": "releases_bot",
     "TRACKER_WAVE_WINDOW": "12.5"},
    {"tracker_database_url": "postgresql+psycopg://u:p@db/x", "hf_endpoint": "https://mirror.example",
     "Tracker_Wave_Window": "45"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("dotenv", ["", "TRACKER_WAVE_WINDOW=7\nTRACKER_SITE_URL=https://from-dotenv.example\n"
                                        "TRACKER_DATABASE_URL=sqlite:///dotenv.db\n"])
def test_the_light_reading_equals_settings(clean: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str],
                                           dotenv: str) -> None:
    if dotenv:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    for name, value in env.items():
        clean.setenv(name, value)
    light, full = load_reader_settings(), load_settings()
    assert isinstance(light, ReaderSettings)
    for field in FIELDS:
        assert getattr(light, field) == getattr(full, field), field
    assert light.hub_web_url == full.hub_web_url
    if dotenv and "TRACKER_WAVE_WINDOW" not in {k.upper() for k in env}:
        assert light.wave_window_minutes == 7  # the .env file is read, under the environment


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("TRACKER_WAVE_WINDOW", "1e1", 10.0),  # a number only pydantic reads this way
    ("TRACKER_WAVE_WINDOW", " 5 ", 5.0),
    ("TRACKER_SITE_URL", "", None),  # empty: Settings says what that means
    ("TRACKER_BOT_USERNAME", "", ""),
])
def test_values_it_does_not_take_as_they_stand_are_read_by_settings(clean: pytest.MonkeyPatch, name: str,
                                                                      value: str, expected: object) -> None:
    clean.setenv(name, value)
    settings = load_reader_settings()
    assert isinstance(settings, Settings)
    field = next(f for f, n in FIELDS.items() if n == name)
    assert getattr(settings, field) == expected


@pytest.mark.parametrize(("name", "value"), [("HF_ENDPOINT", "ftp://hub"), ("TRACKER_WAVE_WINDOW", "soon"),
                                             ("TRACKER_HUB_WEB_URL", "hub.example")])
def test_a_value_settings_refuses_is_refused_in_its_words(clean: pytest.MonkeyPatch, name: str, value: str) -> None:
    clean.setenv(name, value)
    with pytest.raises(ConfigError) as full:
        load_settings()
    with pytest.raises(ReaderSettingsError) as light:
        load_reader_settings()
    assert str(light.value) == str(full.value) and name in str(light.value)


def test_secrets_are_kept_for_the_log_filter(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("HF_TOKEN", "hf_secret_value")
    clean.setenv("TELEGRAM_BOT_TOKEN", "   ")  # blank: Settings reads it as unset
    clean.setenv("tracker_apprise_urls", "json://localhost/secret-path")
    settings = load_reader_settings()
    assert isinstance(settings, ReaderSettings)
    assert set(settings.secrets) == {"hf_secret_value", "json://localhost/secret-path"}


def test_history_loads_neither_pydantic_nor_the_orm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_engine(url).dispose()
    probe = ("import os, sys\nfrom tracker.cli.main import main\n"
             f"os.environ['TRACKER_DATABASE_URL'] = {url!r}\n"
             "assert main(['history', '--limit', '5']) == 0\n"
             "print(sorted(m for m in ('pydantic', 'pydantic_settings', 'sqlmodel', 'alembic') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "No releases stored yet" in result.stderr
