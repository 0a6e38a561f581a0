"""One worker thread that runs collector attempts in order, replaceable when one hangs."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

Job = Callable[[], None]
Jobs = queue.SimpleQueue[Job | None]


class Lane:
    """Runs jobs one after another on a long-lived thread.

    A new thread per collector run, or collectors running side by side and fighting
    over the GIL, cost more than most collectors take (1.9 ms against 0.8 ms for the
    default live collectors), so a scrape's live collectors run in one lane, in turn.
    Python cannot kill a thread: when a job hangs, :meth:`replace` leaves the thread
    to it and moves the jobs still waiting to a new thread.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._jobs: Jobs | None = None
        self._closed = False

    def submit(self, job: Job) -> None:
        """Queue ``job``; the lane's thread starts on the first job."""
        with self._lock:
            self._enqueue([job])

    def replace(self) -> None:
        """Give the current thread up (to a hung job) and run waiting jobs on a new one."""
        with self._lock:
            old, self._jobs = self._jobs, None
            if old is None:
                return
            waiting: list[Job] = []
            while True:
                try:
                    job = old.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    waiting.append(job)
            old.put(None)
            if waiting:
                self._enqueue(waiting)

    def close(self) -> None:
        """End the thread after the jobs already queued; later jobs get threads of their own."""
        with self._lock:
            self._closed = True
            if self._jobs is not None:
                self._jobs.put(None)
                self._jobs = None

    def _enqueue(self, jobs: Sequence[Job]) -> None:
        if self._jobs is None:
            self._jobs = Jobs()
            threading.Thread(
                target=_serve, args=(self._jobs,), name=self._name, daemon=True
            ).start()
        for job in jobs:
            self._jobs.put(job)
        if self._closed:  # a scrape still running on a stopped engine
            self._jobs.put(None)
            self._jobs = None


def _serve(jobs: Jobs) -> None:
    while (job := jobs.get()) is not None:
        job()
