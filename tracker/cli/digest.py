"""`tracker digest [--period day|week] [--post]`: the channel's digest, printed, or posted as a photo."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tracker.cli.args import UsageError

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.store.releases import Store
    from tracker.store.tables import Digest


def add_command(sub: Any) -> None:
    """Register the `digest` subcommand on the CLI's subparsers."""
    parser = sub.add_parser("digest", help="the channel's digest of the last day or week (--post: as a photo)")
    parser.add_argument("--period", choices=("day", "week"), default="week", help="how far back (default week)")
    parser.add_argument("--post", action="store_true",
                        help="also post it to TELEGRAM_CHANNEL as a chart with a caption naming the releases")
    parser.set_defaults(handler=cmd_digest)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here, not at the top: the CLI's parser loads this module for every command.
    from tracker.deliver import digests as digest
    from tracker.store import digests as digest_rows
    from tracker.store.engine import open_engine
    from tracker.store.releases import Store
    from tracker.store.tables import utcnow
    from tracker.telegram.channel_digest import console_text

    mode = digest.PERIOD_WORDS[args.period]
    if args.post and not (settings.telegram_enabled and settings.telegram_channel):
        raise UsageError("--post needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL")
    # Printing only reads (and never creates a store); posting records the digest, so it needs write access.
    store = Store.open(settings.database_url) if args.post else Store(open_engine(settings.database_url, create=False))
    now = utcnow()
    since = now - digest.LENGTH[mode]
    models = digest.releases(store, since, now)
    if not models:
        print(f"No releases in the last {args.period}: nothing to digest.", file=sys.stderr)
        return 0
    print(console_text(models, mode, since, now, settings.hub_web_url))
    if not args.post:
        return 0
    row = digest_rows.queue(store, digest.CHANNEL, f"{mode}:manual-{now:%Y-%m-%dT%H:%M:%SZ}", since, now)
    import asyncio

    outcome = asyncio.run(_post(settings, store, row))
    if outcome != "sent":
        print(f"error: the digest was not posted: {outcome}", file=sys.stderr)
        return 1
    print(f"posted the {mode} digest to {settings.telegram_channel}: {len(models)} releases", file=sys.stderr)
    return 0


async def _post(settings: Settings, store: Store, row: Digest) -> str:
    from telegram.error import InvalidToken, NetworkError

    from tracker.store import digests as digest_rows
    from tracker.telegram.app import build_application
    from tracker.telegram.digests import DigestSender

    application = build_application(settings)
    try:
        async with application:
            await DigestSender(application.bot, store, settings).send(row)
    except InvalidToken:
        return "Telegram rejected TELEGRAM_BOT_TOKEN"
    except NetworkError as exc:
        return f"Telegram unreachable ({exc.message})"
    done = digest_rows.get(store, row.id)
    return "sent" if done is not None and done.status == "sent" else (done.last_error if done else "lost") or "retry"
