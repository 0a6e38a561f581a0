"""Combine live and scheduled collectors into one scrape."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from prometheus_client.core import Metric

from netwatch.core.collector import Collector
from netwatch.core.metrics import MetricSpec
from netwatch.engine.lane import Lane
from netwatch.engine.runner import FAILURE_REASONS, CollectorRunner, RunOutcome
from netwatch.engine.scheduler import ScheduledWorker

SUCCESS = MetricSpec(
    "netwatch_collector_success",
    "gauge",
    "1 when the collector's latest run succeeded, 0 when it raised, timed out or lacked privilege.",
    ("collector",),
)
DURATION = MetricSpec(
    "netwatch_collector_duration_seconds",
    "gauge",
    "How long the collector's latest run took.",
    ("collector",),
)
LAST_SUCCESS = MetricSpec(
    "netwatch_collector_last_success_timestamp_seconds",
    "gauge",
    "Unix time the collector last succeeded; scheduled collectors serve the data of that run.",
    ("collector",),
)
FAILURES = MetricSpec(
    "netwatch_collector_failures_total",
    "counter",
    "Failed collector runs since the agent started, by reason (error, timeout, permission).",
    ("collector", "reason"),
)
ENGINE_METRICS = (SUCCESS, DURATION, LAST_SUCCESS, FAILURES)


@dataclass(frozen=True)
class EngineCollector:
    """A collector ready to run, with its effective timing settings."""

    name: str
    collector: Collector
    timeout: float = 5.0
    interval: float | None = None

    @property
    def scheduled(self) -> bool:
        """True when it runs in the background on its own interval."""
        return self.interval is not None


class Engine:
    """Runs live collectors at scrape time and scheduled ones in background workers."""

    def __init__(self, collectors: Sequence[EngineCollector]) -> None:
        self._live = [
            (c, CollectorRunner(c.name, c.collector)) for c in collectors if not c.scheduled
        ]
        self._workers = [
            ScheduledWorker(CollectorRunner(c.name, c.collector), c.interval or 0.0, c.timeout)
            for c in collectors
            if c.scheduled
        ]
        self._lane = Lane("collectors-live")
        self._last_success: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        """Names of all collectors, live first."""
        return [c.name for c, _ in self._live] + [w.runner.name for w in self._workers]

    def collector(self, name: str) -> Collector | None:
        """The running collector called ``name`` (e.g. for the /sd endpoint), if any."""
        runners = [runner for _, runner in self._live] + [w.runner for w in self._workers]
        return next((r.collector for r in runners if r.name == name), None)

    def start(self) -> None:
        """Start the scheduled workers and the background work of live collectors."""
        for settings, _ in self._live:
            start = getattr(settings.collector, "start", None)
            if callable(start):
                start()
        for worker in self._workers:
            worker.start()

    def stop(self, wait: float = 2.0) -> None:
        """Stop all background work, waiting up to ``wait`` seconds in total."""
        self._lane.close()
        for settings, _ in self._live:
            stop = getattr(settings.collector, "stop", None)
            if callable(stop):
                stop()
        for worker in self._workers:
            worker.stop()
        deadline = time.monotonic() + wait
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def gather(self, budget: float) -> list[Metric]:
        """Run the live collectors in turn within ``budget`` seconds and add the snapshots."""
        started = time.monotonic()
        deadline = started + budget
        attempts = [(settings, runner, runner.begin(self._lane)) for settings, runner in self._live]
        all_done = threading.Event()
        self._lane.submit(all_done.set)
        # One wake-up when every run ends in time (the usual case), not one per collector.
        quickest = min((settings.timeout for settings, _ in self._live), default=0.0)
        all_done.wait(min(quickest, budget))
        results: dict[str, RunOutcome] = {}
        since = started
        for settings, runner, attempt in attempts:
            # In turn: each collector's timeout counts from the end of the one before.
            timeout = min(settings.timeout, max(0.0, deadline - since))
            outcome = runner.finish(attempt, since, timeout)
            if runner.is_given_up(attempt):
                self._lane.replace()
            results[settings.name] = outcome
            since = runner.ended(attempt) or time.monotonic()
        families: list[Metric] = []
        status: list[tuple[str, RunOutcome | None, RunOutcome | None, CollectorRunner]] = []
        for settings, runner in self._live:
            outcome = results[settings.name]
            families.extend(outcome.families)
            status.append((settings.name, outcome, outcome if outcome.success else None, runner))
        for worker in self._workers:
            good = worker.last_good
            if good is not None:
                families.extend(good.families)
            status.append((worker.runner.name, worker.latest, good, worker.runner))
        families.extend(self._status_families(status))
        return families

    def _status_families(
        self, status: Iterable[tuple[str, RunOutcome | None, RunOutcome | None, CollectorRunner]]
    ) -> list[Metric]:
        success, duration, last, failures = (spec.family() for spec in ENGINE_METRICS)
        for name, latest, good, runner in status:
            with self._lock:
                if good is not None:
                    self._last_success[name] = good.finished_at
                last_success = self._last_success.get(name)
            if latest is not None:
                success.add_metric([name], 1.0 if latest.success else 0.0)
                duration.add_metric([name], latest.duration)
            if last_success is not None:
                last.add_metric([name], last_success)
            for reason in FAILURE_REASONS:
                failures.add_metric([name, reason], runner.failures[reason])
        return [success, duration, last, failures]
