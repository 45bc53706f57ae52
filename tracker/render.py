"""Rendering: one Jinja2 environment for every message and page, from `templates/`.

`.html` templates (Telegram HTML, web pages) are autoescaped; `.txt` templates (terminal) are not.
StrictUndefined makes a template that names a missing value fail loudly in tests, not silently in use.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.facts import format_params

LANGUAGES = ("en", "it")


def templates_dir() -> Path:
    """Where the templates live: TRACKER_TEMPLATES_DIR; else the copy inside an installed wheel
    (`tracker/templates/`, put there at build time by setup.py); else the checkout's top-level `templates/`
    (a source tree or an editable install)."""
    override = os.environ.get("TRACKER_TEMPLATES_DIR")
    if override:
        return Path(override)
    packaged = Path(str(files("tracker"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def _iso(value: datetime | None) -> str:
    if value is None:
        return "?"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _date(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if value else "?"


def _gb(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f} GB" if value >= 100 else f"{value:.1f} GB"


@cache
def environment(directory: Path | None = None) -> Environment:
    """The shared Jinja2 environment (one per templates directory)."""
    env = Environment(
        loader=FileSystemLoader(str(directory or templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "svg"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["params"] = format_params
    env.filters["iso"] = _iso
    env.filters["date"] = _date
    env.filters["gb"] = _gb
    return env


def render(template: str, /, lang: str = "en", **context: Any) -> str:
    """Render `templates/{lang}/{name}` (falling back to English), stripped of surrounding blank lines."""
    env = environment()
    lang = lang if lang in LANGUAGES else "en"
    chosen = env.get_or_select_template([f"{lang}/{template}", f"en/{template}"])
    return chosen.render(**context).strip("\n")
