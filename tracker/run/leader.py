"""Leader election: of the `tracker run` instances on one database, exactly one acts.

The leader polls, delivers and runs the bot; the others wait as hot standbys (their HTTP server answers,
with `role` "standby") and take over when the leader goes.

- PostgreSQL: a lease row (`leader_lease`), renewed every `ttl / 5` seconds, expiring `ttl` seconds after
  its last renewal on the database server's clock. A leader that cannot renew stops acting `ttl / 2`
  seconds after the start of its last successful renewal, and exits within `STEP_DOWN` (at most `ttl / 5`)
  seconds more: always before the lease can expire, so a standby never acts alongside it (a lost network
  included). Unlike a session advisory lock, nothing lingers on a dead TCP connection: the lease expires.
  Its queries live in tracker.store.leases.
- SQLite: an exclusive flock on the database file itself (whatever path or hard link reaches it), freed by
  the kernel when its holder exits or is killed, so a standby on the same machine takes over within a
  second; `tracker.db.leader.lock` beside it names the holder's pid.
- In-memory SQLite: nothing to share; the one instance leads.

`tracker poll` takes the same claim for its duration, and refuses while a `tracker run` leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from tracker.store.engine import Engine, StoreError, is_sqlite
from tracker.store.filelock import FileItselfLock, lock_beside, sqlite_path
from tracker.store.leases import LeaseTable
from tracker.store.tables import utcnow

log = logging.getLogger(__name__)

ROLE_LEADER = "leader"
ROLE_STANDBY = "standby"
LEASE_NAME = "tracker"
STEP_DOWN = 3.0  # seconds a leader that lost its lease has to stop before the process is ended


class LeaderActive(StoreError):
    """`tracker poll` while a `tracker run` leads: refused, so the two never send alongside each other."""


class LeadershipLost(StoreError):
    """The leader could not renew its lease: it stopped acting, and the process exits (a supervisor
    restarts it, as a standby)."""


class Claim(Protocol):
    """One way of being the only one: taken, renewed (when it expires) and released."""

    expires: bool

    def try_acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...

    def holder(self) -> str: ...

    def current(self) -> str | None: ...


class SoloClaim:
    """Nothing to share (in-memory SQLite): always the leader."""

    expires = False

    def try_acquire(self) -> bool:
        return True

    def renew(self) -> bool:
        return True

    def release(self) -> None:
        return None

    def holder(self) -> str:
        return "this process"

    def current(self) -> str | None:
        return None


class FileClaim:
    """SQLite: an exclusive flock on the database file itself, so no second path to it (a hard link, another
    name) and no deleted file beside it can admit a second leader; a lock file beside the database keeps the
    holder's pid for messages."""

    expires = False

    def __init__(self, database: os.PathLike[str] | str) -> None:
        self.database = Path(database)
        self.exclusive = FileItselfLock(self.database)
        self.lock = lock_beside(self.database, "leader")

    def try_acquire(self) -> bool:
        try:
            if not self.exclusive.try_acquire():
                return False
            self.lock.try_acquire()  # only names the holder: the database file's own lock decides
        except OSError as exc:
            raise StoreError(f"cannot lock the database {self.database} or write {self.lock.path}: "
                             f"{exc.strerror}") from None
        return True

    def renew(self) -> bool:
        return self.exclusive.held

    def release(self) -> None:
        self.lock.release()
        self.exclusive.close()

    def holder(self) -> str:
        pid = self.lock.holder_pid()
        return f"process {pid} on this machine" if pid else "another process on this machine"

    def current(self) -> str | None:
        """Who leads now (None: no `tracker run` holds the database's lock)."""
        return self.holder() if self.exclusive.held_elsewhere() else None


class LeaseClaim:
    """PostgreSQL: the `leader_lease` row, on a connection of its own with short network timeouts."""

    expires = True

    def __init__(self, table: LeaseTable, ttl: float, holder: str | None = None) -> None:
        self.ttl = ttl
        self.me = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.term: int | None = None
        self.table = table

    def try_acquire(self) -> bool:
        self.term = self.table.take(LEASE_NAME, self.me, self.ttl, utcnow())
        return self.term is not None

    def renew(self) -> bool:
        """Extend the lease; False when another instance holds it now."""
        return self.table.renew(LEASE_NAME, self.me, self.term, self.ttl)

    def release(self) -> None:
        """Let a standby take over at once (a clean stop)."""
        if self.term is None:
            return
        with contextlib.suppress(Exception):
            self.table.expire(LEASE_NAME, self.me, self.term)
        self.term = None
        self.table.dispose()

    def holder(self) -> str:
        found = None
        with contextlib.suppress(Exception):
            found = self.table.holder(LEASE_NAME)
        if found is not None and found[1] > 0:
            return f"{found[0]} (lease valid for {found[1]:.0f}s more)"
        return "another instance"

    def current(self) -> str | None:
        """Who holds a valid lease now (None: nobody does, or the database cannot say)."""
        found = self.holder()
        return None if found == "another instance" else found


def claim_for(database_url: str, engine: Engine, ttl: float) -> Claim:
    """The claim that fits the database: a lease row, a lock file, or none needed."""
    if is_sqlite(engine):
        path = sqlite_path(database_url)
        return FileClaim(path) if path is not None else SoloClaim()
    return LeaseClaim(LeaseTable(engine, ttl), ttl)


def current_leader(database_url: str, engine: Engine) -> str | None:
    """Which running tracker leads on this database now, as `tracker status` shows it (None: none does)."""
    claim = claim_for(database_url, engine, ttl=15.0)
    try:
        return claim.current()
    finally:
        if isinstance(claim, LeaseClaim):
            claim.table.dispose()


class Leadership:
    """Whether this instance leads (`is_leader`, `role`), waiting for it (`acquire`) and holding it (`keep`)."""

    def __init__(self, claim: Claim, ttl: float = 15.0) -> None:
        self.claim = claim
        self.ttl = ttl
        self.renew_every = ttl / 5
        self.give_up_after = ttl / 2
        self.check_every = min(2.0, max(0.5, ttl / 15))
        self.lost = threading.Event()
        self.step_down: Callable[[], None] = _exit_now  # ends the process if stopping takes too long
        self._leader = False
        self._valid_until = -math.inf

    @classmethod
    def for_database(cls, database_url: str, engine: Engine, ttl: float) -> Leadership:
        return cls(claim_for(database_url, engine, ttl), ttl)

    @property
    def is_leader(self) -> bool:
        """True while this instance leads and its claim is known to be valid now."""
        return self._leader and time.monotonic() < self._valid_until

    @property
    def role(self) -> str:
        """"leader" or "standby" (for /healthz and the `tracker_leader` gauge)."""
        return ROLE_LEADER if self.is_leader else ROLE_STANDBY

    def _won(self, started: float) -> None:
        self._leader = True
        self._valid_until = started + self.give_up_after if self.claim.expires else math.inf

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait, as a standby, until this instance leads (True) or `stop` is set (False)."""
        said, failing = False, False
        while not stop.is_set():
            started = time.monotonic()
            attempt = asyncio.ensure_future(asyncio.wait_for(asyncio.to_thread(self.claim.try_acquire),
                                                             self.give_up_after))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({attempt, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not attempt.done():  # stopped while the database is slow to answer
                attempt.cancel()
                break
            try:
                won = attempt.result()
            except StoreError:
                raise  # a lock file that cannot be created: trying again would not help
            except Exception as exc:  # noqa: BLE001  (the database may be down; keep trying)
                if not failing:
                    log.warning("cannot reach the database to elect a leader (%s); retrying", _short(exc))
                failing, won = True, False
            else:
                if failing:
                    log.info("the database answers again")
                failing = False
            if won:
                self._won(started)
                log.info("this instance is the leader: it polls, delivers and runs the bot")
                return True
            if not said and not failing:
                holder = await asyncio.to_thread(self.claim.holder)
                log.info("standby: %s is the leader; this instance takes over if it stops", holder)
                said = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.check_every)
        return False

    async def keep(self, stop: asyncio.Event) -> None:
        """Renew the claim until `stop`; returns early, with `lost` set, when it cannot be held."""
        if not self.claim.expires:
            await stop.wait()
            return
        problem: str | None = None
        while not stop.is_set():
            started = time.monotonic()
            try:
                ok: bool | None = await asyncio.wait_for(asyncio.to_thread(self.claim.renew),
                                                         max(0.1, self._valid_until - started))
            except Exception as exc:  # noqa: BLE001  (a timeout or a database error: retried until the deadline)
                ok, problem = None, _short(exc) or "the database did not answer"
            if ok:
                if problem is not None:
                    log.info("leader lease renewed again after a failure")
                self._valid_until, problem = started + self.give_up_after, None
            elif ok is False:
                self._lose("another instance holds the leader lease now")
                return
            elif time.monotonic() >= self._valid_until:
                self._lose(f"could not renew the leader lease for {self.give_up_after:.0f}s ({problem})")
                return
            else:
                log.warning("could not renew the leader lease (%s); retrying", problem)
            pause = min(self.renew_every - (time.monotonic() - started), self._valid_until - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, pause))

    def _lose(self, why: str) -> None:
        self._leader = False
        log.error("lost the leadership: %s; stopping at once so that a standby can take over", why)
        self.lost.set()
        # Whatever still runs (a thread stuck on the network) must not outlive the lease.
        timer = threading.Timer(min(STEP_DOWN, self.ttl / 5), self.step_down)
        timer.daemon = True
        timer.start()

    async def release(self) -> None:
        """Give the claim up (a clean stop): a standby takes over at once."""
        was, self._leader = self._leader, False
        if was:
            await asyncio.to_thread(self.claim.release)

    @contextlib.contextmanager
    def one_shot(self) -> Iterator[None]:
        """Hold the claim for a one-shot command (`tracker poll`); refuse while a `tracker run` leads."""
        try:
            won = self.claim.try_acquire()
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"cannot reach the database to check for a running tracker: {_short(exc)}") from None
        if not won:
            raise LeaderActive(f"a `tracker run` is active on this database ({self.claim.holder()}); it polls and "
                               "delivers by itself, and `tracker poll` would send alongside it. Stop it first "
                               "(history, stats and export work meanwhile)")
        self._won(time.monotonic())
        done = threading.Event()
        heartbeat = threading.Thread(target=self._renew_until, args=(done,), name="lease", daemon=True)
        if self.claim.expires:
            heartbeat.start()
        try:
            yield
        finally:
            done.set()
            if heartbeat.is_alive():
                heartbeat.join(timeout=self.renew_every)
            self._leader = False
            self.claim.release()

    def _renew_until(self, done: threading.Event) -> None:
        while not done.wait(self.renew_every):
            try:
                if not self.claim.renew():
                    log.warning("another instance took the leader lease during this poll")
                    return
            except Exception as exc:  # noqa: BLE001
                log.warning("could not renew the leader lease (%s)", _short(exc))


def _exit_now() -> None:
    log.error("exiting: the leader lease is lost")
    logging.shutdown()
    os._exit(1)


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
