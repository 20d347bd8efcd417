"""One writer per archive: an OS file lock on ``<archive>.lock`` held for a whole crawl.

``fcntl.flock`` locks belong to the open file; the kernel drops them when the process ends
in any way, SIGKILL included, so a killed crawl never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class ArchiveLockedError(RuntimeError):
    """Another process holds the archive's lock (a crawl or an ingest is writing to it)."""


def lock_path_for(db_path: str | Path) -> Path:
    """Return the lock file that guards the archive at ``db_path``."""
    return Path(str(db_path) + ".lock")


class ArchiveLock:
    """Hold the archive's lock, without waiting: fail at once when another process has it."""

    def __init__(self, db_path: str | Path):
        self.path = lock_path_for(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ArchiveLockedError naming the holder's process id."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ArchiveLockedError(
                "archive %s is in use by another crawl (process %s); lock file %s"
                % (str(self.path)[: -len(".lock")], holder, self.path)
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, b"%d\n" % os.getpid())
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (the file stays: removing it would race with the next taker)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
