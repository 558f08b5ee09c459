"""Django's SQLite backend, with writers taking turns through a lock file.

SQLite lets one connection write at a time. A second writer's ``BEGIN IMMEDIATE`` does not
wait in line: SQLite's busy handler puts it to sleep for 1, 2, 5, 10, … up to 100 ms and
retries, so under a steady stream of writes (two web workers, the background worker, two
e-mail ingesters) much of the machine's time is spent asleep while the database is free.

Here every write transaction first takes an exclusive ``flock`` on ``<database>.writer``
and gives it back at commit or rollback: a waiting writer polls it at most every
millisecond, so it starts within a millisecond of the previous one finishing. Readers never
touch it (WAL lets them read during a write). Past the connection's ``timeout`` the lock is
not waited for any longer and SQLite's own busy handling decides, as before. A process that
dies holding the lock loses it with its file descriptor.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db.backends.sqlite3 import base

#: The longest sleep between two tries of a busy lock (seconds).
MAX_POLL = 0.001


class WriterLock:
    """An exclusive lock file beside the database, per connection (its own descriptor, so
    threads with their own connections exclude each other too)."""

    def __init__(self, path: str, timeout: float):
        self.path, self.timeout = path, timeout
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        if self.held:
            return
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's busy handler takes over
                time.sleep(pause)
                pause = min(pause * 2, MAX_POLL)
                continue
            self.held = True
            return

    def release(self) -> None:
        if self.held and self.fd is not None:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _lock_path(name) -> str | None:
    """The lock file of a database file; None for in-memory databases."""
    name = str(name or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return f"{name}.writer"


class DatabaseWrapper(base.DatabaseWrapper):
    _writer: WriterLock | None = None

    def _writer_lock(self) -> WriterLock | None:
        path = _lock_path(self.settings_dict.get("NAME"))
        if path is None:
            return None
        if self._writer is None or self._writer.path != path:
            if self._writer is not None:
                self._writer.close()
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            self._writer = WriterLock(path, timeout)
        return self._writer

    def _start_transaction_under_autocommit(self):
        lock = self._writer_lock() if self.transaction_mode in ("IMMEDIATE", "EXCLUSIVE") else None
        if lock is not None:
            lock.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
