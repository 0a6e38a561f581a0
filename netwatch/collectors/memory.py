"""``memory``: physical memory and swap."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.hostaccess import HostAccess
from netwatch.inventory.hardware import gather_memory_info

TOTAL = MetricSpec("netwatch_memory_total_bytes", "gauge", "Physical memory installed.")
AVAILABLE = MetricSpec(
    "netwatch_memory_available_bytes",
    "gauge",
    "Memory available to start new programs without swapping.",
)
SWAP_TOTAL = MetricSpec("netwatch_swap_total_bytes", "gauge", "Swap space configured.")
SWAP_FREE = MetricSpec("netwatch_swap_free_bytes", "gauge", "Swap space unused.")


class MemorySettings(CollectorSettings):
    """No settings beyond on/off and timeout."""


class MemoryCollector:
    """Memory and swap sizes."""

    def collect(self) -> Iterator[Metric]:
        memory = gather_memory_info()
        yield TOTAL.single(memory.total)
        yield AVAILABLE.single(memory.available)
        yield SWAP_TOTAL.single(memory.swap_total)
        yield SWAP_FREE.single(memory.swap_free)


def _build(settings: MemorySettings, access: HostAccess, config: AgentConfig) -> MemoryCollector:
    return MemoryCollector()


SPEC = register(
    CollectorSpec(
        name="memory",
        description="Physical memory and swap.",
        settings_model=MemorySettings,
        factory=_build,
        metrics=(TOTAL, AVAILABLE, SWAP_TOTAL, SWAP_FREE),
    )
)
