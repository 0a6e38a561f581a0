"""``services``: health of internal services, probed in the background on their intervals.

The probes run in one asyncio loop (see :mod:`netwatch.probes.scheduler`); a
scrape only reads the latest results, so it never waits for a slow service.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.hostaccess import HostAccess
from netwatch.probes.metrics import probe_metrics, result_families
from netwatch.probes.scheduler import ProbeJob, ProbeScheduler
from netwatch.probes.targets import display_target

PROBE_INFO = MetricSpec(
    "netwatch_probe_info",
    "info",
    "A configured service: its target (credentials removed) and the extra labels from the "
    "config; join on `service`.",
    ("service", "kind", "target"),
)
LAST_PROBE = MetricSpec(
    "netwatch_probe_last_run_timestamp_seconds",
    "gauge",
    "Unix time the service was last probed.",
    ("service", "kind"),
)
LAST_SUCCESS = MetricSpec(
    "netwatch_probe_last_success_timestamp_seconds",
    "gauge",
    "Unix time of the service's latest successful probe; absent until it first succeeds.",
    ("service", "kind"),
)


class ServicesSettings(CollectorSettings):
    """Defaults and limits for the services listed under ``services:``."""

    interval: Duration = Field(30.0, description="Default time between probes of a service.")
    probe_timeout: Duration = Field(5.0, description="Default hard limit for one probe.")
    max_concurrency: int = Field(
        32, ge=1, le=1024, description="Probes in flight at once, across all services."
    )
    discover: bool = Field(
        True,
        description="When the config has no `services:` list, probe the default gateway "
        "(ICMP) and the configured DNS resolvers (DNS).",
    )


def build_jobs(services: list[Any], settings: ServicesSettings) -> list[ProbeJob]:
    """Resolve each configured service into a job with its effective timing."""
    return [
        ProbeJob(
            service=service.name,
            prober=service.prober_impl(),
            target=service.target,
            params=service.params(),
            interval=service.interval or settings.interval,
            timeout=service.timeout or settings.probe_timeout,
            labels=tuple(sorted(service.labels.items())),
        )
        for service in services
    ]


class ServicesCollector:
    """Serves the scheduler's latest results; the engine starts and stops it."""

    def __init__(self, jobs: list[ProbeJob], max_concurrency: int) -> None:
        self.scheduler = ProbeScheduler(jobs, max_concurrency)
        # The configured services do not change while the collector lives.
        self._info = PROBE_INFO.family()
        for job in jobs:
            labels = {"service": job.service, "kind": job.kind,
                      "target": display_target(job.target), **dict(job.labels)}  # fmt: skip
            self._info.add_metric([], labels)

    def start(self) -> None:
        """Begin probing in the background."""
        self.scheduler.start()

    def stop(self) -> None:
        """Stop probing."""
        self.scheduler.stop()

    def collect(self) -> Iterator[Metric]:
        snapshot = self.scheduler.snapshot
        yield self._info
        last, last_success = LAST_PROBE.family(), LAST_SUCCESS.family()
        for service, (job, _result, finished) in sorted(snapshot.results.items()):
            last.add_metric([service, job.kind], finished)
            if service in snapshot.last_success:
                last_success.add_metric([service, job.kind], snapshot.last_success[service])
        yield last
        yield last_success
        ordered = sorted(snapshot.results.items())
        triples = [(service, job.kind, result) for service, (job, result, _) in ordered]
        yield from result_families(triples, snapshot.failures)


def _build(
    settings: ServicesSettings, access: HostAccess, config: AgentConfig
) -> ServicesCollector:
    from netwatch.probes.config import service_model
    from netwatch.probes.discovery import default_services

    configured = config.services
    if configured is not None:
        services = list(configured)
    else:
        services = default_services(access, service_model()) if settings.discover else []
    return ServicesCollector(build_jobs(services, settings), settings.max_concurrency)


SPEC = register(
    CollectorSpec(
        name="services",
        description="Service health probes, one prober per kind of service (docs/probes.md).",
        settings_model=ServicesSettings,
        factory=_build,
        metrics=(PROBE_INFO, LAST_PROBE, LAST_SUCCESS, *probe_metrics()),
    )
)
