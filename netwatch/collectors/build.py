"""``build``: the agent's own version."""

from __future__ import annotations

import platform
from collections.abc import Iterator

from prometheus_client.core import Metric

from netwatch import __version__
from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.hostaccess import HostAccess

BUILD_INFO = MetricSpec(
    "netwatch_build_info",
    "info",
    "The running netwatch agent: version, Python version and implementation.",
    ("version", "python_version", "python_implementation"),
)


class BuildSettings(CollectorSettings):
    """No settings beyond on/off and timeout."""


class BuildCollector:
    """Exposes the agent version."""

    def collect(self) -> Iterator[Metric]:
        family = BUILD_INFO.family()
        family.add_metric(
            [],
            {
                "version": __version__,
                "python_version": platform.python_version(),
                "python_implementation": platform.python_implementation(),
            },
        )
        yield family


def _build(settings: BuildSettings, access: HostAccess, config: AgentConfig) -> BuildCollector:
    return BuildCollector()


SPEC = register(
    CollectorSpec(
        name="build",
        description="The agent's version (netwatch_build_info).",
        settings_model=BuildSettings,
        factory=_build,
        metrics=(BUILD_INFO,),
    )
)
