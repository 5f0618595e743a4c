"""One writer at a time on a SQLite file, across threads and processes.

SQLite admits one writer; a second one is told "database is locked" (DuckDB's sqlite extension
sets no busy timeout, so the lake's catalog fails at once) or sleeps and polls (Python's
sqlite3). Queueing on an OS file lock beside the database instead wakes the next writer the
moment the last one is done, and a killed process drops its lock with its file descriptor.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_locks: dict[str, WriteLock] = {}
_locks_guard = threading.Lock()


class WriteLock:
    """An exclusive lock on ``path``: a thread lock inside the process, ``flock`` across them."""

    def __init__(self, path: str) -> None:
        self._threads = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


def write_lock_for(database_file: str) -> WriteLock:
    """The process's one lock for ``database_file`` (``<file>.write.lock`` beside it)."""
    path = f"{database_file}.write.lock"
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = WriteLock(path)
        return lock
