"""``software``: installed-package counts (scheduled: reading package databases is slow)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.hostaccess import HostAccess
from netwatch.inventory.software import gather_packages

INSTALLED = MetricSpec(
    "netwatch_software_installed_packages",
    "gauge",
    "Installed packages or programs, by package manager (dpkg, rpm, windows).",
    ("manager",),
)


class SoftwareSettings(ScheduledSettings):
    """How often to re-read the package databases."""

    interval: Duration = Field(3600.0, description="Time between two reads of the package list.")
    timeout: Duration = Field(60.0, description="Hard limit for one read.")


class SoftwareCollector:
    """Counts installed software by manager."""

    def __init__(self, settings: SoftwareSettings, access: HostAccess) -> None:
        self._access = access
        self._timeout = settings.timeout

    def collect(self) -> Iterator[Metric]:
        counts = Counter(p.manager for p in gather_packages(self._access, self._timeout))
        family = INSTALLED.family()
        for manager, count in sorted(counts.items()):
            family.add_metric([manager], count)
        yield family


def _build(
    settings: SoftwareSettings, access: HostAccess, config: AgentConfig
) -> SoftwareCollector:
    return SoftwareCollector(settings, access)


SPEC = register(
    CollectorSpec(
        name="software",
        description="Installed software count (dpkg, rpm, Windows Uninstall keys).",
        settings_model=SoftwareSettings,
        factory=_build,
        metrics=(INSTALLED,),
    )
)
