"""Run probes once (for ``netwatch check``): choose services, probe concurrently, report."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from netwatch.core.collector import AgentConfig
from netwatch.core.errors import UsageError
from netwatch.hostaccess import HostAccess
from netwatch.probes.base import run_probe
from netwatch.probes.config import service_model
from netwatch.probes.discovery import default_services
from netwatch.probes.netutil import split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.scheduler import ProbeJob, prepare_jobs
from netwatch.probes.targets import display_target


def adhoc_services(urls: Sequence[str], tcp_targets: Sequence[str]) -> list[Any]:
    """Services for ``--url`` and ``--tcp`` arguments; malformed ones are usage errors."""
    model = service_model()
    services = []
    for index, url in enumerate(urls, start=1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--url {url}: use an http:// or https:// URL")
        services.append(model(name=f"url-{index}", prober="http", target=url))
    for index, target in enumerate(tcp_targets, start=1):
        try:
            split_host_port(target)
        except ProbeFailure as exc:
            raise UsageError(f"--tcp {target}: expected HOST:PORT ({exc.detail})") from None
        services.append(model(name=f"tcp-{index}", prober="tcp", target=target))
    return services


def select_services(
    config: AgentConfig, names: Sequence[str], urls: Sequence[str], tcp_targets: Sequence[str]
) -> list[Any]:
    """The services to probe: ad hoc ones when given, else the configured (or discovered) ones."""
    if urls or tcp_targets:
        if names:
            raise UsageError("give service names or --url/--tcp, not both")
        return adhoc_services(urls, tcp_targets)
    services = config.services
    if services is None:
        discover = config.collectors.services.discover
        services = default_services(HostAccess(), service_model()) if discover else []
    if not names:
        return list(services)
    by_name = {service.name: service for service in services}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise UsageError(f"unknown service(s): {', '.join(unknown)}; configured: {known}")
    return [by_name[name] for name in names]


def run_once(
    jobs: list[ProbeJob], max_concurrency: int, progress: bool = False
) -> list[tuple[ProbeJob, ProbeResult]]:
    """Probe every job once, concurrently; results in the jobs' order.

    Every job's set-up is done first, so that none lands in another's measurement.
    """
    prepare_jobs(jobs)
    return asyncio.run(_run_all(jobs, max_concurrency, progress))


async def _run_all(
    jobs: list[ProbeJob], max_concurrency: int, progress: bool
) -> list[tuple[ProbeJob, ProbeResult]]:
    slots = asyncio.Semaphore(max_concurrency)
    display = _Progress(len(jobs)) if progress else None

    async def one(job: ProbeJob) -> ProbeResult:
        async with slots:
            result = await run_probe(job.prober, job.target, job.params, job.timeout)
        if display is not None:
            display.advance(job, result)
        return result

    if display is not None:
        display.start()
    try:
        results = await asyncio.gather(*(one(job) for job in jobs))
    finally:
        if display is not None:
            display.stop()
    return list(zip(jobs, results, strict=True))


class _Progress:
    """A transient rich progress bar on stderr."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("probing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("", total=total)

    def start(self) -> None:
        self._progress.start()

    def stop(self) -> None:
        self._progress.stop()

    def advance(self, job: ProbeJob, result: ProbeResult) -> None:
        mark = "up" if result.success else "DOWN"
        self._progress.update(
            self._task,
            advance=1,
            description=f"{job.service}: {mark} ({display_target(job.target)})",
        )
