"""`tracker refacts [--lab LAB] [--dry-run]`: recompute stored facts and print the table of changes."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tracker.cli.args import UsageError

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.poll.refacts import Report

HEADERS = ("repo_id", "field", "old", "new")


def _show(name: str, value: Any, other: Any) -> str:
    from tracker.facts import format_params

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and name.startswith("params_"):
        short = format_params(value)
        return short if isinstance(other, int) and format_params(other) != short else f"{short} ({value})"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def table_rows(report: Report) -> list[list[str]]:
    """One row per changed field: repo id, field, old → new."""
    return [[c.repo_id, name, _show(name, old, new), _show(name, new, old)]
            for c in report.changes for name, (old, new) in c.fields.items()]


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `tracker refacts` on the `tracker` parser."""
    parser = sub.add_parser("refacts", help="recompute stored facts from the kept Hub metadata (no Hub "
                            "requests, no alerts), e.g. after an upgrade that counts parameters better")
    parser.add_argument("--lab", metavar="LAB", help="only this lab (name or alias)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    parser.set_defaults(handler=cmd_refacts)


def cmd_refacts(args: argparse.Namespace, settings: Settings) -> int:
    # Imported when the command runs: the parser loads this module for every command.
    from tracker.poll import refacts
    from tracker.render import output
    from tracker.run.wiring import make_hub, open_store
    from tracker.watchlist import load_watchlist

    lab = None
    if args.lab is not None:
        watchlist = load_watchlist(settings.watchlist)
        found = watchlist.find_lab(args.lab)
        if found is None:
            known = ", ".join(item.name for item in watchlist.labs)
            raise UsageError(f"unknown lab {args.lab!r}; known labs: {known}")
        lab = found.name
    report = refacts.run(open_store(settings), make_hub(settings), lab=lab, dry_run=args.dry_run)
    if report.changes:
        output.write_table(table_rows(report), HEADERS, sys.stdout)
    for repo_id, why in report.skipped[:10]:
        print(f"skipped {repo_id}: {why}", file=sys.stderr)
    if len(report.skipped) > 10:
        print(f"… and {len(report.skipped) - 10} more skipped", file=sys.stderr)
    verb = "would change" if args.dry_run else "changed"
    tail = " (dry run: nothing written)" if args.dry_run else (
        f"; {len(report.changes)} refacts events written, nobody alerted" if report.changes else "")
    print(f"refacts: {verb} {len(report.changes)} of {report.checked} stored models"
          f"{f', {len(report.skipped)} skipped' if report.skipped else ''}{tail}", file=sys.stderr)
    return 0
