"""``network``: per-interface identity, addresses, link state and traffic counters."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Regex
from netwatch.hostaccess import HostAccess
from netwatch.inventory.nics import DEFAULT_EXCLUDED_INTERFACES, gather_nics

DEV = ("device",)
NIC_INFO = MetricSpec(
    "netwatch_network_info", "info", "Interface identity: MAC address and MTU.",
    ("device", "mac", "mtu"),
)  # fmt: skip
ADDRESS_INFO = MetricSpec(
    "netwatch_network_address_info",
    "info",
    "An IP address assigned to an interface.",
    ("device", "family", "address", "prefix"),
)
UP = MetricSpec("netwatch_network_up", "gauge", "1 when the interface is up.", DEV)
SPEED = MetricSpec(
    "netwatch_network_speed_bytes",
    "gauge",
    "Negotiated link speed in bytes per second (0 when unknown).",
    DEV,
)
COUNTERS = {
    "bytes_recv": MetricSpec(
        "netwatch_network_receive_bytes_total", "counter", "Bytes received.", DEV
    ),
    "bytes_sent": MetricSpec(
        "netwatch_network_transmit_bytes_total", "counter", "Bytes sent.", DEV
    ),
    "packets_recv": MetricSpec(
        "netwatch_network_receive_packets_total", "counter", "Packets received.", DEV
    ),
    "packets_sent": MetricSpec(
        "netwatch_network_transmit_packets_total", "counter", "Packets sent.", DEV
    ),
    "errin": MetricSpec("netwatch_network_receive_errors_total", "counter", "Receive errors.", DEV),
    "errout": MetricSpec(
        "netwatch_network_transmit_errors_total", "counter", "Transmit errors.", DEV
    ),
    "dropin": MetricSpec(
        "netwatch_network_receive_drop_total", "counter", "Incoming packets dropped.", DEV
    ),
    "dropout": MetricSpec(
        "netwatch_network_transmit_drop_total", "counter", "Outgoing packets dropped.", DEV
    ),
}
OMITTED = MetricSpec(
    "netwatch_network_omitted", "gauge", "Interfaces left out because max_interfaces was reached."
)


class NetworkSettings(CollectorSettings):
    """Which interfaces to report."""

    exclude_interfaces: Regex = Field(
        DEFAULT_EXCLUDED_INTERFACES,
        description="Regular expression of interface names never reported (loopback, container "
        "and bridge interfaces by default).",
    )
    max_interfaces: int = Field(
        64, ge=1, le=4096, description="At most this many interfaces (bounds label values)."
    )


class NetworkCollector:
    """Reads interfaces and their counters each scrape."""

    def __init__(self, settings: NetworkSettings) -> None:
        self._settings = settings

    def collect(self) -> Iterator[Metric]:
        nics, omitted = gather_nics(
            self._settings.exclude_interfaces, self._settings.max_interfaces
        )
        info, addresses, up, speed = (s.family() for s in (NIC_INFO, ADDRESS_INFO, UP, SPEED))
        counters = {field: spec.family() for field, spec in COUNTERS.items()}
        for nic in nics:
            info.add_metric([], {"device": nic.name, "mac": nic.mac, "mtu": str(nic.mtu)})
            for addr in nic.addresses:
                addresses.add_metric(
                    [],
                    {
                        "device": nic.name,
                        "family": addr.family,
                        "address": addr.address,
                        "prefix": str(addr.prefix),
                    },
                )
            up.add_metric([nic.name], 1.0 if nic.up else 0.0)
            speed.add_metric([nic.name], nic.speed_mbps * 1_000_000 / 8)
            if nic.counters is not None:
                for field, family in counters.items():
                    family.add_metric([nic.name], getattr(nic.counters, field))
        yield from (info, addresses, up, speed, *counters.values())
        yield OMITTED.single(omitted)


def _build(settings: NetworkSettings, access: HostAccess, config: AgentConfig) -> NetworkCollector:
    return NetworkCollector(settings)


SPEC = register(
    CollectorSpec(
        name="network",
        description="Per-interface MAC, addresses, link state, speed and traffic counters.",
        settings_model=NetworkSettings,
        factory=_build,
        metrics=(NIC_INFO, ADDRESS_INFO, UP, SPEED, *COUNTERS.values(), OMITTED),
    )
)
