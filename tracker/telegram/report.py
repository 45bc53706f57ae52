"""What a delivery drain did, and how Telegram's failures read in the log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from tracker.outage import Outage, duration


@dataclass
class DeliveryReport:
    sent: int = 0
    edited: int = 0
    retried: int = 0
    dropped: int = 0
    failed: int = 0
    unreachable: int = 0  # sends that failed because Telegram itself did (network errors, 5xx)
    last_error: str = ""


_STATUS = re.compile(r"^(?P<phrase>[^()]*?) \((?P<code>\d{3})\)")


def short_error(message: str) -> str:
    """PTB's error text made short: "Bad Gateway (502). Parsing the server response ... failed" is
    "502 Bad Gateway"."""
    found = _STATUS.match(message)
    if found:
        return f"{found.group('code')} {found.group('phrase')}"
    return message.split(". Parsing the server response", 1)[0][:120] or "network error"


def failing_line(outage: Outage) -> str:
    sends = "send" if outage.failed == 1 else "sends"
    return f"Telegram failing: {outage.error} since {outage.since:%H:%M} UTC; {outage.failed} {sends} failed, retrying"


def recovered_line(outage: Outage, span: timedelta, done: int) -> str:
    return f"Telegram recovered after {duration(span)}; {done} message{'' if done == 1 else 's'} sent"
