"""The fake Bot API without HTTP: a python-telegram-bot request class that calls :class:`FakeTelegram`
in-process, for tests that drive thousands of updates (property-based fuzzing) quickly.

The body is encoded as PTB's HTTP request would send it (form-urlencoded UTF-8, so a lone surrogate
fails here as it fails against the real server), then decoded and handed to the same method
implementations the HTTP fake serves.

    app = ApplicationBuilder().token(fake.token).request(InProcessRequest(fake)).build()
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from telegram.request import BaseRequest, RequestData

from .telegram_api import FakeTelegram


class InProcessRequest(BaseRequest):
    """PTB's BaseRequest answered by a FakeTelegram in the same process."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        body = request_data.url_encoded_parameters().encode("utf-8") if request_data else b""
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        status, payload = self.fake.call(name, params)
        return status, json.dumps(payload).encode("utf-8")

    def drain(self) -> None:
        """Forget queued updates (the tests hand updates to the Application directly)."""
        with self.fake._cond:
            self.fake._updates.clear()
