"""Rendering: one Jinja2 environment for every message and page, from `templates/`.

`.html` templates (Telegram HTML, web pages) are autoescaped; `.txt` templates (terminal) are not.
StrictUndefined makes a template that names a missing value fail loudly in tests, not silently in use.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.render import l10n

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
    return Path(__file__).resolve().parents[2] / "templates"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~!])")


def _markdown(value: object) -> str:
    """Text from the Hub made literal in Markdown (Apprise targets): its special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


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
    env.filters["params"] = l10n.params
    env.filters["iso"] = l10n.moment
    env.filters["date"] = l10n.day
    env.filters["gb"] = l10n.gigabytes
    env.filters["vram"] = l10n.memory
    env.filters["num"] = l10n.number
    env.filters["seen"] = l10n.seen
    env.filters["reason"] = l10n.license_reason
    env.filters["tokens"] = l10n.tokens
    env.filters["about_tokens"] = l10n.about_tokens
    env.filters["since"] = l10n.since
    env.filters["term"] = l10n.term
    env.filters["place"] = l10n.place
    env.filters["setup"] = l10n.setup_name
    env.filters["evidence"] = l10n.evidence
    env.filters["lead"] = l10n.lead_time
    env.filters["later"] = l10n.later
    env.filters["md"] = _markdown
    return env


def render(template: str, /, lang: str = "en", **context: Any) -> str:
    """Render `templates/{lang}/{name}` (falling back to English), stripped of surrounding blank lines;
    numbers and dates in it follow `lang` (tracker.render.l10n)."""
    env = environment()
    lang = lang if lang in LANGUAGES else "en"
    chosen = env.get_or_select_template([f"{lang}/{template}", f"en/{template}"])
    with l10n.speaking(lang):
        return chosen.render(**context).strip("\n")
