"""Run configured probes on their own intervals in one background asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from netwatch.probes.base import Prober, prepare_probe, run_probe
from netwatch.probes.result import ProbeResult

log = logging.getLogger("netwatch.probes")

FIRST_ROUND_SPREAD = 2.0  # seconds over which the first probes start, to avoid a burst


@dataclass(frozen=True)
class ProbeJob:
    """One service to probe: resolved prober, parameters and timing."""

    service: str
    prober: Prober
    target: str
    params: Any
    interval: float
    timeout: float
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        """The prober's name, exported as the ``kind`` label."""
        return self.prober.name


@dataclass(frozen=True)
class Snapshot:
    """Latest result per service, replaced as a whole on every update.

    ``last_success`` holds the Unix time of each service's latest successful probe; a
    service that never succeeded is absent.
    """

    results: dict[str, tuple[ProbeJob, ProbeResult, float]]
    failures: dict[tuple[str, str, str], int]
    last_success: dict[str, float]


def prepare_jobs(jobs: Iterable[ProbeJob]) -> None:
    """Do every job's blocking set-up before any probe runs, so that one probe's set-up
    never stalls the loop under another's phases; a job whose set-up fails reports it
    when it runs."""
    for job in jobs:
        try:
            prepare_probe(job.prober, job.target, job.params)
        except Exception:  # noqa: BLE001 - run_probe meets it again and reports it
            log.debug("set-up of %s failed; its probe will report why", job.service)


class ProbeScheduler:
    """Probes every job on its interval with at most ``max_concurrency`` probes in flight."""

    def __init__(self, jobs: list[ProbeJob], max_concurrency: int) -> None:
        self.jobs = jobs
        self.max_concurrency = max_concurrency
        self.snapshot = Snapshot({}, {}, {})
        self._failures: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._last_reason: dict[str, str] = {}

    def start(self) -> None:
        """Start the background loop thread."""
        if self._thread is None and self.jobs:
            self._thread = threading.Thread(target=self._run, name="probes", daemon=True)
            self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        """Stop probing; in-flight probes are cancelled."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(wait)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        slots = asyncio.Semaphore(self.max_concurrency)
        await self._loop.run_in_executor(None, prepare_jobs, self.jobs)
        tasks = [asyncio.create_task(self._repeat(job, slots)) for job in self.jobs]
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _repeat(self, job: ProbeJob, slots: asyncio.Semaphore) -> None:
        await asyncio.sleep(random.uniform(0, min(FIRST_ROUND_SPREAD, job.interval)))
        while True:
            started = time.monotonic()
            async with slots:
                result = await run_probe(job.prober, job.target, job.params, job.timeout)
            self._publish(job, result)
            await asyncio.sleep(max(0.0, job.interval - (time.monotonic() - started)))

    def _publish(self, job: ProbeJob, result: ProbeResult) -> None:
        finished = time.time()
        with self._lock:
            last_success = dict(self.snapshot.last_success)
            if result.success:
                last_success[job.service] = finished
            else:
                self._failures[(job.service, job.kind, result.reason)] += 1
            results = dict(self.snapshot.results)
            results[job.service] = (job, result, finished)
            self.snapshot = Snapshot(results, dict(self._failures), last_success)
        previous = self._last_reason.get(job.service, "")
        if result.reason != previous:
            self._last_reason[job.service] = result.reason
            if result.success:
                log.info("service %s (%s) is up again", job.service, job.kind)
            else:
                log.warning("service %s (%s) down: %s: %s", job.service, job.kind,
                            result.reason, result.detail)  # fmt: skip
