"""File locks beside the database: one scheduler and one sending process per database.

Both are `flock` locks on a file next to the SQLite file (`<db>.scheduler.lock`,
`<db>.sending.lock`), so the OS releases them when the process dies, however it dies
(SIGKILL, power loss): a crash never leaves a stale lock behind. Each file holds the
holder's pid, for a person looking at it.

They wait on the real clock on purpose: what they wait for is another process, which runs
on real time whatever clock this one was handed.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _lock_path(db_path: Path, purpose: str) -> Path:
    return Path(f"{db_path}.{purpose}.lock")


def _try_lock(path: Path) -> IO[bytes] | None:
    """The lock file, opened and locked; None if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not opened for appending: pwrite below writes at offset 0 only without it.
    f = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+b", 0)
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    # Who holds it: a fixed-width overwrite, not truncate-and-write, which costs a metadata
    # update on every fan-out.
    os.pwrite(f.fileno(), f"{os.getpid():>10}\n".encode(), 0)
    return f


def _unlock(f: IO[bytes]) -> None:
    fcntl.flock(f, fcntl.LOCK_UN)
    f.close()


class SchedulerLock:
    """Held by the one `serve` process that runs the scheduler for a database: a second
    `serve` on the same file only answers Slack."""

    def __init__(self, db_path: Path) -> None:
        self.path = _lock_path(db_path, "scheduler")
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        self._file = _try_lock(self.path)
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            _unlock(self._file)
            self._file = None


class SendingLock:
    """Held while any thread of this process sends nudges; one sending process per database.

    Why: with it held, a claim another process left unconfirmed can only mean that process
    died mid-send (SIGKILL, power loss), so recovery settles it at once instead of waiting
    out a timeout. Threads of one process share it (a count). One object per process and
    database: two in one process would block each other (flock is per open file).
    """

    def __init__(self, db_path: Path) -> None:
        self.path = _lock_path(db_path, "sending")
        self._mutex = threading.Lock()
        self._holders = 0
        self._file: IO[bytes] | None = None

    @contextmanager
    def held(self, timeout: float = 600.0, poll: float = 0.05) -> Iterator[None]:
        """Hold the lock for the block, waiting up to `timeout` seconds for another
        process to let go; SendingBusy after that."""
        self._acquire(timeout, poll)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, timeout: float, poll: float) -> None:
        with self._mutex:
            if self._holders == 0:
                deadline = time.monotonic() + timeout
                while (f := _try_lock(self.path)) is None:
                    if time.monotonic() > deadline:
                        raise SendingBusy(self.path)
                    time.sleep(poll)
                self._file = f
            self._holders += 1

    def _release(self) -> None:
        with self._mutex:
            self._holders -= 1
            if self._holders == 0 and self._file is not None:
                _unlock(self._file)
                self._file = None


class SendingBusy(RuntimeError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"another Headway process has been sending nudges for this database "
                         f"for too long ({path} is locked); try again later")
