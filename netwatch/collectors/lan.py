"""``lan``: ARP sweep of the office LAN, device registry and Prometheus targets (off by default).

Each run sweeps the configured subnets, applies the result to the persisted
device registry (arpwatch semantics, see ``netwatch.lan.devices``), checks
which hosts run a netwatch agent (served at ``/sd``) and exposes the devices.
A failed sweep still serves the remembered devices, with sweep_success 0.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from pydantic import Field, field_validator, model_validator

from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import HostAccess
from netwatch.lan.model import Event, SweepResult
from netwatch.lan.settings import SweepSettings
from netwatch.lan.state import EVENT_KINDS, default_state_file, state_store

if TYPE_CHECKING:
    from netwatch.lan.devices import DeviceRegistry, Vendors

# The sweep, the device register, known devices and /sd are imported where they are
# used: the collector is off by default, and the agent should not carry them then.

log = logging.getLogger("netwatch.lan")

DEVICE_INFO = MetricSpec(
    "netwatch_lan_device_info",
    "info",
    "A device on the LAN that is not gone: its IP, MAC, vendor, name from the known-devices "
    "file, and known=true/false (listed there or not).",
    ("ip", "mac", "vendor", "name", "known"),
)
LAST_SEEN = MetricSpec(
    "netwatch_lan_device_last_seen_timestamp_seconds",
    "gauge",
    "Unix time the device last answered a sweep.",
    ("ip", "mac"),
)
DEVICES = MetricSpec(
    "netwatch_lan_devices",
    "gauge",
    "Remembered devices by state: known and unknown (not gone, listed or not in the "
    "known-devices file) and gone (unseen longer than gone_after); they add up to all.",
    ("state",),
)
SWEEP_DURATION = MetricSpec(
    "netwatch_lan_sweep_duration_seconds", "gauge", "How long the latest completed sweep took."
)
SWEEP_SUCCESS = MetricSpec(
    "netwatch_lan_sweep_success",
    "gauge",
    "1 when the latest sweep completed, 0 when it failed (the reason is logged).",
)
SWEEP_PRIVILEGED = MetricSpec(
    "netwatch_lan_sweep_privileged",
    "gauge",
    "1 when the latest completed sweep sent raw ARP, 0 when it fell back to the kernel "
    "neighbour table and TCP/ICMP reachability (no raw-socket privilege).",
)
EVENTS = MetricSpec(
    "netwatch_lan_events_total",
    "counter",
    "Device registry events since the state file was created, by kind: new_station, "
    "changed_mac, flip_flop, ip_conflict, gone.",
    ("kind",),
)
CONFLICTS = MetricSpec(
    "netwatch_lan_conflicts", "gauge", "IPs answered by more than one MAC in the latest sweep."
)
IP_CONFLICT = MetricSpec(
    "netwatch_lan_ip_conflict",
    "gauge",
    "1 for each IP answered by more than one MAC in the latest sweep of its subnet; the "
    "series ends when the conflict does (the MACs are in the ip_conflict log event).",
    ("ip",),
)
LAST_SWEEP = MetricSpec(
    "netwatch_lan_last_sweep_timestamp_seconds",
    "gauge",
    "Unix time the latest completed sweep ended.",
)
LAN_METRICS = (
    DEVICE_INFO,
    LAST_SEEN,
    DEVICES,
    SWEEP_DURATION,
    SWEEP_SUCCESS,
    SWEEP_PRIVILEGED,
    EVENTS,
    CONFLICTS,
    IP_CONFLICT,
    LAST_SWEEP,
)
WARNING_EVENTS = {"changed_mac", "flip_flop", "ip_conflict"}


class LanSettings(ScheduledSettings):
    """What to sweep, how often, and where the registry lives."""

    enabled: bool = Field(
        False,
        description="Sweep the LAN. Off by default: it sends an ARP request to every address "
        "of the subnets, and needs root or CAP_NET_RAW for a full (raw ARP) sweep.",
    )
    interval: Duration = Field(300.0, description="Time between two sweeps.")
    timeout: Duration = Field(120.0, description="Hard limit for one sweep plus agent checks.")
    interface: str | None = Field(
        None,
        description="Interface whose subnet to sweep; default: every up, non-loopback "
        "interface with a private IPv4 address.",
    )
    cidrs: list[str] = Field(
        default_factory=list, description="Subnets to sweep instead, e.g. [192.168.1.0/24]."
    )
    max_prefix: int = Field(
        22, ge=16, le=32, description="Largest subnet swept (/22: 1024 addresses); larger "
        "ones are refused, which also bounds the device labels.",
    )  # fmt: skip
    sweep: SweepSettings = Field(
        default_factory=SweepSettings, description="Pacing, retries and time limits."
    )
    known_devices: str | None = Field(
        None, description="Known-devices file (see configs/devices.example.yaml)."
    )
    vendors_file: str | None = Field(
        None, description="MAC-prefix vendor names overriding scapy's database."
    )
    state_file: str = Field(
        default_factory=default_state_file,
        description="Where the device registry is kept across restarts (default: "
        "/var/lib/netwatch/lan-state.json; %ProgramData%\\netwatch on Windows).",
    )
    gone_after: Duration = Field(
        86400.0, description="A device unseen for longer than this is reported gone."
    )
    agent_port: int = Field(
        8934, ge=1, le=65535, description="Port checked to find netwatch agents for /sd."
    )

    @field_validator("cidrs")
    @classmethod
    def _cidrs_parse(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.IPv4Network(cidr, strict=False)
            except ValueError as exc:
                raise ValueError(f"invalid IPv4 subnet {cidr!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _cidrs_within_cap(self) -> LanSettings:
        for cidr in self.cidrs:
            network = ipaddress.IPv4Network(cidr, strict=False)
            if network.prefixlen < self.max_prefix:
                raise ValueError(
                    f"cidrs: {cidr} has {network.num_addresses} addresses, more than the "
                    f"/{self.max_prefix} cap: lower max_prefix to sweep it"
                )
        return self

    @field_validator("known_devices")
    @classmethod
    def _known_devices_load(cls, value: str | None) -> str | None:
        from netwatch.lan.known import load_known_devices

        try:
            load_known_devices(value)
        except ConfigError as exc:
            raise ValueError("; ".join(exc.lines())) from None
        return value

    @field_validator("vendors_file")
    @classmethod
    def _vendors_file_loads(cls, value: str | None) -> str | None:
        if value is not None:
            from netwatch.lan.vendors import load_overrides

            load_overrides(value)  # its ValueError names the file and the problem
        return value


SweepFn = Callable[[LanSettings], SweepResult]
AgentCheck = Callable[[Iterable[str], int], set[str]]


def sweep_configured(settings: LanSettings) -> SweepResult:
    """Sweep the configured subnets (scapy is imported only here)."""
    from netwatch.lan.sweep import sweep
    from netwatch.lan.targets import choose_networks

    networks = choose_networks(settings.cidrs, settings.interface, settings.max_prefix)
    return sweep(networks, settings.sweep)


def lan_families(registry: DeviceRegistry, sweep_success: bool) -> list[Metric]:
    """Metric families for the registry's current state."""
    from netwatch.lan.devices import DEVICE_STATES, ip_key

    info, last_seen = DEVICE_INFO.family(), LAST_SEEN.family()
    devices, events = DEVICES.family(), EVENTS.family()
    for device in registry.active_devices():
        for ip in device.ips:
            known = "true" if device.known else "false"
            info.add_metric([ip, device.mac, device.vendor, device.name, known], {})
            last_seen.add_metric([ip, device.mac], device.last_seen)
    counts = registry.counts()
    for state in DEVICE_STATES:
        devices.add_metric([state], counts[state])
    for kind in EVENT_KINDS:
        events.add_metric([kind], registry.state.events_total.get(kind, 0))
    families = [info, last_seen, devices, events, SWEEP_SUCCESS.single(float(sweep_success))]
    conflicts = registry.state.conflicts
    families.append(CONFLICTS.single(len(conflicts)))
    per_ip = IP_CONFLICT.family()
    for ip in sorted(conflicts, key=ip_key):
        per_ip.add_metric([ip], 1.0)
    families.append(per_ip)
    last = registry.state.last_sweep
    if last is not None:
        families.append(LAST_SWEEP.single(last.started_at + last.duration))
        families.append(SWEEP_DURATION.single(last.duration))
        families.append(SWEEP_PRIVILEGED.single(1.0 if last.method == "arp" else 0.0))
    return families


def log_event(event: Event) -> None:
    """One log line per registry event, like arpwatch's syslog messages."""
    level = logging.WARNING if event.kind in WARNING_EVENTS else logging.INFO
    name = event.kind.replace("_", " ")
    log.log(level, "%s: %s %s (%s)", name, event.ip, event.mac, event.detail)


class LanCollector:
    """Sweeps, updates the registry, and keeps the latest /sd document.

    ``sweep`` and ``check_agents`` default to the real sweep and TCP check;
    tests pass their own.
    """

    def __init__(
        self,
        settings: LanSettings,
        sweep: SweepFn | None = None,
        check_agents: AgentCheck | None = None,
    ) -> None:
        from netwatch.lan.sd import agents_listening, sd_json

        self._settings = settings
        self._sweep = sweep or sweep_configured
        self._check_agents = check_agents or agents_listening
        self._vendor_lookup: Vendors | None = None
        self._sd = sd_json([])
        self._last_error: str | None = None
        self._store = state_store(Path(settings.state_file))

    def sd_document(self) -> bytes:
        """The http_sd JSON of agents found by the latest completed sweep."""
        return self._sd

    def _vendors(self) -> Vendors:
        if self._vendor_lookup is None:
            from netwatch.lan.vendors import VendorLookup

            self._vendor_lookup = VendorLookup(self._settings.vendors_file)
        return self._vendor_lookup

    def collect(self) -> list[Metric]:
        from netwatch.lan.devices import DeviceRegistry, ip_key
        from netwatch.lan.known import load_known_devices
        from netwatch.lan.sd import sd_groups, sd_json

        settings = self._settings
        state = self._store.load()
        known = load_known_devices(settings.known_devices)
        registry = DeviceRegistry(state, known, self._vendors(), settings.gone_after)
        try:
            result = self._sweep(settings)
        except Exception as exc:  # noqa: BLE001 - reported as sweep_success 0 and logged
            self._report_failure(f"{type(exc).__name__}: {exc}")
            return lan_families(registry, sweep_success=False)
        self._report_failure(None)
        for event in registry.apply(result):
            log_event(event)
        self._store.save()
        found = sorted({obs.ip for obs in result.observations}, key=ip_key)
        agents = self._check_agents(found, settings.agent_port)
        self._sd = sd_json(sd_groups(registry.active_devices(), agents, settings.agent_port))
        return lan_families(registry, sweep_success=True)

    def _report_failure(self, reason: str | None) -> None:
        """Log when the sweep starts failing, changes reason, or recovers."""
        if reason != self._last_error:
            if reason is None:
                log.info("LAN sweep succeeded again")
            else:
                log.warning("LAN sweep failed: %s", reason)
        self._last_error = reason


def _build(settings: LanSettings, access: HostAccess, config: AgentConfig) -> LanCollector:
    return LanCollector(settings)


SPEC = register(
    CollectorSpec(
        name="lan",
        description="LAN discovery by ARP sweep, device registry and /sd targets (default "
        "off; every 5 minutes when on).",
        settings_model=LanSettings,
        factory=_build,
        metrics=LAN_METRICS,
    )
)
