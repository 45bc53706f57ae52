"""The fakes' HTTP server base: a client that goes away mid-request is not an error worth a traceback."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that says nothing when a client disconnects mid-request (a killed tracker), as the
    real servers do; any other handler error is still printed."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
