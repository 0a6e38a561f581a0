"""Combine live and scheduled collectors into one scrape, with the engine's own metrics:
each collector's health, the scheduled collectors' watchdog and the agent's memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
LAST_RUN = MetricSpec(
    "netwatch_collector_last_run_timestamp_seconds",
    "gauge",
    "Unix time the scheduled collector's latest run ended, successful or not; when it "
    "stops moving, the collector's worker has stopped.",
    ("collector",),
)
NEXT_RUN = MetricSpec(
    "netwatch_collector_next_run_timestamp_seconds",
    "gauge",
    "Unix time the scheduled collector's next run is due to start; more than its timeout "
    "in the past means the worker has stopped or hangs.",
    ("collector",),
)
RSS = MetricSpec(
    "netwatch_process_resident_memory_bytes",
    "gauge",
    "Resident memory of the agent process (the working set on Windows).",
)
MAX_RSS = MetricSpec(
    "netwatch_process_max_rss_bytes",
    "gauge",
    "The agent's memory ceiling (server.max_rss); past it the agent exits for its service "
    "manager to restart it. 0 when there is none.",
)
OVER_MAX_RSS = MetricSpec(
    "netwatch_process_max_rss_exceeded_total",
    "counter",
    "Memory checks that found the agent's resident memory over server.max_rss.",
)
ENGINE_METRICS = (
    SUCCESS,
    DURATION,
    LAST_SUCCESS,
    FAILURES,
    LAST_RUN,
    NEXT_RUN,
    RSS,
    MAX_RSS,
    OVER_MAX_RSS,
)


class ProcessMemory:
    """The agent's resident memory against its ceiling (``server.max_rss``).

    One instance lives as long as the agent; each engine (a new one on every reload)
    reports it, and the agent's memory watch calls :meth:`check`.
    """

    def __init__(self, ceiling: int | None = None) -> None:
        self.ceiling = ceiling
        self.exceeded = 0
        self._process: Any = None

    def rss(self) -> int:
        """Resident memory of this process now, in bytes."""
        if self._process is None:
            import psutil

            self._process = psutil.Process()
        return int(self._process.memory_info().rss)

    def check(self) -> tuple[int, bool]:
        """Measure: the resident memory, and whether it is over the ceiling (then counted)."""
        rss = self.rss()
        over = self.ceiling is not None and rss > self.ceiling
        if over:
            self.exceeded += 1
        return rss, over

    def families(self) -> list[Metric]:
        """The process memory metric families, measured now."""
        return [
            RSS.single(float(self.rss())),
            MAX_RSS.single(float(self.ceiling or 0)),
            OVER_MAX_RSS.single(float(self.exceeded)),
        ]


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

    def __init__(
        self, collectors: Sequence[EngineCollector], memory: ProcessMemory | None = None
    ) -> None:
        self.memory = memory or ProcessMemory()
        self._live = [
            (c, CollectorRunner(c.name, c.collector)) for c in collectors if not c.scheduled
        ]
        self._workers = [
            ScheduledWorker(CollectorRunner(c.name, c.collector), c.interval or 0.0, c.timeout)
            for c in collectors
            if c.scheduled
        ]
        self._lane = Lane("collectors-live")
        self._quickest_timeout = min((c.timeout for c, _ in self._live), default=0.0)
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
        all_done.wait(min(self._quickest_timeout, budget))
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
        families.extend(self._schedule_families())
        families.extend(self.memory.families())
        return families

    def _schedule_families(self) -> list[Metric]:
        last_run, next_run = LAST_RUN.family(), NEXT_RUN.family()
        for worker in self._workers:
            latest = worker.latest
            if latest is not None:
                last_run.add_metric([worker.runner.name], latest.finished_at)
            next_run.add_metric([worker.runner.name], worker.next_run_at)
        return [last_run, next_run]

    def _status_families(
        self, status: Iterable[tuple[str, RunOutcome | None, RunOutcome | None, CollectorRunner]]
    ) -> list[Metric]:
        success, duration, last, failures = (
            spec.family() for spec in (SUCCESS, DURATION, LAST_SUCCESS, FAILURES)
        )
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
