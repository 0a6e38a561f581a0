"""Run one collector with a hard timeout and classify how it ended."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from prometheus_client.core import Metric

from netwatch.core.collector import Collector
from netwatch.engine.lane import Lane

log = logging.getLogger("netwatch.engine")

FAILURE_REASONS = ("error", "timeout", "permission")
# A day: longer waits would overflow threading's timeout on some platforms.
LONGEST_WAIT = 86400.0
STILL_HUNG = "previous run still hung past its timeout"


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
    done: threading.Event = field(default_factory=threading.Event)
    families: tuple[Metric, ...] = ()
    error: BaseException | None = None
    duration: float = 0.0
    ended: float | None = None
    abandoned: bool = False
    skipped: bool = False


class CollectorRunner:
    """Runs a collector in a :class:`Lane` and gives up on a run at its timeout.

    A run that hangs keeps its lane's thread (Python cannot kill a thread); until it
    ends, later runs fail at once with reason ``timeout`` instead of piling up, and
    runs already queued behind it are skipped.
    """

    def __init__(self, name: str, collector: Collector) -> None:
        self.name = name
        self.collector = collector
        self._lock = threading.Lock()
        self._hung: _Attempt | None = None
        self._last_reason: str | None = None
        self._own_lane: Lane | None = None
        self.failures = dict.fromkeys(FAILURE_REASONS, 0)

    def run(self, timeout: float) -> RunOutcome:
        """Run once in the runner's own lane, waiting at most ``timeout`` seconds."""
        if self._own_lane is None:
            self._own_lane = Lane(f"collector-{self.name}")
        started = time.monotonic()
        attempt = self.begin(self._own_lane)
        outcome = self.finish(attempt, started, timeout)
        if self.is_given_up(attempt):
            self._own_lane.replace()
        return outcome

    def close(self) -> None:
        """End the runner's own lane thread (after a run in progress)."""
        if self._own_lane is not None:
            self._own_lane.close()

    def begin(self, lane: Lane) -> _Attempt | RunOutcome:
        """Queue a run in ``lane``; a failed outcome at once while a run is hung."""
        if self._still_hung():
            return self._finish(0.0, None, "timeout", STILL_HUNG)
        attempt = _Attempt()
        lane.submit(lambda: self._work(attempt))
        return attempt

    def finish(self, attempt: _Attempt | RunOutcome, since: float, timeout: float) -> RunOutcome:
        """Wait for a run begun with :meth:`begin` until ``timeout`` seconds after ``since``.

        A run not done by then is given up on; the caller replaces the lane.
        """
        if isinstance(attempt, RunOutcome):
            return attempt
        remaining = timeout - (time.monotonic() - since)
        if not attempt.done.wait(min(max(remaining, 0.0), LONGEST_WAIT)):
            with self._lock:
                attempt.abandoned = True
                self._hung = attempt
            return self._finish(
                time.monotonic() - since, None, "timeout", f"did not finish within {timeout:.3g}s"
            )
        if attempt.skipped:
            return self._finish(0.0, None, "timeout", STILL_HUNG)
        if attempt.error is None:
            return self._finish(attempt.duration, attempt.families, None, None)
        kind, reason = classify(attempt.error)
        return self._finish(attempt.duration, None, kind, reason)

    def is_given_up(self, attempt: _Attempt | RunOutcome) -> bool:
        """True when ``attempt`` timed out and is still running (its lane must be replaced)."""
        return isinstance(attempt, _Attempt) and attempt.abandoned and not attempt.done.is_set()

    def ended(self, attempt: _Attempt | RunOutcome) -> float | None:
        """When ``attempt``'s run ended (monotonic clock); None while running or not run."""
        return attempt.ended if isinstance(attempt, _Attempt) else None

    def _still_hung(self) -> bool:
        with self._lock:
            if self._hung is not None and self._hung.done.is_set():
                self._hung = None
            return self._hung is not None

    def _work(self, attempt: _Attempt) -> None:
        if attempt.abandoned or self._still_hung():
            attempt.skipped = True
            attempt.ended = time.monotonic()
            attempt.done.set()
            return
        started = time.monotonic()
        try:
            attempt.families = tuple(self.collector.collect())
        except BaseException as exc:  # noqa: BLE001 - reported as the collector's failure
            attempt.error = exc
        finally:
            attempt.ended = time.monotonic()
            attempt.duration = attempt.ended - started
            attempt.done.set()

    def _finish(
        self,
        duration: float,
        families: tuple[Metric, ...] | None,
        kind: str | None,
        reason: str | None,
    ) -> RunOutcome:
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
