"""Run one collector with a hard timeout and classify how it ended."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from prometheus_client.core import Metric

from netwatch.core.collector import Collector

log = logging.getLogger("netwatch.engine")

FAILURE_REASONS = ("error", "timeout", "permission")
# A day: longer waits would overflow threading's timeout on some platforms.
LONGEST_WAIT = 86400.0


@dataclass(frozen=True)
class RunOutcome:
    """The immutable result of one collector run."""

    success: bool
    duration: float
    finished_at: float
    families: tuple[Metric, ...] = ()
    reason: str | None = None


@dataclass
class _Attempt:
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    families: tuple[Metric, ...] = ()
    error: BaseException | None = None


class CollectorRunner:
    """Runs a collector in a worker thread and gives up on it at the timeout.

    Python cannot kill a thread, so a run that hangs keeps its thread; until it
    ends, later runs fail at once with reason ``timeout`` instead of piling up.
    """

    def __init__(self, name: str, collector: Collector) -> None:
        self.name = name
        self.collector = collector
        self._lock = threading.Lock()
        self._hung: _Attempt | None = None
        self._last_reason: str | None = None
        self.failures = dict.fromkeys(FAILURE_REASONS, 0)

    def run(self, timeout: float) -> RunOutcome:
        """Run once, waiting at most ``timeout`` seconds."""
        return self.finish(self.begin(), timeout)

    def begin(self) -> _Attempt | RunOutcome:
        """Start a run in its own thread; a failed outcome at once while a run is hung."""
        start = time.monotonic()
        with self._lock:
            hung = self._hung if self._hung and not self._hung.done.is_set() else None
            if hung is None:
                self._hung = None
        if hung is not None:
            return self._finish(start, None, "timeout", "previous run still hung past its timeout")
        attempt = _Attempt(started=start)
        worker = threading.Thread(
            target=self._work, args=(attempt,), name=f"collector-{self.name}", daemon=True
        )
        worker.start()
        return attempt

    def finish(self, attempt: _Attempt | RunOutcome, timeout: float) -> RunOutcome:
        """Wait for a run started by :meth:`begin` until ``timeout`` seconds after its start."""
        if isinstance(attempt, RunOutcome):
            return attempt
        remaining = timeout - (time.monotonic() - attempt.started)
        if not attempt.done.wait(min(max(remaining, 0.0), LONGEST_WAIT)):
            with self._lock:
                self._hung = attempt
            return self._finish(
                attempt.started, None, "timeout", f"did not finish within {timeout:.3g}s"
            )
        if attempt.error is None:
            return self._finish(attempt.started, attempt.families, None, None)
        kind, reason = classify(attempt.error)
        return self._finish(attempt.started, None, kind, reason)

    def _work(self, attempt: _Attempt) -> None:
        try:
            attempt.families = tuple(self.collector.collect())
        except BaseException as exc:  # noqa: BLE001 - reported as the collector's failure
            attempt.error = exc
        finally:
            attempt.done.set()

    def _finish(
        self,
        start: float,
        families: tuple[Metric, ...] | None,
        kind: str | None,
        reason: str | None,
    ) -> RunOutcome:
        duration = time.monotonic() - start
        with self._lock:
            if kind is not None:
                self.failures[kind] += 1
            changed = reason != self._last_reason
            self._last_reason = reason
        if changed and reason is not None:
            log.warning("collector %s failed (%s): %s", self.name, kind, reason)
        elif changed:
            log.info("collector %s succeeded again", self.name)
        return RunOutcome(
            success=kind is None,
            duration=duration,
            finished_at=time.time(),
            families=families or (),
            reason=reason,
        )


def classify(error: BaseException) -> tuple[str, str]:
    """Map an exception to a failure kind and a one-line reason."""
    if isinstance(error, PermissionError):
        return "permission", f"permission denied: {error}"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    name = type(error).__name__
    return "error", f"{name}: {text}" if text else name
