"""A TCP relay that can lose the network: `cut()` stops relaying without closing anything (stdlib only).

Like a dead link: connections stay open, bytes sent are accepted by the kernel and never answered, new
connections are accepted and never relayed. Put it between a client and a server to test what the client
does when the server silently disappears::

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql://u@127.0.0.1:{proxy.port}/db"
        ...
        proxy.cut()
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class TcpProxy:
    """Relays 127.0.0.1:`port` to `host`:`target_port` until `cut()`."""

    def __init__(self, host: str, target_port: int) -> None:
        self.target = (host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def cut(self) -> None:
        """From now on, nothing gets through in either direction (and nothing is closed)."""
        self._cut.set()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self._cut.is_set():
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._sockets.append(upstream)
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while not self._closed.is_set() and not self._cut.is_set():
            try:
                ready, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in ready:
                    if self._cut.is_set():
                        return
                    data = sock.recv(65536)
                    if not data:
                        for s in peers:
                            s.close()
                        return
                    peers[sock].sendall(data)
            except (OSError, ValueError):
                return
