"""The CLI's shared argument pieces: the parser class, UsageError, and the types of numbers, sizes and dates."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import NoReturn

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


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are UsageErrors (one line, exit status 2), not SystemExit."""

    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message:  # a bare `tracker`: show how it is used (other errors stay one line)
            commands = ", ".join(self._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
            raise UsageError(f"a command is needed, one of: {commands} (`tracker --help` says more)",
                             usage=self.format_usage().strip())
        raise UsageError(f"{self.prog}: {message}")


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The release filters shared by history, export and feed."""
    parser.add_argument("--lab", action="append", default=[], help="lab name or alias (repeatable)")
    parser.add_argument("--org", action="append", default=[], help="Hub organisation (repeatable)")
    parser.add_argument("--since", type=date_arg, help="released on or after DATE (YYYY-MM-DD or ISO 8601)")
    parser.add_argument("--until", type=until_arg, help="released on or before DATE")
    parser.add_argument("--min-params", type=params_arg, metavar="N", help="at least N parameters: 7B, 1.5b, 500M")
    parser.add_argument("--license", action="append", default=[], metavar="ID", help="license id (repeatable)")


def int_at_least(minimum: int) -> Callable[[str], int]:
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


def params_arg(text: str) -> int:
    from tracker.facts import parse_param_count

    value = parse_param_count(text[:100])
    if value is None or value < 0 or len(text) > 100:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a parameter count (try 7B, 1.5b, 500M or 7000000000)")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is more parameters than any model has (at most "
                                         f"{MAX_INT:,}, about 9.2 billion billion)")
    return value


def date_arg(text: str) -> datetime:
    """An argparse type: a date or ISO 8601 moment (its start)."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def until_arg(text: str) -> datetime:
    """An argparse type: a date (its end) or ISO 8601 moment."""
    try:
        return parse_date(text, end_of_day=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_date(text: str, end_of_day: bool = False) -> datetime:
    """An aware UTC datetime; a bare date means its start (or its end, with `end_of_day`)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
            moment = time.max.replace(microsecond=0) if end_of_day else time.min
            return datetime.combine(day, moment, tzinfo=UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or ISO 8601)") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
