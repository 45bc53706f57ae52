"""The `tracker` command line: argument parsing and dispatch; each command's work lives elsewhere."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tracker import logsafe
from tracker.cli import digest as cli_digest
from tracker.cli import history as cli_history
from tracker.cli import refacts as cli_refacts
from tracker.cli.args import ACTIVE_HELP, Parser, UsageError, add_filter_arguments, int_at_least
from tracker.cli.reader_settings import READER_COMMANDS, ReaderSettings, ReaderSettingsError, load_reader_settings

if TYPE_CHECKING:
    from tracker.config import Settings

# `tracker run --help`: what it does and the settings people reach for first (all of them: `tracker config`).
RUN_DESCRIPTION = (
    "Runs until Ctrl-C: polls the watched organisations every TRACKER_POLL_INTERVAL seconds, stores what is "
    "new, and delivers it: to the terminal, or with TELEGRAM_BOT_TOKEN to the channel and the bot's "
    "subscribers, while the bot answers in private chats. It serves /healthz and /metrics over HTTP."
)
RUN_EPILOG = """main settings (environment variables, or a .env file in this folder):
  HF_ENDPOINT             the Hub (default https://huggingface.co); HF_TOKEN for a higher rate limit
  TRACKER_DATABASE_URL    the store (default sqlite:///state/tracker.db; any SQLAlchemy URL)
  TRACKER_WATCHLIST       a watchlist TOML file (default: the labs shipped with the tracker)
  TRACKER_POLL_INTERVAL   seconds between polls (default 300)
  TELEGRAM_BOT_TOKEN      the bot's token from @BotFather; without it, alerts print here
  TELEGRAM_CHANNEL        the channel for release cards (@name or -100… id)
  TRACKER_ADMINS          Telegram user ids allowed /status, /pause, /resume
  TRACKER_HTTP_HOST/PORT  where /healthz and /metrics listen (default 127.0.0.1:8787)
`tracker config` shows every setting and its effective value (secrets redacted); the README lists them all."""


def package_version() -> str:
    """The installed version of the tracker (`tracker --version`)."""
    from importlib.metadata import PackageNotFoundError, version  # read only when asked: 30 ms of every start

    try:
        return version("release-tracker")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`: prints `tracker X.Y.Z` and exits, looking the version up only then."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the installed version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to check that the README documents every command)."""
    from tracker.cli import commands

    parser = Parser(
        prog="tracker",
        description="Release Tracker: new open-weight model releases on the Hugging Face Hub, told within "
        "minutes. " + ACTIVE_HELP,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (debug level)")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    run = sub.add_parser("run", help="the long-running tracker: polls, alerts, answers the bot",
                         description=RUN_DESCRIPTION, epilog=RUN_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.set_defaults(handler=commands.cmd_run)

    poll = sub.add_parser("poll", help="one poll cycle now, then deliver its alerts")
    poll.add_argument("--enrich", type=int_at_least(0), default=0, metavar="N",
                      help="also read config.json of up to N backfilled models per organisation (exact "
                      "active counts for old models; `tracker run` does this gradually by itself)")
    poll.set_defaults(handler=commands.cmd_poll)

    hist = sub.add_parser("history", help="stored releases, newest first", description=ACTIVE_HELP)
    add_filter_arguments(hist)
    hist.add_argument("--limit", type=int_at_least(1), default=20, help="how many (default 20)")
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

    cli_history.add_commands(sub)
    cli_digest.add_command(sub)
    cli_refacts.add_command(sub)
    return parser


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Library loggers print request URLs at INFO; a token is never in a URL, but keep them quiet.
    for noisy in ("httpx", "httpx2", "apscheduler", "telegram", "alembic", "urllib3"):
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
    # Loaded once a command runs, not for --help and --version (pydantic-settings and SQLAlchemy take most
    # of a start-up's time); the readers do without pydantic-settings (tracker.cli.reader_settings).
    from tracker.store.engine import StoreError
    from tracker.watchlist import WatchlistError

    load: Callable[[], Settings | ReaderSettings]
    settings_error: type[Exception]
    if args.command in READER_COMMANDS:
        load, settings_error = load_reader_settings, ReaderSettingsError
    else:
        from tracker.config import ConfigError, load_settings

        load, settings_error = load_settings, ConfigError
    handler: Callable[[argparse.Namespace, Settings | ReaderSettings], int] = args.handler
    try:
        settings = load()
        logsafe.install(_secrets(settings))
        return handler(args, settings)
    except (settings_error, WatchlistError, StoreError) as exc:
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


def _secrets(settings: Settings | ReaderSettings) -> list[str]:
    """What the log filter masks: the secret settings' values; with the full settings, also the parts of the
    Apprise URLs that may be secrets (readers never load Apprise, nor write its URLs anywhere)."""
    if isinstance(settings, ReaderSettings):
        return list(settings.secrets)
    secrets = (settings.hf_token, settings.telegram_bot_token, settings.hub_webhook_secret)
    return [*(s.get_secret_value() for s in secrets if s), *_apprise_secrets(settings)]


def _apprise_secrets(settings: Settings) -> list[str]:
    """The parts of the Apprise URLs that may be secrets (tokens sit in their hosts and paths)."""
    if settings.apprise_urls is None:
        return []
    from tracker.deliver.apprise_targets import parse_targets, secrets_of

    value = settings.apprise_urls.get_secret_value()
    return [value, *secrets_of(parse_targets(value).targets)]


def _scrub(text: str) -> str:
    """Mask secrets from the environment in a message shown to a person."""
    names = ("TELEGRAM_BOT_TOKEN", "HF_TOKEN", "TRACKER_HUB_WEBHOOK_SECRET")
    return logsafe.SecretFilter(os.environ.get(k, "") for k in names).scrub(text)


if __name__ == "__main__":
    sys.exit(main())
