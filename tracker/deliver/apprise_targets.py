"""TRACKER_APPRISE_URLS read into targets: one per URL, each with an outbox key and a masked form to show.

The key (`apprise:` and a hash of the URL) is what the outbox stores, so no secret of a URL reaches the
database or a log line; the masked form is Apprise's own privacy view (`discord://1...4/a...z`).
URL syntax per service: https://github.com/caronc/apprise/wiki
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from apprise import Apprise, AppriseConfig

TARGET_PREFIX = "apprise:"
SETTING = "TRACKER_APPRISE_URLS"


@dataclass(frozen=True)
class Target:
    """One Apprise URL: `key` is its outbox target, `shown` its masked form, `url` the secret itself."""

    key: str
    shown: str
    url: str = field(repr=False)


@dataclass
class Targets:
    """What the setting named: the usable targets, and one line per entry that cannot be used."""

    targets: list[Target] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def by_key(self) -> dict[str, Target]:
        return {t.key: t for t in self.targets}

    def shown(self) -> str:
        """The targets as `tracker config` shows them: masked, comma-separated."""
        return ", ".join(t.shown for t in self.targets) or "(none usable)"


def parse_targets(value: str | None) -> Targets:
    """Each entry of the setting (commas or spaces between them) is an Apprise URL, or a file of them in
    Apprise's config format (text or YAML)."""
    found = Targets()
    entries = [e for e in re.split(r"[\s,]+", value.strip()) if e] if value else []
    with quiet_apprise():
        for n, entry in enumerate(entries, 1):
            if "://" in entry and not entry.lower().startswith("file://"):
                server = Apprise.instantiate(entry)
                if server is None:
                    found.problems.append(f"{SETTING} entry {n} ({mask_unknown(entry)}) is not a URL Apprise can "
                                          "send to (unknown service or missing parts); it is skipped")
                else:
                    _add(found, entry, server.url(privacy=True))
                continue
            path = _expand(entry.removeprefix("file://"))
            if not _is_file(path):
                found.problems.append(f"{SETTING} entry {n} ({path}) is neither an Apprise URL nor a file of "
                                      "them; it is skipped")
                continue
            config = AppriseConfig()
            config.add(str(path))
            loaded = Apprise()
            loaded.add(config)
            servers = list(loaded)  # the file's services (a config loads when iterated)
            if not servers:
                found.problems.append(f"{SETTING} entry {n}: the file {path} holds no URL Apprise can send to")
            for server in servers:
                _add(found, server.url(), server.url(privacy=True))
    return found


def _expand(text: str) -> Path:
    """The path `text` names, `~` expanded where it can be (`~nosuchuser` stays as written)."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "Could not determine home directory": no such user, or no HOME
        return Path(text)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _add(found: Targets, url: str, private: str) -> None:
    key = TARGET_PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    if key in found.by_key:
        return
    shown = private.split("?", 1)[0]
    target = Target(key, shown, url)
    # Apprise keeps some secrets readable (an ntfy topic is its host): mask what may be one, as the log filter.
    for part in secrets_of([target]):
        if part != url:
            shown = shown.replace(part, f"{part[0]}...{part[-1]}")
    found.targets.append(Target(key, shown, url))


def mask_unknown(url: str) -> str:
    """A URL Apprise could not read, shown without anything that may be a secret: its scheme only."""
    scheme = url.split("://", 1)[0]
    return f"{scheme[:20]}://…"


def secrets_of(targets: Iterable[Target]) -> list[str]:
    """The parts of the URLs that may be secrets (user, password, tokens in the host or path, query
    values), for the log filter (tracker.logsafe); real host names stay readable."""
    parts: set[str] = set()
    for target in targets:
        parts.add(target.url)
        split = urlsplit(target.url)
        host = split.hostname or ""
        parts.update(p for p in (split.username, split.password) if p)
        if host and "." not in host and host != "localhost":
            parts.add(host)
        parts.update(p for p in split.path.split("/") if p)
        parts.update(v for _k, v in parse_qsl(split.query))
    return sorted(p for p in parts if len(p) >= 6)


class _Capture(logging.Filter):
    """Apprise's own log lines (they may quote a URL with its tokens) never reach our handlers; a sink keeps
    the last warning of a send in its thread to say why it failed, in its own words."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.local.last = record.getMessage()
        return False

    def __enter__(self) -> _Capture:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def take(self) -> str:
        last, self.local.last = getattr(self.local, "last", ""), ""
        return last


_CAPTURE = _Capture()
_INSTALL = threading.Lock()


def quiet_apprise() -> _Capture:
    """Silence Apprise's logger (idempotent); returns the capture (a context manager for reading clarity)."""
    with _INSTALL:
        logger = logging.getLogger("apprise")
        if _CAPTURE not in logger.filters:
            logger.addFilter(_CAPTURE)
    return _CAPTURE

