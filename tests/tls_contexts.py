"""One TLS context per set of arguments for the whole test process, instead of one per HTTP client.

Every HTTP client loads the CA bundle into a new `ssl.SSLContext`: about 30 ms of CPU each. The fast tier
builds hundreds of clients (python-telegram-bot builds two per bot, huggingface_hub one per `tracker run`,
each Hub probe one more), which made a tenth of its CPU time. Tests speak plain HTTP to 127.0.0.1, and a
context is safe to share between clients (each connection gets its own `SSLSocket`), so `share()` makes
`ssl.create_default_context` and httpcore2's `default_ssl_context` return a context already built with the
same arguments. It changes no behaviour a test can see; processes started by tests build their own.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from typing import Any

import httpcore2


def _shared(build: Callable[..., ssl.SSLContext]) -> Callable[..., ssl.SSLContext]:
    built: dict[tuple[Any, ...], ssl.SSLContext] = {}

    @functools.wraps(build)
    def cached(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in built:
            built[key] = build(*args, **kwargs)
        return built[key]

    cached.shared = True  # type: ignore[attr-defined]
    return cached


def share() -> None:
    """Install the sharing (once per process; idempotent)."""
    if not getattr(ssl.create_default_context, "shared", False):
        ssl.create_default_context = _shared(ssl.create_default_context)
    if not getattr(httpcore2.default_ssl_context, "shared", False):
        httpcore2.default_ssl_context = _shared(httpcore2.default_ssl_context)
