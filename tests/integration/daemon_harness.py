"""`tracker run` in-process: the daemon's Runtime on its own event loop in a thread, from sync tests.

Built as the `run` command builds it (settings from the test's environment, the watchlist, the store,
the one warning about Telegram settings), with the log captured as the process's stderr would be. The
loop records the SIGINT/SIGTERM handlers the Runtime installs instead of installing them (signals reach
only the main thread), and `stop()` calls the SIGINT one on the loop, as a Ctrl-C would.

    running = InProcessRun(tracker)
    running.wait_polls(fake_hub)
    err = running.stop()

The Runtime is paced faster than a process would be, through its constructor's seam: a poll interval of 1 s
(the shortest a user may set) polls every FAST_POLL seconds here (`fast_poll=`). The health rule and every
other reader of TRACKER_POLL_INTERVAL still see the interval set; tests that wait count poll cycles.
While Telegram is unreachable, the sender asks whether it is back at the same pace (`probe_every`).
`flood_clock=` puts the Runtime's Telegram limiter on a VirtualClock, for tests that do not measure
Telegram's pacing (give the fake Bot API the same clock: `telegram.count_limits_on(clock.now)`); `clock=`
(a ShiftedClock) is the sender's, for a test that ends a delivery's backoff with `clock.advance(seconds)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from tests.clock import ShiftedClock, VirtualClock
from tests.conftest import TEST_WATCHLIST, Tracker
from tests.fakes.hub import FakeHub
from tests.http_harness import HealthClient, free_port
from tests.inprocess import _isolated
from tracker import logsafe
from tracker.cli.main import _setup_logging
from tracker.config import load_settings
from tracker.run.daemon import Runtime
from tracker.run.wiring import open_store, telegram_ready
from tracker.telegram.ratelimit import SlidingWindowLimiter
from tracker.watchlist import load_watchlist, parse_watchlist

ORGS = len(parse_watchlist(TEST_WATCHLIST, "test").orgs)
FAST_POLL = 0.2


class _RecordingLoop(asyncio.SelectorEventLoop):
    """An event loop for a thread: signal handlers are recorded, for `InProcessRun` to call."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: dict[int, tuple[Callable[..., Any], tuple[Any, ...]]] = {}

    def add_signal_handler(self, sig: int, callback: Callable[..., Any], *args: Any) -> None:
        self.handlers[sig] = (callback, args)

    def remove_signal_handler(self, sig: int) -> bool:
        return self.handlers.pop(sig, None) is not None


class _Exit:
    """What a test reads of the process it replaces: `pid`, `poll()` (None while running), `returncode`."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


class InProcessRun:
    """A `tracker run` in a thread of this process, stopped with its SIGINT handler (Ctrl-C) at the end."""

    def __init__(self, tracker: Tracker, flood_clock: VirtualClock | None = None,
                 fast_poll: float = FAST_POLL, clock: ShiftedClock | None = None) -> None:
        self.proc = _Exit()
        self._flood_clock, self._fast_poll, self._clock = flood_clock, fast_poll, clock
        self._err, self._out = io.StringIO(), io.StringIO()
        self._env = contextlib.ExitStack()
        self._env.enter_context(_isolated(tracker.cwd, tracker.env))  # for the Runtime's whole life
        self._env.enter_context(contextlib.redirect_stdout(self._out))  # the console sink's alerts
        try:
            self._start()
        except BaseException:
            self._env.close()
            raise

    def _start(self) -> None:
        with contextlib.redirect_stderr(self._err):
            _setup_logging(verbose=False)  # as `main()` does: a stream handler on this run's stderr
        self._handler = logging.getLogger().handlers[-1]
        self._handler.keep = True  # type: ignore[attr-defined]  (a CLI call meanwhile leaves it in place)
        self.settings = load_settings()
        secrets = (self.settings.hf_token, self.settings.telegram_bot_token, self.settings.hub_webhook_secret)
        logsafe.install(s.get_secret_value() for s in secrets if s)
        telegram_ready(self.settings, check_token=False)
        self.store = open_store(self.settings)
        self._watchlist = load_watchlist(self.settings.watchlist)
        self._loop = _RecordingLoop()
        self._thread = threading.Thread(target=self._run, name="tracker-run", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
            self.proc.returncode = 0
        except BaseException as exc:  # noqa: BLE001  (the CLI's one line, or a traceback when unexpected)
            self._err.write(f"error: {exc}\n" if type(exc).__name__ == "LeadershipLost" else traceback.format_exc())
            self.proc.returncode = 1
        finally:
            self._loop.close()

    async def _main(self) -> None:
        """`run_forever`, paced for tests (see the module's docstring)."""
        poll_every = self._fast_poll if self.settings.poll_interval <= 1 else None
        clock = self._flood_clock
        limiter = None if clock is None else SlidingWindowLimiter(clock=clock.now, sleep=clock.asleep)
        paced: dict[str, Any] = {} if poll_every is None else {"probe_every": poll_every}
        if self._clock is not None:
            paced["telegram_clock"] = self._clock.now
        await Runtime(self.settings, self.store, self._watchlist, poll_every=poll_every, flood_limiter=limiter,
                      **paced).run()

    def interrupt(self, sig: int = signal.SIGINT) -> None:
        """What the signal does to the process: the handler the Runtime installed, called on its loop."""
        callback, args = self._loop.handlers[sig]
        self._loop.call_soon_threadsafe(callback, *args)

    def wait_polls(self, hub: FakeHub, cycles: int = 1, timeout: float = 45) -> None:
        """Until the tracker has listed every watched organisation `cycles` more times (a whole cycle, so
        that a change never races its first look)."""
        target = (hub.count(kind="list") // ORGS + cycles) * ORGS
        deadline = time.time() + timeout
        while hub.count(kind="list") < target:
            assert self.proc.poll() is None, self.stop()
            assert time.time() < deadline, "tracker did not poll in time"
            time.sleep(0.05)

    def stop(self, timeout: float = 45, sig: int = signal.SIGINT) -> str:
        """Ctrl-C (or `sig`), wait for the clean stop; returns the log (stderr)."""
        deadline = time.time() + 10  # a stop right after the start: once the Runtime listens for Ctrl-C
        while self._thread.is_alive() and signal.SIGINT not in self._loop.handlers and time.time() < deadline:
            time.sleep(0.01)
        if self._thread.is_alive() and signal.SIGINT in self._loop.handlers:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self.interrupt(sig)
        self._thread.join(timeout)
        if self._env is not None:  # the process's environment back, even when the stop failed
            self.store.close()
            logging.getLogger().removeHandler(self._handler)
            self._env.close()
            self._env = None  # type: ignore[assignment]
        assert not self._thread.is_alive(), f"tracker run did not stop:\n{self._err.getvalue()}"
        return self._err.getvalue()

    def close(self) -> None:
        """At a test's end: stop it if still running, and give the process back its environment."""
        InProcessRun.stop(self)

    @property
    def err(self) -> str:
        return self._err.getvalue()

    @property
    def out(self) -> str:
        return self._out.getvalue()


class InProcessServed(InProcessRun, HealthClient):
    """`InProcessRun` with its HTTP server on a known port (the in-process `Served`); stopped with SIGTERM."""

    def __init__(self, tracker: Tracker, **env: str) -> None:
        self.port = free_port()
        tracker.env.update({"TRACKER_HTTP_PORT": str(self.port), **env})
        super().__init__(tracker)
        self.base = f"http://127.0.0.1:{self.port}"
        self.wait_serving(lambda: None if self.proc.poll() is None else self.err)

    def stop(self, timeout: float = 30, sig: int = signal.SIGTERM) -> str:
        err = super().stop(timeout, sig)
        assert self.proc.returncode == 0, err
        assert "Traceback" not in err, err
        return err
