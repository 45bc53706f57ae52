"""CLI commands for reviewing the stored history: export, feed, site, stats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.cli.args import UsageError, add_filter_arguments, int_at_least

if TYPE_CHECKING:
    from tracker.cli.reader_settings import ReaderSettings
    from tracker.config import Settings


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the history-review subcommands on the `tracker` parser."""
    from tracker.history.stats import GROUPINGS

    export = sub.add_parser("export", help="every stored release (or the event log) as CSV or JSON")
    add_filter_arguments(export)
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--events", action="store_true",
                        help="the event log (new, published, license changed, removed...) instead of releases")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=cmd_export)

    feed = sub.add_parser("feed", help="an Atom feed of releases (one entry per release or family wave); with one "
                          "--lab, that lab's feed as the site publishes it (feeds/<lab>.xml)")
    add_filter_arguments(feed)
    feed.add_argument("--limit", type=int_at_least(1), default=50, help="how many entries (default 50)")
    feed.add_argument("--base-url", metavar="URL", help="where the site and feed are published (adds self links)")
    feed.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    feed.set_defaults(handler=cmd_feed)

    site = sub.add_parser("site", help="build the static website (pages, charts, search table, feed) in OUTDIR")
    site.add_argument("outdir", type=Path, metavar="OUTDIR")
    site.add_argument("--base-url", metavar="URL", help="where the site will be published (for the feed's links)")
    site.set_defaults(handler=cmd_site)

    stats = sub.add_parser("stats", help="counts, median sizes, biggest release, share of permissive licenses")
    add_filter_arguments(stats)
    stats.add_argument("--by", choices=(*GROUPINGS, "hub-lead"), default="lab",
                       help="group by (default lab); hub-lead: which hub shows each lab's releases first, by how long")
    stats.add_argument("--format", choices=("table", "json"), default="table")
    stats.set_defaults(handler=cmd_stats)


def cmd_export(args: argparse.Namespace, settings: Settings | ReaderSettings) -> int:
    from tracker.cli.commands import history_filter
    from tracker.history.export import export
    from tracker.store.engine import open_engine

    engine = open_engine(settings.database_url, create=False)
    n = export(engine, history_filter(args, settings, None), settings.hub_web_url, fmt=args.format,
               events=args.events, path=args.output)
    if args.output:
        print(f"wrote {n} {'events' if args.events else 'releases'} to {args.output}", file=sys.stderr)
    return 0


def cmd_feed(args: argparse.Namespace, settings: Settings | ReaderSettings) -> int:
    from tracker.cli.commands import history_filter
    from tracker.history.export import destination
    from tracker.history.feed import build_feed, build_lab_feed
    from tracker.history.publish import feed_options
    from tracker.history.site.data import lab_slugs, slugify
    from tracker.store.engine import open_engine
    from tracker.store.tables import utcnow

    engine = open_engine(settings.database_url, create=False)
    options = feed_options(settings, args.base_url or settings.site_url, args.limit)
    chosen = history_filter(args, settings, None)
    if len(chosen.labs) == 1:  # the lab's own feed: the same document as feeds/<lab>.xml in the site
        lab = chosen.labs[0]
        text = build_lab_feed(engine, lab, lab_slugs(engine).get(lab, slugify(lab)), options, utcnow(), chosen)
    else:
        text = build_feed(engine, chosen, options, utcnow())
    with destination(args.output) as out:
        out.write(text)
    if args.output:
        print(f"wrote {text.count('<entry>')} feed entries to {args.output}", file=sys.stderr)
    return 0


def cmd_site(args: argparse.Namespace, settings: Settings | ReaderSettings) -> int:
    import time

    from tracker.history.publish import publish
    from tracker.store.engine import open_engine

    if args.outdir.exists() and not args.outdir.is_dir():
        raise UsageError(f"{args.outdir} exists and is not a folder; give the folder to build the site in")
    started = time.perf_counter()
    base_url = args.base_url or settings.site_url
    try:
        report = publish(settings, open_engine(settings.database_url, create=False), args.outdir, base_url=base_url)
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:
        print(f"error: cannot write the site in {args.outdir}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"site built in {args.outdir}: {report.releases} releases, {report.files} files, "
          f"{report.table_pages} table page(s), {time.perf_counter() - started:.1f} s; open "
          f"{args.outdir / 'index.html'}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings | ReaderSettings) -> int:
    from tracker.cli.commands import history_filter, no_match_hint
    from tracker.facts import format_params
    from tracker.history import stats
    from tracker.render import output
    from tracker.render.templates import render
    from tracker.store import queries
    from tracker.store.engine import open_engine

    engine = open_engine(settings.database_url, create=False)
    # One streamed pass over just the columns the numbers need: memory stays flat on a big store.
    rows = queries.iter_history(engine, history_filter(args, settings, None), columns=queries.STATS_COLUMNS)
    if args.by == "hub-lead":
        return _hub_lead(rows, args.format)
    overall, groups = stats.summarize_grouped(rows, args.by)
    if args.format == "json":
        output.write_json([{"by": "all", **overall.as_dict()}, *({"by": args.by, **g.as_dict()} for g in groups)],
                          sys.stdout)
        return 0
    if not overall.count:
        print(no_match_hint(engine), file=sys.stderr)
        return 0
    print(render("stats.txt", s=overall, since=args.since))
    print()
    table = [[g.key, str(g.count), format_params(g.median_total), format_params(g.median_active),
              f"{g.biggest_repo or ''} ({format_params(g.biggest_params)})" if g.biggest_repo else "",
              f"{g.permissive_share:.0%}"] for g in groups]
    output.write_table(table, (args.by, "releases", "median total", "median active", "biggest", "permissive"),
                       sys.stdout)
    return 0


def _hub_lead(rows: Any, fmt: str) -> int:
    """`tracker stats --by hub-lead`: per lab, releases on both hubs, which was first and its median lead."""
    from tracker.history.hub_lead import hub_lead
    from tracker.render import output
    from tracker.render.l10n import lead_time

    overall, labs = hub_lead(rows)
    if fmt == "json":
        output.write_json([overall.as_dict(), *(lab.as_dict() for lab in labs)], sys.stdout)
        return 0

    def ahead(tally: Any, hub: str) -> str:
        count = tally.first.get(hub, 0)
        median = tally.median_lead(hub)
        return f"{count} (median {lead_time(median)} ahead)" if count and median is not None else str(count)

    table = [[t.key, str(t.both), ahead(t, "modelscope"), ahead(t, "huggingface"), str(t.only["modelscope"]),
              str(t.only["huggingface"])] for t in [*labs, overall]]
    output.write_table(table, ("lab", "on both hubs", "ModelScope first", "Hugging Face first", "only ModelScope",
                               "only Hugging Face"), sys.stdout)
    return 0
