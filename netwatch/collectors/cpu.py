"""``cpu``: processor model, core counts, usage ratio, time per mode and load averages."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psutil
from prometheus_client.core import Metric

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.hostaccess import HostAccess
from netwatch.inventory.hardware import gather_cpu_info

if TYPE_CHECKING:
    from psutil._ntuples import scputimes

CPU_INFO = MetricSpec(
    "netwatch_cpu_info", "info", "Processor model and vendor.", ("model", "vendor")
)
LOGICAL = MetricSpec("netwatch_cpu_logical_cores", "gauge", "Logical processors (threads).")
PHYSICAL = MetricSpec("netwatch_cpu_physical_cores", "gauge", "Physical processor cores.")
USAGE = MetricSpec(
    "netwatch_cpu_usage_ratio",
    "gauge",
    "Share of CPU time spent busy (not idle or iowait) since the previous scrape, 0-1.",
)
SECONDS = MetricSpec(
    "netwatch_cpu_seconds_total",
    "counter",
    "CPU time spent in each mode, summed over all processors.",
    ("mode",),
)
LOAD = tuple(
    MetricSpec(f"netwatch_load{window}", "gauge", f"{window}-minute load average.")
    for window in (1, 5, 15)
)
_IDLE_MODES = ("idle", "iowait")
# Linux already counts guest time inside user and nice time.
_DOUBLE_COUNTED = ("guest", "guest_nice")


def _busy_and_idle(times: scputimes) -> float:
    return sum(times) - sum(getattr(times, mode, 0.0) for mode in _DOUBLE_COUNTED)


class CpuSettings(CollectorSettings):
    """No settings beyond on/off and timeout."""


class CpuCollector:
    """CPU facts; the usage ratio compares counters with the previous scrape."""

    def __init__(self, access: HostAccess) -> None:
        self._info = gather_cpu_info(access)
        self._lock = threading.Lock()
        self._previous = psutil.cpu_times()

    def _usage_since_previous(self, times: scputimes) -> float:
        with self._lock:
            previous, self._previous = self._previous, times
        total = _busy_and_idle(times) - _busy_and_idle(previous)
        if total <= 0:
            return 0.0
        idle = sum(getattr(times, m, 0.0) - getattr(previous, m, 0.0) for m in _IDLE_MODES)
        return min(1.0, max(0.0, 1.0 - idle / total))

    def collect(self) -> Iterator[Metric]:
        info = CPU_INFO.family()
        info.add_metric([], {"model": self._info.model, "vendor": self._info.vendor})
        yield info
        yield LOGICAL.single(self._info.logical_cores)
        yield PHYSICAL.single(self._info.physical_cores)
        times = psutil.cpu_times()
        yield USAGE.single(self._usage_since_previous(times))
        seconds = SECONDS.family()
        for mode, value in times._asdict().items():
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
        description="Processor model, cores, usage and load averages.",
        settings_model=CpuSettings,
        factory=_build,
        metrics=(CPU_INFO, LOGICAL, PHYSICAL, USAGE, SECONDS, *LOAD),
    )
)
