"""One sender per workspace: a bounded pool of threads fed by per-workspace queues.

Why: sending is paced per workspace (Slack limits each workspace on its own), so a
workspace's fan-out spends most of its time waiting for its next turn. Done in one thread
for every workspace, those waits add up: 50 workspaces of 20 members took 48 times as long
as one. Here each workspace's work runs in a thread of its own, so W workspaces take about
as long as the slowest one alone, and one workspace's slow or rate-limited Slack holds up
no other.

The rules:
- at most one task at a time per key (a workspace): its sends stay in order and one
  pacer spaces them; its tasks run first in, first out;
- a task submitted while an equal one (same key and kind) waits unstarted is not queued
  twice: the waiting one reads the database when it starts, so it does the work of both
  (a tick that comes while a fan-out still runs adds nothing to its queue);
- at most `workers` keys at once; the others wait their turn in submission order;
- threads start on demand and end after `idle_seconds` without work, each closing its own
  database connection on the way out (`on_exit`).

The same class runs the scheduler's lanes (`bot.scheduler`): one key per lane.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from bot.units import unit_of_work

log = logging.getLogger(__name__)

# Threads that send at once. Each mostly waits (for its pacer's turn or Slack's answer);
# past a few dozen, a process's CPU is the limit, not the number of threads (README,
# "How many workspaces one process serves").
WORKERS = 64
IDLE_SECONDS = 120.0


@dataclass
class _Task:
    kind: str
    fn: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)
    started: bool = False


class Senders:
    """A bounded pool running each key's tasks one at a time, in order (see the module)."""

    def __init__(self, workers: int = WORKERS, *, name: str = "headway-sender",
                 idle_seconds: float = IDLE_SECONDS,
                 on_exit: Callable[[], None] | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.name = name
        self.idle_seconds = idle_seconds
        self.on_exit = on_exit
        self._cond = threading.Condition()
        self._tasks: dict[str, deque[_Task]] = {}  # keys with work queued or running
        self._ready: deque[str] = deque()  # keys waiting for a thread
        self._threads = 0
        self._idle = 0
        self._closed = False
        self._started = 0

    def submit(self, key: str, kind: str, fn: Callable[[], Any]) -> Future[Any]:
        """Queue `fn` as `key`'s task of this `kind`; its future tells when it has run
        (an exception it raises is logged as a failed unit and set on the future)."""
        with self._cond:
            if self._closed:  # the process is stopping: nothing new starts
                refused: Future[Any] = Future()
                refused.cancel()
                return refused
            tasks = self._tasks.get(key)
            if tasks is None:
                tasks = self._tasks[key] = deque()
                self._ready.append(key)
                self._wake()
            for task in tasks:
                if task.kind == kind and not task.started:
                    return task.future
            task = _Task(kind, fn)
            tasks.append(task)
            return task.future

    @property
    def busy(self) -> int:
        """Keys with work queued or running."""
        with self._cond:
            return len(self._tasks)

    @property
    def threads(self) -> int:
        with self._cond:
            return self._threads

    def join(self, timeout: float = 60.0) -> bool:
        """Wait until no key has work queued or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._tasks, timeout)

    def shutdown(self, timeout: float = 10.0) -> None:
        """No more tasks; idle threads end now, busy ones after their key's queue."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._threads == 0, timeout)

    def _wake(self) -> None:
        # Called holding the lock, with a key just made ready: an idle thread takes it,
        # or a new thread if every one is busy and the bound allows.
        if self._idle >= len(self._ready):
            self._cond.notify()
        elif self._threads < self.workers:
            self._threads += 1
            self._started += 1
            threading.Thread(target=self._work, name=f"{self.name}-{self._started}",
                             daemon=True).start()

    def _work(self) -> None:
        try:
            while (key := self._next_key()) is not None:
                self._drain(key)
        finally:
            if self.on_exit is not None:
                try:
                    self.on_exit()
                except Exception:
                    log.debug("%s: clean-up on exit failed", self.name, exc_info=True)
            with self._cond:
                self._threads -= 1
                self._cond.notify_all()

    def _next_key(self) -> str | None:
        with self._cond:
            while not self._ready:
                if self._closed:
                    return None
                self._idle += 1
                try:
                    woken = self._cond.wait(self.idle_seconds)
                finally:
                    self._idle -= 1
                if not woken and not self._ready:
                    return None  # idle long enough: the thread ends
            return self._ready.popleft()

    def _drain(self, key: str) -> None:
        while True:
            with self._cond:
                tasks = self._tasks[key]
                if not tasks:
                    del self._tasks[key]
                    self._cond.notify_all()  # for `join`
                    return
                task = tasks[0]
                task.started = True
            if task.future.set_running_or_notify_cancel():
                self._run(key, task)
            with self._cond:
                tasks.popleft()

    def _run(self, key: str, task: _Task) -> None:
        failed: list[str] = []
        with unit_of_work(task.kind, key, failed=failed):
            try:
                task.future.set_result(task.fn())
            except BaseException as exc:
                task.future.set_exception(exc)
                raise
