"""Advisory file locks (`fcntl.flock`): held while the process lives, released by the kernel when it dies.

Used beside a SQLite file, where every instance runs on the same machine: a killed holder frees its lock
at once, so a waiting instance never has to guess whether the holder is still alive.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX (Windows): no locking; run one instance per database there
    fcntl = None  # type: ignore[assignment]


class FileLock:
    """An exclusive lock on `path` (created 0600); the holder's pid is written into it for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it (also when it already did)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def acquire(self, timeout: float, poll: float = 0.1) -> bool:
        """Wait up to `timeout` seconds for the lock; True when taken."""
        deadline = time.monotonic() + timeout
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock now, without taking it (a shared probe, let go at once)."""
        if self._fd is not None or fcntl is None:
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False  # no lock file: nobody ever held it here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def holder_pid(self) -> int | None:
        """The pid the current holder wrote (best effort; None when unknown)."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None



class FileItselfLock:
    """An exclusive lock on a file itself (flock on the file, whatever name or hard link reaches it), held
    through one descriptor that stays open until `close()`.

    For the SQLite database: SQLite locks byte ranges with fcntl, which flock does not touch on Linux. A
    POSIX quirk drops a process's fcntl locks on a file when it closes any descriptor of it, so this opens
    the file once and closes it only when the process is done with the database (never between tries)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.held = False

    def _descriptor(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o600)
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if no other descriptor holds it; True when held (also when it already was)."""
        if self.held or fcntl is None:
            self.held = True
            return True
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        return True

    def held_elsewhere(self) -> bool:
        """Whether another process (or descriptor) holds the lock now, without keeping it."""
        if self.held or fcntl is None or not self.path.exists():
            return False
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        """Let the lock go and close the descriptor."""
        fd, self._fd, self.held = self._fd, None, False
        if fd is not None:
            os.close(fd)  # closing the descriptor also ends its flock


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL points at; None for other databases and for in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1] if "///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def lock_beside(database: Path, purpose: str) -> FileLock:
    """The lock file `<database>.<purpose>.lock` (beside the real file, whatever path or link names it)."""
    database = database.resolve()
    return FileLock(database.with_name(f"{database.name}.{purpose}.lock"))
