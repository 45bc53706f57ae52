"""The watchlist: which labs we follow, through which Hugging Face (and ModelScope) organisations."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

_ORG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_LAB_HEADER = re.compile(r"^\s*\[\[\s*lab\s*\]\]")


class WatchlistError(Exception):
    """The watchlist file is wrong; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Lab:
    """One lab we watch."""

    name: str
    orgs: tuple[str, ...]
    country: str
    region: str
    aliases: tuple[str, ...] = ()
    runtime: bool = False  # added at runtime by an admin (discovery), kept in the store, not in a file
    modelscope: tuple[str, ...] = ()  # its ModelScope organisations (case-sensitive there: `ZhipuAI`)

    @property
    def slug(self) -> str:
        """A short lower-case key for the lab, e.g. 'qwen-alibaba'."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def matches(self, query: str) -> bool:
        """True when a person's word names this lab (name, slug, alias or one of its orgs)."""
        q = query.strip().lower()
        if not q:
            return False
        names = {self.name.lower(), self.slug, *(a.lower() for a in self.aliases)}
        names |= {o.lower() for o in self.orgs}
        return q in names or any(n.startswith(q) for n in names if len(q) >= 3)


@dataclass(frozen=True)
class Watchlist:
    """All watched labs, with a lookup from organisation to lab."""

    labs: tuple[Lab, ...]

    def lab_for_org(self, org: str) -> Lab | None:
        """The lab that owns an organisation (case-insensitive, as the Hub treats names)."""
        low = org.lower()
        for lab in self.labs:
            if any(o.lower() == low for o in lab.orgs):
                return lab
        return None

    def find_lab(self, query: str) -> Lab | None:
        """The lab a person means by `query`, or None."""
        exact = [lab for lab in self.labs if query.strip().lower() in {lab.name.lower(), lab.slug}]
        if exact:
            return exact[0]
        found = [lab for lab in self.labs if lab.matches(query)]
        return found[0] if found else None

    @property
    def orgs(self) -> list[tuple[str, Lab]]:
        """Every watched organisation with its lab, in watchlist order."""
        return [(org, lab) for lab in self.labs for org in lab.orgs]

    @property
    def modelscope_orgs(self) -> list[tuple[str, Lab]]:
        """Every watched ModelScope organisation with its lab, in watchlist order."""
        return [(org, lab) for lab in self.labs for org in lab.modelscope]


def default_watchlist_text() -> str:
    """The TOML of the watchlist shipped inside the package."""
    return resources.files("tracker.data").joinpath("watchlist.toml").read_text(encoding="utf-8")


def load_watchlist(path: Path | None = None) -> Watchlist:
    """Load the user's watchlist file, or the default one when `path` is None."""
    if path is None:
        return parse_watchlist(default_watchlist_text(), source="<default watchlist>")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read the watchlist: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise WatchlistError(f"{path}: the watchlist is not UTF-8 text") from None
    own = parse_watchlist(text, source=str(path))
    data = tomllib.loads(text)
    if data.get("extends_default", False):
        default = parse_watchlist(default_watchlist_text(), source="<default watchlist>")
        given = {str(raw.get("name", "")).strip().lower(): set(raw) for raw in data.get("lab", [])}
        return _merge(default, own, given)
    return own


def _merge(base: Watchlist, extra: Watchlist, given: dict[str, set[str]]) -> Watchlist:
    """The default labs plus the user's; a user's lab named like a default one is merged into it: the
    organisations are joined, and the user's country, region and aliases win where the user gave them."""
    by_name = {lab.name.lower(): lab for lab in base.labs}
    for lab in extra.labs:
        old = by_name.get(lab.name.lower())
        if old is not None:
            keys = given.get(lab.name.lower(), set())
            lab = Lab(
                name=lab.name,
                orgs=tuple(dict.fromkeys([*old.orgs, *(o for o in lab.orgs if o.lower() not in
                                                        {x.lower() for x in old.orgs})])),
                country=lab.country if "country" in keys else old.country,
                region=lab.region if "region" in keys else old.region,
                aliases=lab.aliases if "aliases" in keys else old.aliases,
                modelscope=tuple(dict.fromkeys([*old.modelscope, *lab.modelscope])),
            )
        by_name[lab.name.lower()] = lab
    return Watchlist(labs=tuple(by_name.values()))


def parse_watchlist(text: str, source: str) -> Watchlist:
    """Parse watchlist TOML; every problem is reported as `source:line: what is wrong`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the message.
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        where = f"{source}:{line}" if line else source
        msg = getattr(exc, "msg", None) or re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise WatchlistError(f"{where}: not valid TOML: {msg}") from None
    header_lines = [i + 1 for i, row in enumerate(text.splitlines()) if _LAB_HEADER.match(row)]
    unknown = set(data) - {"lab", "extends_default"}
    if unknown:
        raise WatchlistError(f"{source}:1: unknown top-level key(s): {', '.join(sorted(unknown))}")
    raw_labs = data.get("lab")
    if not isinstance(raw_labs, list) or not raw_labs:
        raise WatchlistError(f"{source}:1: no labs: add at least one [[lab]] table")
    labs: list[Lab] = []
    seen_orgs: dict[str, str] = {}
    seen_ms: dict[str, str] = {}
    for index, raw in enumerate(raw_labs):
        line = header_lines[index] if index < len(header_lines) else 1
        lab = _parse_lab(raw, f"{source}:{line}")
        for org in lab.orgs:
            if org.lower() in seen_orgs:
                raise WatchlistError(
                    f"{source}:{line}: organisation {org!r} is already listed under {seen_orgs[org.lower()]!r}"
                )
            seen_orgs[org.lower()] = lab.name
        for org in lab.modelscope:  # case-sensitive on ModelScope
            if org in seen_ms:
                raise WatchlistError(
                    f"{source}:{line}: ModelScope organisation {org!r} is already listed under {seen_ms[org]!r}")
            seen_ms[org] = lab.name
        labs.append(lab)
    return Watchlist(labs=tuple(labs))


def _parse_lab(raw: Any, where: str) -> Lab:
    if not isinstance(raw, dict):
        raise WatchlistError(f"{where}: each lab must be a [[lab]] table")
    allowed = {"name", "orgs", "country", "region", "aliases", "modelscope"}
    extra = set(raw) - allowed
    if extra:
        raise WatchlistError(
            f"{where}: unknown key(s) {', '.join(sorted(extra))}; allowed: {', '.join(sorted(allowed))}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise WatchlistError(f"{where}: lab needs a non-empty `name`")
    orgs = raw.get("orgs")
    if not isinstance(orgs, list) or not orgs or not all(isinstance(o, str) for o in orgs):
        raise WatchlistError(f"{where}: lab {name!r} needs `orgs`, a non-empty list of organisation names")
    for org in orgs:
        if not _ORG_NAME.match(org):
            raise WatchlistError(f"{where}: {org!r} is not a valid Hugging Face organisation name")
    modelscope = raw.get("modelscope", [])
    if not isinstance(modelscope, list) or not all(isinstance(o, str) and _ORG_NAME.match(o) for o in modelscope):
        raise WatchlistError(f"{where}: `modelscope` of lab {name!r} must be a list of ModelScope organisation names")
    country = raw.get("country", "Unknown")
    region = raw.get("region", country)
    aliases = raw.get("aliases", [])
    for key, value in (("country", country), ("region", region)):
        if not isinstance(value, str) or not value.strip():
            raise WatchlistError(f"{where}: `{key}` of lab {name!r} must be a non-empty string")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise WatchlistError(f"{where}: `aliases` of lab {name!r} must be a list of strings")
    return Lab(
        name=name.strip(),
        orgs=tuple(orgs),
        country=country.strip(),
        region=region.strip(),
        aliases=tuple(aliases),
        modelscope=tuple(dict.fromkeys(modelscope)),
    )
