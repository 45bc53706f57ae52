"""The `tracker` command line: argument parsing and dispatch; each command's work lives elsewhere."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from tracker.config import ConfigError, Settings, load_settings
from tracker.store.engine import StoreError
from tracker.watchlist import WatchlistError

ACTIVE_HELP = (
    "Active parameters count everything used per token, including the input embedding and the output "
    "head (the convention of Qwen, Kimi and DeepSeek); dense models have active = total."
)


# Every number a command takes is stored or compared in SQLite, whose integers are 64-bit.
MAX_INT = 2**63 - 1


class UsageError(Exception):
    """A bad argument; shown as one line (after the usage line, for a parsing error), exit status 2."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message:  # a bare `tracker`: show how it is used (other errors stay one line)
            commands = ", ".join(self._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
            raise UsageError(f"a command is needed, one of: {commands} (`tracker --help` says more)",
                             usage=self.format_usage().strip())
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to check that the README documents every command)."""
    from tracker.cli import commands

    parser = _Parser(
        prog="tracker",
        description="Release Tracker: new open-weight model releases on the Hugging Face Hub, told within "
        "minutes. " + ACTIVE_HELP,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (debug level)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="the long-running tracker: polls, alerts, answers the bot")
    run.set_defaults(handler=commands.cmd_run)

    poll = sub.add_parser("poll", help="one poll cycle now, then deliver its alerts")
    poll.add_argument("--enrich", type=_int_at_least(0), default=0, metavar="N",
                      help="also read config.json of up to N backfilled models per organisation (exact "
                      "active counts for old models; `tracker run` does this gradually by itself)")
    poll.set_defaults(handler=commands.cmd_poll)

    hist = sub.add_parser("history", help="stored releases, newest first", description=ACTIVE_HELP)
    add_filter_arguments(hist)
    hist.add_argument("--limit", type=_int_at_least(1), default=20, help="how many (default 20)")
    hist.add_argument("--format", choices=("table", "json", "csv"), default="table")
    hist.set_defaults(handler=commands.cmd_history)

    inspect = sub.add_parser("inspect", help="fetch one repo from the Hub now and show its facts",
                             description=ACTIVE_HELP)
    inspect.add_argument("repo_id", metavar="REPO_ID", help="e.g. Qwen/Qwen3-30B-A3B")
    inspect.add_argument("--format", choices=("text", "json"), default="text")
    inspect.set_defaults(handler=commands.cmd_inspect)

    labs = sub.add_parser("labs", help="the watchlist of labs and their organisations")
    labs.add_argument("--format", choices=("table", "json"), default="table")
    labs.set_defaults(handler=commands.cmd_labs)

    config = sub.add_parser("config", help="the effective settings, secrets redacted")
    config.set_defaults(handler=commands.cmd_config)

    status = sub.add_parser("status", help="health from the store: last poll, failing organisations, outbox; "
                            "exit 1 when unhealthy (for cron)")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.set_defaults(handler=commands.cmd_status)

    from tracker.cli import digest as cli_digest
    from tracker.cli import history as cli_history

    cli_history.add_commands(sub)
    cli_digest.add_command(sub, UsageError)
    from tracker.poll import refacts

    refacts.add_command(sub)
    return parser


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The release filters shared by history, export and feed."""
    parser.add_argument("--lab", action="append", default=[], help="lab name or alias (repeatable)")
    parser.add_argument("--org", action="append", default=[], help="Hub organisation (repeatable)")
    parser.add_argument("--since", type=_date_arg, help="released on or after DATE (YYYY-MM-DD or ISO 8601)")
    parser.add_argument("--until", type=_until_arg, help="released on or before DATE")
    parser.add_argument("--min-params", type=_params_arg, metavar="N", help="at least N parameters: 7B, 1.5b, 500M")
    parser.add_argument("--license", action="append", default=[], metavar="ID", help="license id (repeatable)")


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        number = text.strip()
        if not number.lstrip("+-").isascii() or not number.lstrip("+-").isdigit():
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
        if len(number.lstrip("+-")) > 19:  # also spares int() Python's limit on long digit strings
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is too large (at most {MAX_INT:,})")
        value = int(number)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        if value > MAX_INT:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is too large (at most {MAX_INT:,})")
        return value

    return parse


def _params_arg(text: str) -> int:
    from tracker.facts import parse_param_count

    value = parse_param_count(text[:100])
    if value is None or value < 0 or len(text) > 100:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a parameter count (try 7B, 1.5b, 500M or 7000000000)")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is more parameters than any model has (at most "
                                         f"{MAX_INT:,}, about 9.2 billion billion)")
    return value


def _date_arg(text: str):  # noqa: ANN202
    from tracker.cli.timeparse import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _until_arg(text: str):  # noqa: ANN202
    from tracker.cli.timeparse import parse_date

    try:
        return parse_date(text, end_of_day=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Library loggers print request URLs at INFO; a token is never in a URL, but keep them quiet.
    for noisy in ("httpx", "httpx2", "apscheduler", "telegram", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # PTB logs every non-JSON answer (an nginx 502 page) with a traceback; the delivery logs an outage once.
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    # huggingface_hub warns on every retry, through a handler of its own too; our poll logs each
    # organisation's failure once, so only its errors are worth showing. It reads the level when it is
    # imported (later, lazily), hence the environment variable.
    os.environ.setdefault("HF_HUB_VERBOSITY", "debug" if verbose else "error")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tracker` console script."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        if exc.usage:
            print(exc.usage, file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _setup_logging(args.verbose)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        settings = load_settings()
        from tracker import logsafe

        secrets = (settings.hf_token, settings.telegram_bot_token, settings.hub_webhook_secret)
        logsafe.install(s.get_secret_value() for s in secrets if s)
        return handler(args, settings)
    except (ConfigError, WatchlistError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001  (a person gets one line; -v shows the details)
        logging.getLogger("tracker").debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {_scrub(str(exc))[:200]} (run with -v for details)",
              file=sys.stderr)
        return 1


def _scrub(text: str) -> str:
    """Mask secrets from the environment in a message shown to a person."""
    import os

    from tracker.logsafe import SecretFilter

    names = ("TELEGRAM_BOT_TOKEN", "HF_TOKEN", "TRACKER_HUB_WEBHOOK_SECRET")
    return SecretFilter(os.environ.get(k, "") for k in names).scrub(text)


if __name__ == "__main__":
    sys.exit(main())
