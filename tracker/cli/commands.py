"""What each `tracker` command does, given parsed arguments and the settings."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tracker.cli.args import UsageError
from tracker.watchlist import load_watchlist

if TYPE_CHECKING:
    from tracker.cli.reader_settings import ReaderSettings
    from tracker.config import Settings
    from tracker.store.engine import Engine

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9._-]{1,96}$")


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    """One poll cycle, then the alerts it produced (and any left from before) are delivered."""
    from tracker.run.leader import Leadership
    from tracker.run.oneshot import deliver_once, until_interrupted
    from tracker.run.wiring import make_followups, make_modelscope_poller, make_poller, open_store, telegram_ready

    watchlist = load_watchlist(settings.watchlist)
    store = open_store(settings)
    poller = make_poller(settings, store, watchlist)
    modelscope = make_modelscope_poller(settings, store, watchlist)
    poller.guard.announce = False  # an unreachable Hub is this command's one summary line
    # Never alongside a running `tracker run`: it holds the leadership, and this refuses (tracker.run.leader).
    with Leadership.for_database(settings.database_url, store.engine, settings.leader_lease).one_shot():
        deliver = telegram_ready(settings, check_token=True)
        report = until_interrupted(lambda: poller.run_cycle(probe_first=True), poller.gate)
        if report.hub_unreachable is not None:
            delivered = deliver_once(settings, store, deliver)  # alerts left from before still go out
            print(f"error: the Hub at {settings.hf_endpoint} is unreachable: {report.hub_unreachable}; "
                  "nothing polled" + (f" ({delivered} earlier alerts delivered)" if delivered else ""),
                  file=sys.stderr)
            return 1
        enriched = until_interrupted(lambda: poller.enrich(args.enrich), poller.gate) if args.enrich else 0
        cards = until_interrupted(lambda: poller.enrich_cards(args.enrich), poller.gate) if args.enrich else 0
        followed = until_interrupted(make_followups(settings, store, poller).run, poller.gate).done
        delivered = deliver_once(settings, store, deliver)  # Apprise targets even when Telegram cannot work
        ms_line = ""
        if modelscope is not None:  # after the Hub's alerts went out: ModelScope never holds them up
            ms = until_interrupted(modelscope.run_cycle, modelscope.gate)
            delivered += deliver_once(settings, store, deliver) if ms.alerts or any(s.linked for s in ms.summaries) \
                else 0
            ms_line = _modelscope_line(ms)
    failed = len(report.orgs_failed)
    backfilled = sum(s.backfill for s in report.summaries)
    recorded = f"recorded {backfilled} existing models (backfill, no alerts), " if backfilled else ""
    print(
        f"polled {len(report.orgs_ok)} of {len(report.orgs_ok) + failed} organisations: {recorded}"
        f"{report.new} new releases, {report.alerts} alerts, {delivered} delivered"
        + (f", {failed} failed ({', '.join(sorted(report.orgs_failed))})" if failed else "")
        + (f"; read config.json of {enriched} backfilled models" if enriched else "")
        + (f"; read {cards} model cards" if cards else "")
        + (f"; followed up {len(followed)} releases" if followed else ""),
        file=sys.stderr,
    )
    if ms_line:
        print(ms_line, file=sys.stderr)
    return 1 if report.all_failed else 0


def _modelscope_line(report: Any) -> str:
    """`tracker poll`'s line for ModelScope."""
    if report.hub_unreachable is not None:
        return f"ModelScope: unreachable ({report.hub_unreachable}); the Hub's releases were polled"
    failed = len(report.orgs_failed)
    linked = sum(s.linked for s in report.summaries)
    backfilled = sum(s.backfill for s in report.summaries)
    return (f"ModelScope: polled {len(report.orgs_ok)} of {len(report.orgs_ok) + failed} organisations: "
            + (f"recorded {backfilled} existing models (backfill, no alerts), " if backfilled else "")
            + f"{report.new} new releases, {linked} already on the Hub"
            + (f", {failed} failed ({', '.join(sorted(report.orgs_failed))})" if failed else ""))


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The long-running tracker, until interrupted."""
    import asyncio

    from tracker.poll.stop import exit_past_stuck_threads
    from tracker.run.daemon import run_forever
    from tracker.run.wiring import open_store, telegram_ready

    telegram_ready(settings, check_token=False)  # the bot's start checks the token itself
    watchlist = load_watchlist(settings.watchlist)
    store = open_store(settings)
    asyncio.run(run_forever(settings, store, watchlist))
    store.close()
    return exit_past_stuck_threads(0)


def history_filter(args: argparse.Namespace, settings: Settings | ReaderSettings, limit: int | None):  # noqa: ANN201
    """The HistoryFilter the shared filter arguments describe; unknown labs and organisations are an error."""
    from tracker.store.queries import HistoryFilter

    labs: list[str] = []
    orgs: list[str] = []
    if args.lab or args.org:
        watchlist = load_watchlist(settings.watchlist)
        for name in args.lab:
            lab = watchlist.find_lab(name)
            if lab is None:
                names = [lab.name for lab in watchlist.labs]
                words = {w.lower(): lab.name for lab in watchlist.labs for w in (lab.name, lab.slug, *lab.aliases)}
                raise _unknown("lab", name, [words[w] for w in _close(name, words)], names)
            labs.append(lab.name)
        if args.org:
            known = {org.lower(): org for org, _lab in watchlist.orgs} | _stored_orgs(settings)
            for name in args.org:
                if name.lower() not in known:
                    raise _unknown("organisation", name, [known[o] for o in _close(name, known)],
                                   sorted(known.values(), key=str.lower))
                orgs.append(name)
    return HistoryFilter(labs=tuple(labs), orgs=tuple(orgs), since=args.since, until=args.until,
                         min_params=args.min_params, licenses=tuple(args.license), limit=limit)


def _close(name: str, words: Mapping[str, str]) -> list[str]:
    """The lower-cased keys of `words` closest to `name`, best first."""
    import difflib

    low = name.strip().lower()
    found = difflib.get_close_matches(low, list(words), n=6, cutoff=0.6)
    found += [w for w in words if len(low) >= 3 and len(w) >= 3 and (low in w or w in low) and w not in found]
    return found


def _unknown(kind: str, name: str, close: Sequence[str], known: Sequence[str]) -> Exception:
    close = list(dict.fromkeys(close))[:3]
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    shown = ", ".join(known[:40]) + (", …" if len(known) > 40 else "")
    return UsageError(f"unknown {kind} {name!r}; {hint}known {kind}s: {shown}")


def _stored_orgs(settings: Settings | ReaderSettings) -> dict[str, str]:
    """Organisations with stored releases (some may have left the watchlist since)."""
    from tracker.store.engine import open_engine
    from tracker.store.queries import stored_orgs

    return {org.lower(): org for org in stored_orgs(open_engine(settings.database_url, create=False))}


def no_match_hint(engine: Engine) -> str:
    """What to say when no stored release matches: run a poll only when nothing is stored at all."""
    from tracker.store.engine import location
    from tracker.store.queries import stored_orgs

    if not stored_orgs(engine):
        return f"No releases stored yet in {location(engine)}. Run `tracker poll` to fetch them."
    return "No stored releases match these filters."


def cmd_history(args: argparse.Namespace, settings: Settings | ReaderSettings) -> int:
    from tracker.render import output
    from tracker.render.views import RECORD_FIELDS, record
    from tracker.store import queries
    from tracker.store.engine import open_engine

    wanted = history_filter(args, settings, args.limit)
    engine = open_engine(settings.database_url, create=False)
    # Streamed: each row is written as it is read, so memory stays flat however many are stored.
    records = (record(row, settings.hub_web_url) for row in queries.iter_history(engine, wanted))
    if args.format == "json":
        output.write_json(_with_followups(records, engine), sys.stdout)
    elif args.format == "csv":
        output.write_csv(records, sys.stdout, RECORD_FIELDS)
    elif not (table := output.history_table_rows(records)):
        print(no_match_hint(engine), file=sys.stderr)
    else:
        output.write_table(table, output.HISTORY_HEADERS, sys.stdout)
    return 0


def _with_followups(records: Iterable[dict[str, Any]], engine: Any) -> Iterator[dict[str, Any]]:
    """The records, each release that was followed up (TRACKER_FOLLOWUP_AFTER) with its `followups`."""
    from tracker.render.views import followup
    from tracker.store import queries

    done: dict[str, list[dict[str, Any]]] = {}
    for event in queries.iter_events(engine, kinds=["followup"]):  # a few per release, only those followed up
        done.setdefault(event["repo_id"], []).append(followup({**(event["new_value"] or {}), "at": event["at"]}))
    for rec in records:
        yield {**rec, "followups": done[rec["repo_id"]]} if rec["repo_id"] in done else rec


def cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.hub.errors import HubError
    from tracker.poll.cycle import card_reading, facts_for
    from tracker.render.templates import render
    from tracker.render.views import card, followup, iso, record
    from tracker.run.wiring import make_hub
    from tracker.store.releases import row_from_hub

    repo_id = args.repo_id.strip().strip("/")
    if repo_id.startswith(("https://", "http://")):
        repo_id = repo_id.split("://", 1)[1].split("/", 1)[-1]
    if not _REPO_ID.match(repo_id):
        raise UsageError(f"{args.repo_id!r} is not a Hub repo id (expected ORG/NAME, e.g. Qwen/Qwen3-8B)")
    hub = make_hub(settings)
    try:
        model = hub.model(repo_id)
    except HubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    config, problem = hub.config(model.repo_id, model.sha)
    readme = hub.readme(model.repo_id, model.sha)
    reading = card_reading(readme) if readme.final else None
    manifest = hub.weight_files(model.repo_id, model.sha) if model.gguf and not model.safetensors else None
    sizes = {n: f["size"] for n, f in (manifest or {}).items() if isinstance(f.get("size"), int)} or None
    watchlist = load_watchlist(settings.watchlist)
    facts = facts_for(model, config, problem, reading, sizes)
    row = row_from_hub(model, facts, watchlist.lab_for_org(model.org))
    row.readme_sha = readme.sha
    row.sources = _stored_sources(settings, model.repo_id)
    stored = _stored_followups(settings, model.repo_id)
    if args.format == "json":
        data: dict[str, Any] = record(row, settings.hub_web_url)
        data["followups"] = [{**fu, "at": iso(fu.get("at"))} for fu in stored]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(render("inspect.txt", followups=[followup(fu) for fu in stored], **card(row, settings.hub_web_url)))
    return 0


def _stored_sources(settings: Settings, repo_id: str) -> list[dict[str, Any]] | None:
    """The hubs the store knows the release on (None without a store, or when it is on the Hub only)."""
    from tracker.store.engine import open_engine
    from tracker.store.queries import stored_sources

    try:
        return stored_sources(open_engine(settings.database_url, create=False), repo_id)
    except Exception:  # noqa: BLE001  (no store, or an unreadable one, never fails an inspection of the Hub)
        return None
def _stored_followups(settings: Settings, repo_id: str) -> list[dict[str, Any]]:
    """The follow-ups the store holds for a release (none when there is no store here)."""
    from tracker.store import followups
    from tracker.store.engine import StoreError, open_engine

    try:
        engine = open_engine(settings.database_url, create=False)
    except StoreError:
        return []
    try:
        return followups.of_repo(engine, repo_id)
    finally:
        engine.dispose()


def cmd_labs(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.poll.discovery import effective_watchlist_if_stored
    from tracker.render import output

    watchlist = effective_watchlist_if_stored(load_watchlist(settings.watchlist), settings.database_url)
    if args.format == "json":
        output.write_json([{"name": lab.name, "slug": lab.slug, "orgs": list(lab.orgs), "country": lab.country,
                            "region": lab.region, "aliases": list(lab.aliases), "added_at_runtime": lab.runtime,
                            "modelscope": list(lab.modelscope)}
                           for lab in watchlist.labs], sys.stdout)
        return 0
    rows = [[lab.name + (" (added at runtime)" if lab.runtime else ""), ", ".join(lab.orgs),
             ", ".join(lab.modelscope) or "-", lab.country, lab.region] for lab in watchlist.labs]
    output.write_table(rows, ("lab", "organisations", "ModelScope", "country", "region"), sys.stdout)
    return 0


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.redacted()
    if settings.apprise_urls is not None:  # each target masked as Apprise shows it (discord://1...4/a...z)
        from tracker.deliver.apprise_targets import parse_targets

        targets = parse_targets(settings.apprise_urls.get_secret_value())
        shown["TRACKER_APPRISE_URLS"] = targets.shown() + (f" ({len(targets.problems)} unusable)"
                                                           if targets.problems else "")
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        print(f"{key.ljust(width)}  {value}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """The health /healthz reports, read from the store: exit 0 when healthy, 1 when not."""
    from tracker.run.health import format_health, read_health
    from tracker.run.leader import current_leader
    from tracker.store.engine import open_engine
    from tracker.store.releases import Store
    from tracker.store.tables import utcnow

    # The role is known only inside a running process (see /healthz); here it is left out (null), and
    # `leader` says which running tracker leads, if any.
    engine = open_engine(settings.database_url, create=False)
    health = read_health(Store(engine), settings.poll_interval, utcnow(), role=None)
    leader = current_leader(settings.database_url, engine)
    if args.format == "json":
        print(json.dumps({**health.to_json(), "leader": leader}, indent=2))
    else:
        print(format_health(health))
        print(f"leader:          {leader or 'none: no tracker run is leading'}")
    return 0 if health.healthy else 1
