"""``cpu``: processor model, core counts, time per mode and load averages."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psutil
from prometheus_client.core import Metric

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.hostaccess import HostAccess
from netwatch.inventory.hardware import gather_cpu_info

CPU_INFO = MetricSpec(
    "netwatch_cpu_info", "info", "Processor model and vendor.", ("model", "vendor")
)
LOGICAL = MetricSpec("netwatch_cpu_logical_cores", "gauge", "Logical processors (threads).")
PHYSICAL = MetricSpec("netwatch_cpu_physical_cores", "gauge", "Physical processor cores.")
SECONDS = MetricSpec(
    "netwatch_cpu_seconds_total",
    "counter",
    "CPU time spent in each mode, summed over all processors.",
    ("mode",),
)
LOAD = (  # one literal help text each: the catalogue test reads them
    MetricSpec("netwatch_load1", "gauge", "1-minute load average."),
    MetricSpec("netwatch_load5", "gauge", "5-minute load average."),
    MetricSpec("netwatch_load15", "gauge", "15-minute load average."),
)


class CpuSettings(CollectorSettings):
    """No settings beyond on/off and timeout."""


class CpuCollector:
    """CPU facts and time counters; usage is a ``rate()`` of the idle counter, so it does
    not depend on who scraped last."""

    def __init__(self, access: HostAccess) -> None:
        self._info = gather_cpu_info(access)

    def collect(self) -> Iterator[Metric]:
        info = CPU_INFO.family()
        info.add_metric([], {"model": self._info.model, "vendor": self._info.vendor})
        yield info
        yield LOGICAL.single(self._info.logical_cores)
        yield PHYSICAL.single(self._info.physical_cores)
        seconds = SECONDS.family()
        for mode, value in psutil.cpu_times()._asdict().items():
            seconds.add_metric([mode], value)
        yield seconds
        if hasattr(os, "getloadavg"):
            for spec, value in zip(LOAD, os.getloadavg(), strict=True):
                yield spec.single(value)


def _build(settings: CpuSettings, access: HostAccess, config: AgentConfig) -> CpuCollector:
    return CpuCollector(access)


SPEC = register(
    CollectorSpec(
        name="cpu",
        description="Processor model, cores, time per mode and load averages.",
        settings_model=CpuSettings,
        factory=_build,
        metrics=(CPU_INFO, LOGICAL, PHYSICAL, SECONDS, *LOAD),
    )
)
