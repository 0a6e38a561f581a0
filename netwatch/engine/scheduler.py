"""Background workers for scheduled collectors: each publishes an immutable snapshot."""

from __future__ import annotations

import threading
import time

from netwatch.engine.runner import LONGEST_WAIT, CollectorRunner, RunOutcome


class ScheduledWorker:
    """Runs one collector every ``interval`` seconds in its own thread.

    The latest outcome and the latest successful outcome are swapped in as
    whole objects, so a scrape reads them without waiting or locking; so is
    ``next_run_at``, which stops moving when the worker does.
    """

    def __init__(self, runner: CollectorRunner, interval: float, timeout: float) -> None:
        self.runner = runner
        self.interval = interval
        self.timeout = timeout
        self.latest: RunOutcome | None = None
        self.last_good: RunOutcome | None = None
        # Unix time the next run is due: the watchdog metric that shows a stopped worker.
        self.next_run_at = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"schedule-{runner.name}", daemon=True
        )

    def start(self) -> None:
        """Start the first run now and then one every interval."""
        self.next_run_at = time.time()
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to stop; it exits after the current wait."""
        self._stop.set()
        self.runner.close()

    def join(self, timeout: float) -> None:
        """Wait for the worker thread to finish."""
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            outcome = self.runner.run(self.timeout)
            self.latest = outcome
            if outcome.success:
                self.last_good = outcome
            self.next_run_at = time.time() + self.interval
            self._pause(self.interval)

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` or until stopped, however long ``seconds`` is."""
        deadline = time.monotonic() + seconds
        remaining = seconds
        while remaining > 0 and not self._stop.wait(min(remaining, LONGEST_WAIT)):
            remaining = deadline - time.monotonic()
