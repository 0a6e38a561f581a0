"""``host``: host identity (OS, kernel, machine id) and boot time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import psutil
from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.hostaccess import HostAccess
from netwatch.inventory.osinfo import gather_os_info

HOST_INFO = MetricSpec(
    "netwatch_host_info",
    "info",
    "Host identity: hostname, FQDN, OS family, id, name and version, kernel, architecture, "
    "machine id.",
    ("hostname", "fqdn", "os_family", "os_id", "os_name", "os_version", "kernel", "arch",
     "machine_id"),
)  # fmt: skip
BOOT_TIME = MetricSpec("netwatch_host_boot_time_seconds", "gauge", "Unix time the host booted.")


class HostSettings(CollectorSettings):
    """Host identity settings."""

    fqdn_refresh: Duration = Field(
        600.0,
        description="How long the host identity (FQDN from DNS, OS release) is reused before "
        "reading it again.",
    )


class HostCollector:
    """Host identity, read once per ``fqdn_refresh`` (it needs DNS and rarely changes)."""

    def __init__(self, settings: HostSettings, access: HostAccess) -> None:
        self._access = access
        self._refresh = settings.fqdn_refresh
        self._identity: tuple[float, Metric] | None = None
        self._lock = threading.Lock()

    def _host_info(self) -> Metric:
        with self._lock:
            if self._identity and time.monotonic() - self._identity[0] < self._refresh:
                return self._identity[1]
        info = gather_os_info(self._access, socket.getfqdn())
        family = HOST_INFO.family()
        family.add_metric([], {label: getattr(info, label) for label in HOST_INFO.labels})
        with self._lock:
            self._identity = (time.monotonic(), family)
        return family

    def collect(self) -> Iterator[Metric]:
        yield self._host_info()
        yield BOOT_TIME.single(psutil.boot_time())


def _build(settings: HostSettings, access: HostAccess, config: AgentConfig) -> HostCollector:
    return HostCollector(settings, access)


SPEC = register(
    CollectorSpec(
        name="host",
        description="Host identity and boot time (netwatch_host_info).",
        settings_model=HostSettings,
        factory=_build,
        metrics=(HOST_INFO, BOOT_TIME),
    )
)
