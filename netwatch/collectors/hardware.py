"""``hardware``: the host's hardware identity, activation and hardware changes (scheduled,
daily: reading firmware tables and EDIDs is not for the scrape path).

Each run reads the hardware, compares its fingerprint with the one the agent remembers
(``netwatch.assets.memory``), counts the changes and the users signed in, and saves the
memory. The change counters live in the memory file, so they keep counting across
restarts. Labels stay bounded: makers, models, firmware versions, licence channels and
product names, never a peripheral's serial nor a user name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.assets.collect import read_hardware
from netwatch.assets.fingerprint import POSSIBLE_CHANGES, HardwareChange, unread
from netwatch.assets.memory import (
    HardwareMemory,
    default_memory_file,
    memory_store,
    record_hardware,
    record_users,
)
from netwatch.assets.model import Hardware
from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.facts.host import host_facts
from netwatch.hostaccess import HostAccess
from netwatch.inventory.users import gather_sessions

log = logging.getLogger("netwatch.assets")

HARDWARE_INFO = MetricSpec(
    "netwatch_host_hardware_info",
    "info",
    "The machine as its maker names it: manufacturer, model, chassis (desktop, laptop, "
    "server, virtual, ...), firmware (BIOS/UEFI) vendor and version; empty when unread.",
    ("manufacturer", "model", "chassis", "firmware_vendor", "firmware_version"),
)
SECURE_BOOT = MetricSpec(
    "netwatch_host_secure_boot_enabled",
    "gauge",
    "1 when UEFI Secure Boot is on, 0 when off or the firmware is BIOS; absent when unread.",
)
TPM_PRESENT = MetricSpec(
    "netwatch_host_tpm_present",
    "gauge",
    "1 when the host has a TPM, 0 when not; absent when unread.",
)
TPM_VERSION = MetricSpec(
    "netwatch_host_tpm_version_info", "info", "The TPM's specification version (2.0, 1.2).",
    ("version",),
)  # fmt: skip
MEMORY_MODULES = MetricSpec(
    "netwatch_host_memory_modules",
    "gauge",
    "Installed RAM modules; absent when they cannot be read (on Linux: without root).",
)
MEMORY_INSTALLED = MetricSpec(
    "netwatch_host_memory_installed_bytes",
    "gauge",
    "RAM installed, the sum of the modules' sizes (netwatch_memory_total_bytes is what the "
    "OS can use); absent when the modules cannot be read.",
)
PHYSICAL_DISKS = MetricSpec(
    "netwatch_host_physical_disks", "gauge", "Physical disks, USB disks included."
)
MONITORS = MetricSpec("netwatch_host_monitors", "gauge", "Monitors connected (from their EDID).")
PRINTERS = MetricSpec(
    "netwatch_host_printers", "gauge", "Printers installed; absent when they cannot be read."
)
WINDOWS_ACTIVATED = MetricSpec(
    "netwatch_host_windows_activated",
    "gauge",
    "1 when Windows is activated (licensed), 0 when not (unlicensed, grace, notification), "
    "by licence channel (oem, retail, volume_kms, volume_mak, ...); absent on Linux.",
    ("channel",),
)
OFFICE_ACTIVATED = MetricSpec(
    "netwatch_host_office_activated",
    "gauge",
    "1 when the Office product is activated, 0 when not; one series per product.",
    ("product",),
)
CHANGES = MetricSpec(
    "netwatch_hardware_changes_total",
    "counter",
    "Hardware changes since the agent's hardware memory began, by component (system, "
    "firmware, tpm, memory, disk, monitor, gpu, printer) and change (added, removed, "
    "replaced, changed); the agent logs each change with the parts before and after.",
    ("component", "change"),
)
LAST_CHANGE = MetricSpec(
    "netwatch_hardware_last_change_timestamp_seconds",
    "gauge",
    "Unix time of the collection that last found a hardware change; absent when none has.",
)
COLLECTED = MetricSpec(
    "netwatch_hardware_collection_timestamp_seconds",
    "gauge",
    "Unix time of the latest hardware collection.",
)
HARDWARE_METRICS = (
    HARDWARE_INFO,
    SECURE_BOOT,
    TPM_PRESENT,
    TPM_VERSION,
    MEMORY_MODULES,
    MEMORY_INSTALLED,
    PHYSICAL_DISKS,
    MONITORS,
    PRINTERS,
    WINDOWS_ACTIVATED,
    OFFICE_ACTIVATED,
    CHANGES,
    LAST_CHANGE,
    COLLECTED,
)

HardwareReader = Callable[[], Hardware]
UserReader = Callable[[], Iterable[str]]


class HardwareSettings(ScheduledSettings):
    """How often to read the hardware, and where its memory is kept."""

    interval: Duration = Field(86400.0, description="Time between two hardware readings.")
    timeout: Duration = Field(120.0, description="Hard limit for one reading.")
    memory_file: str = Field(
        default_factory=default_memory_file,
        description="Where the remembered hardware fingerprint, its changes and the users "
        "seen are kept across restarts (default: /var/lib/netwatch/hardware-memory.json; "
        "%ProgramData%\\netwatch on Windows).",
    )


def signed_in_users() -> set[str]:
    """The users with a login session now."""
    return {session.user for session in gather_sessions()}


def _gauge(spec: MetricSpec, value: float | None) -> list[Metric]:
    return [] if value is None else [spec.single(value)]


def identity_families(hardware: Hardware) -> list[Metric]:
    """The machine, firmware and TPM."""
    system, firmware, tpm = hardware.system, hardware.firmware, hardware.tpm
    families: list[Metric] = []
    labels = {
        "manufacturer": (system and system.manufacturer) or "",
        "model": (system and system.model) or "",
        "chassis": (system and system.chassis) or "",
        "firmware_vendor": (firmware and firmware.vendor) or "",
        "firmware_version": (firmware and firmware.version) or "",
    }
    if any(labels.values()):
        info = HARDWARE_INFO.family()
        info.add_metric([], labels)
        families.append(info)
    secure_boot = None if firmware is None else firmware.secure_boot
    families += _gauge(SECURE_BOOT, None if secure_boot is None else float(secure_boot))
    present = None if tpm is None else tpm.present
    families += _gauge(TPM_PRESENT, None if present is None else float(present))
    if tpm is not None and tpm.present and tpm.version:
        version = TPM_VERSION.family()
        version.add_metric([], {"version": tpm.version})
        families.append(version)
    return families


def part_families(hardware: Hardware) -> list[Metric]:
    """How many RAM modules, disks, monitors and printers; the RAM installed."""
    families: list[Metric] = []
    if not unread(hardware, "memory"):
        modules = hardware.memory_modules
        families.append(MEMORY_MODULES.single(len(modules)))
        sizes = [m.size for m in modules if m.size is not None]
        families += _gauge(MEMORY_INSTALLED, float(sum(sizes)) if sizes else None)
    if not unread(hardware, "disk"):
        families.append(PHYSICAL_DISKS.single(len(hardware.disks)))
    if not unread(hardware, "monitor"):
        families.append(MONITORS.single(len(hardware.monitors)))
    if not unread(hardware, "printer"):
        families.append(PRINTERS.single(len(hardware.printers)))
    return families


def activation_families(hardware: Hardware) -> list[Metric]:
    """Windows and Office activation, where the status is known."""
    families: list[Metric] = []
    windows = hardware.windows_licence
    if windows is not None and windows.status != "unknown":
        families.append(
            WINDOWS_ACTIVATED.single(float(windows.status == "licensed"), windows.channel)
        )
    office: dict[str, bool] = {}
    for licence in hardware.office_licences:
        if licence.status != "unknown":
            product = licence.product or ""
            office[product] = office.get(product, False) or licence.status == "licensed"
    if office:
        family = OFFICE_ACTIVATED.family()
        for product, activated in sorted(office.items()):
            family.add_metric([product], float(activated))
        families.append(family)
    return families


def memory_families(memory: HardwareMemory) -> list[Metric]:
    """The change counters (every possible one, from 0) and the collection times."""
    counters = CHANGES.family()
    for component, change in POSSIBLE_CHANGES:
        counters.add_metric(
            [component, change], memory.changes_total.get(component, {}).get(change, 0)
        )
    families: list[Metric] = [counters]
    families += _gauge(LAST_CHANGE, memory.last_change_at)
    families += _gauge(COLLECTED, memory.collected_at)
    return families


def log_change(change: HardwareChange) -> None:
    """One warning per change, naming the parts (the metrics do not)."""
    log.warning(
        "hardware change: %s %s (before: %s; after: %s)",
        change.component, change.change, change.before or "-", change.after or "-",
    )  # fmt: skip


class HardwareCollector:
    """Reads the hardware with ``read`` (the platform's reader) and remembers it.

    ``users`` gives the users signed in now (default: the login sessions); ``clock`` the
    time. A failing read raises: the engine keeps serving the previous run's metrics.
    """

    def __init__(
        self,
        settings: HardwareSettings,
        read: HardwareReader,
        users: UserReader = signed_in_users,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._read = read
        self._users = users
        self._clock = clock
        self._store = memory_store(Path(settings.memory_file))

    def collect(self) -> list[Metric]:
        hardware = self._read()
        now = self._clock()
        memory = self._store.load()
        for change in record_hardware(memory, hardware, now):
            log_change(change)
        last_user = hardware.usage.last_user if hardware.usage else None
        record_users(memory, {*self._users(), *filter(None, [last_user])}, now)
        self._store.save()
        return [
            *identity_families(hardware),
            *part_families(hardware),
            *activation_families(hardware),
            *memory_families(memory),
        ]


def _build(
    settings: HardwareSettings, access: HostAccess, config: AgentConfig
) -> HardwareCollector:
    assignment = config.asset.assignment()
    return HardwareCollector(settings, read=lambda: read_hardware(host_facts(access), assignment))


SPEC = register(
    CollectorSpec(
        name="hardware",
        description="Hardware identity, Secure Boot, TPM, RAM, disks, monitors, printers, "
        "Windows and Office activation, and hardware changes (daily).",
        settings_model=HardwareSettings,
        factory=_build,
        metrics=HARDWARE_METRICS,
    )
)
