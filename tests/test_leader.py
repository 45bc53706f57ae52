"""Leader election (tracker.run.leader): the timing rules of the lease, and the lock file beside SQLite."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from tracker.run.leader import FileClaim, LeaderActive, Leadership


class FlakyClaim:
    """A lease whose renewals can be made to fail, hang or find another holder."""

    expires = True

    def __init__(self) -> None:
        self.mode = "ok"
        self.renewals = 0
        self.released = False
        self.unblock = threading.Event()

    def try_acquire(self) -> bool:
        return True

    def renew(self) -> bool:
        self.renewals += 1
        if self.mode == "error":
            raise ConnectionError("server closed the connection unexpectedly")
        if self.mode == "hang":
            self.unblock.wait(10)
        return self.mode != "taken"

    def release(self) -> None:
        self.released = True

    def holder(self) -> str:
        return "host-b:42"


TTL = 2.0  # seconds: renewed every 0.4 s, given up after 1 s; the timing rules are ratios of it (a lease of
# 15 s in production), so a short one checks them as well while the tests wait less (a renewal may still be
# late by 0.6 s under load before the leader doubts itself)


def leadership(claim: FlakyClaim, ttl: float = TTL) -> tuple[Leadership, list[float]]:
    lead = Leadership(claim, ttl)
    exits: list[float] = []
    lead.step_down = lambda: exits.append(time.monotonic())
    return lead, exits


async def hold(lead: Leadership, claim: FlakyClaim, mode: str, after: float = 0.3) -> float:
    """Lead, switch the claim to `mode` after a moment; returns seconds from the switch to the loss."""
    stop = asyncio.Event()
    assert await lead.acquire(stop)
    keeper = asyncio.create_task(lead.keep(stop))
    await asyncio.sleep(after)
    assert lead.is_leader and lead.role == "leader"
    claim.mode, switched = mode, time.monotonic()
    await asyncio.wait_for(keeper, timeout=10)
    claim.unblock.set()
    return time.monotonic() - switched


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_a_leader_that_cannot_renew_stops_within_half_the_lease(mode: str) -> None:
    claim = FlakyClaim()
    lead, exits = leadership(claim)
    took = asyncio.run(hold(lead, claim, mode))
    lost = time.monotonic()
    assert lead.lost.is_set() and not lead.is_leader and lead.role == "standby"
    assert took <= lead.give_up_after + 0.2  # the lease itself lasts `ttl`: stopped with time to spare
    deadline = lost + 5
    while not exits and time.monotonic() < deadline:
        time.sleep(0.02)
    # and the process is ended soon after (STEP_DOWN, or a fifth of the lease), whatever still runs in it
    assert len(exits) == 1 and exits[0] - lost <= min(3.0, lead.ttl / 5) + 0.3, exits


def test_a_leader_whose_lease_was_taken_stops_at_once() -> None:
    claim = FlakyClaim()
    lead, _ = leadership(claim)
    took = asyncio.run(hold(lead, claim, "taken", after=0.1))
    assert lead.lost.is_set()
    assert took <= lead.renew_every + 0.3


def test_renewals_keep_a_healthy_leader_leading() -> None:
    claim = FlakyClaim()
    lead, exits = leadership(claim)

    async def main() -> None:
        stop = asyncio.Event()
        assert await lead.acquire(stop)
        keeper = asyncio.create_task(lead.keep(stop))
        await asyncio.sleep(lead.give_up_after + 1.0)
        assert lead.is_leader
        stop.set()
        await keeper
        await lead.release()

    asyncio.run(main())
    assert claim.renewals >= 3 and claim.released and not lead.lost.is_set() and exits == []


def test_the_lock_file_beside_sqlite_admits_one_holder(tmp_path: Path) -> None:
    db = tmp_path / "state" / "tracker.db"
    first, second = Leadership(FileClaim(db)), Leadership(FileClaim(db))
    with first.one_shot():
        assert first.is_leader
        with pytest.raises(LeaderActive, match="a `tracker run` is active on this database"), second.one_shot():
            pass
    assert not first.is_leader
    with second.one_shot():
        assert second.is_leader
    assert (db.parent / "tracker.db.leader.lock").stat().st_mode & 0o777 == 0o600


def test_a_second_path_to_the_sqlite_file_cannot_make_a_second_leader(tmp_path: Path) -> None:
    db = tmp_path / "state" / "tracker.db"
    db.parent.mkdir()
    db.write_bytes(b"")
    (tmp_path / "other").mkdir()
    linked = tmp_path / "other" / "same.db"
    os.link(db, linked)  # a hard link: another name, another folder, the same file
    first, second = Leadership(FileClaim(db)), Leadership(FileClaim(linked))
    with first.one_shot():
        with pytest.raises(LeaderActive), second.one_shot():
            pass
        assert FileClaim(linked).current() is not None  # `tracker status` through the other path sees it too
    with second.one_shot():
        assert second.is_leader


def test_deleting_the_lock_file_beside_sqlite_does_not_make_a_second_leader(tmp_path: Path) -> None:
    db = tmp_path / "state" / "tracker.db"
    first, second = Leadership(FileClaim(db)), Leadership(FileClaim(db))
    with first.one_shot():
        (db.parent / "tracker.db.leader.lock").unlink()  # someone cleans up "stale" files while it runs
        with pytest.raises(LeaderActive), second.one_shot():
            pass
    with second.one_shot():
        assert second.is_leader


def test_a_standby_stops_at_once_even_when_the_database_does_not_answer() -> None:
    claim = FlakyClaim()
    claim.try_acquire = lambda: claim.unblock.wait(10) and False  # type: ignore[method-assign]
    lead, _ = leadership(claim)

    async def main() -> float:
        stop = asyncio.Event()
        waiting = asyncio.create_task(lead.acquire(stop))
        await asyncio.sleep(0.3)
        stop.set()
        asked = time.monotonic()
        assert await asyncio.wait_for(waiting, timeout=5) is False
        took = time.monotonic() - asked
        claim.unblock.set()  # (the stuck thread ends when its connection times out)
        return took

    try:
        assert asyncio.run(main()) < 0.5
    finally:
        claim.unblock.set()
    assert lead.role == "standby"
