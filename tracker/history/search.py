"""Free-text search over stored releases, newest first (the bot's inline mode).

Every word of the query must match the release (AND). A word matches when it is part of the repo id,
lab, organisation, family or license id (case-insensitive substring), or names a watched lab by an alias
(`glm` → Zhipu), or is `moe` and the release is a mixture of experts, or is a size (`235b`) within 3% of
the release's total parameters. An empty query lists the latest releases. Removed models are left out.

A substring search cannot use a B-tree index, and a table scan of 100,000 rows in SQL costs 150 ms and
more (bench/bench_inline.py). So the index keeps the few searched fields of every release in memory,
newest first (about 20 MB for 100,000 releases), and also as one string, one line per release: the
longest plain word is found with `str.find` (C speed, no Python loop over rows that cannot match), the
other words are tested on those candidates only, and only the newest matching rows are read. Searching
reads nothing from the store (but for the first build): whoever holds the index calls `refresh()`, which
takes in new rows (by id) and changed ones (by models.updated_at, dropping removed ones), each an indexed
query, and rebuilds the whole index every few minutes as a backstop (`generation` counts the rebuilds). The
bot refreshes it every 2 s (tracker.bot.inline_index); `search()` reads the rows it returns fresh from the store.
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.facts import parse_param_count
from tracker.store.engine import Engine
from tracker.store.queries import ModelRow, changed_searchable, changed_stamps, models_by_ids, searchable
from tracker.watchlist import Watchlist

MAX_WORDS = 8
MAX_OFFSET = 10_000
REBUILD_EVERY = 300.0
# How long after its stamp a change is looked for: a write is stamped before it commits (a busy SQLite waits up
# to 30 s for its lock), and a `tracker refacts` on another machine may run on a clock a little off.
CHANGES_SEEN_FOR = timedelta(seconds=120)
_SIZE_WORD = re.compile(r"[0-9]+(\.[0-9]+)?[kmbt]")


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    released: str
    hay: str
    lab: str
    is_moe: bool
    params: int


def words_of(query: str) -> list[str]:
    """The query's words, lower-cased, de-duplicated, at most MAX_WORDS."""
    return list(dict.fromkeys(query.lower().split()))[:MAX_WORDS]


def _entry(row: Any) -> _Entry:
    fields = (row.repo_id, row.lab, row.org, row.family, row.license_id, row.license)
    hay = " ".join(str(v).replace("\n", " ") for v in fields if v)
    released = row.released_at if isinstance(row.released_at, str) else str(row.released_at or "")
    return _Entry(int(row.id), released, hay.lower(), row.lab, bool(row.is_moe), int(row.params_total or 0))


Test = Callable[[_Entry], bool]


class SearchIndex:
    """The searchable fields of every stored release, in memory, newest first (thread-safe)."""

    def __init__(self, engine: Engine, watchlist: Watchlist | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.watchlist, self.clock = engine, watchlist, clock
        # (entries newest first, their texts as one string, where each entry's line starts): replaced as a
        # whole, so a search running while another thread refreshes reads one consistent snapshot
        self._snapshot: tuple[list[_Entry], str, list[int]] = ([], "", [])
        self._max_id = 0
        self._stamps: dict[int, str] = {}  # updated_at of the rows changed lately, as taken in
        self._built: float | None = None
        self.generation = 0  # whole rebuilds so far
        self._lock = threading.Lock()

    def refresh(self) -> set[int]:
        """Take in new and changed releases and drop removed ones; rebuild everything when the index is older
        than REBUILD_EVERY. Returns the ids of the known releases that changed (a rebuild changes
        `generation` instead)."""
        with self._lock:
            now = self.clock()
            since = datetime.now(UTC) - CHANGES_SEEN_FOR
            if self._built is None or now - self._built > REBUILD_EVERY:
                # the changes read first: one that lands between the two reads is taken in again next time
                self._stamps = changed_stamps(self.engine, since)
                entries = [_entry(row) for row in searchable(self.engine, 0)]
                self._built, self._max_id = now, max((e.id for e in entries), default=0)
                self.generation += 1
                changed: set[int] = set()
            else:
                fresh = {row.id: row for row in searchable(self.engine, self._max_id)}
                stamps = changed_stamps(self.engine, since)  # the rows of the window are read only when one moved
                moved = [] if stamps.items() <= self._stamps.items() else [
                    row for row in changed_searchable(self.engine, since) if self._stamps.get(row.id) != row.updated_at]
                self._stamps = stamps | {row.id: row.updated_at for row in moved}
                if not fresh and not moved:
                    return set()
                changed = {row.id for row in moved} - fresh.keys()
                fresh.update((row.id, row) for row in moved)
                removed = {row.id for row in moved if row.status == "removed"}
                entries = [e for e in self._snapshot[0] if e.id not in fresh]
                entries += [_entry(row) for i, row in fresh.items() if i not in removed]
                self._max_id = max(self._max_id, *fresh)
            entries.sort(key=lambda e: (e.released, e.id), reverse=True)
            starts, position = [], 0
            for entry in entries:
                starts.append(position)
                position += len(entry.hay) + 1
            self._snapshot = (entries, "\n".join(entry.hay for entry in entries), starts)
            return changed

    @staticmethod
    def _candidates(blob: str, starts: list[int], word: str) -> Iterator[int]:
        """Indexes of the entries whose text contains `word`, newest first."""
        start = 0
        while (found := blob.find(word, start)) >= 0:
            i = bisect_right(starts, found) - 1
            yield i
            if i + 1 >= len(starts):
                return
            start = starts[i + 1]

    def _test(self, word: str) -> Test | None:
        """A test for a word that can match more than a substring, None for a plain word."""
        labs = {lab.name for lab in self.watchlist.labs if lab.matches(word)} if self.watchlist else set()
        moe = word in ("moe", "mixture-of-experts")
        size = parse_param_count(word) if _SIZE_WORD.fullmatch(word) else None
        lo, hi = (int(size * 0.97), int(size * 1.03)) if size and size < 10**15 else (-1, -1)
        if not labs and not moe and lo < 0:
            return None
        return lambda e: word in e.hay or e.lab in labs or (moe and e.is_moe) or lo <= e.params <= hi

    def search_ids(self, query: str, limit: int = 50, offset: int = 0) -> list[int]:
        """Ids of up to `limit` matching releases, newest first, after skipping `offset` matches (from
        memory: the index is built here only the first time)."""
        if self._built is None:
            self.refresh()
        offset = min(max(offset, 0), MAX_OFFSET)
        words = words_of(query)
        entries, blob, starts = self._snapshot
        if not words:
            return [e.id for e in entries[offset:offset + limit]]
        plain = sorted((w for w in words if self._test(w) is None), key=len, reverse=True)
        tests: list[Test] = [t for w in words if (t := self._test(w)) is not None]
        tests += [(lambda e, w=w: w in e.hay) for w in plain[1:]]
        candidates = (entries[i] for i in self._candidates(blob, starts, plain[0])) if plain else iter(entries)
        need, found = offset + limit, []
        for entry in candidates:
            if all(test(entry) for test in tests):
                found.append(entry.id)
                if len(found) >= need:
                    break
        return found[offset:]

    def search(self, query: str, limit: int = 50, offset: int = 0) -> list[ModelRow]:
        """The matching releases themselves, read fresh from the store, newest first."""
        return models_by_ids(self.engine, self.search_ids(query, limit, offset))
