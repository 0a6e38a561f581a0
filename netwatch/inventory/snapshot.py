"""The full host inventory as one JSON-ready structure (for ``netwatch inventory``)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import psutil

from netwatch import __version__
from netwatch.assets.collect import read_hardware
from netwatch.assets.model import Assignment
from netwatch.core.errors import one_line
from netwatch.facts.host import HostFacts, host_facts
from netwatch.hostaccess import HostAccess
from netwatch.inventory.hardware import gather_cpu_info, gather_memory_info
from netwatch.inventory.nics import DEFAULT_EXCLUDED_INTERFACES, gather_nics
from netwatch.inventory.osinfo import gather_os_info
from netwatch.inventory.software import gather_packages, package_record
from netwatch.inventory.storage import DEFAULT_EXCLUDED_MOUNTS, PSEUDO_FSTYPES, gather_filesystems
from netwatch.inventory.users import gather_sessions
from netwatch.times import utc_iso

SCHEMA_VERSION = 1

log = logging.getLogger("netwatch.inventory")


T = TypeVar("T")
F = TypeVar("F")


class _Items:
    """Gathers inventory items one by one; a failing item is recorded, never fatal.

    Office PCs often have broken performance counters (psutil's memory call then
    raises ``RuntimeError: PdhAddEnglishCounterW failed``) or locked-down WMI: the
    rest of the inventory must still be reported.
    """

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def get(self, item: str, gather: Callable[[], T], fallback: F) -> T | F:
        try:
            return gather()
        except Exception as exc:  # noqa: BLE001 - one item's failure is data, not a crash
            reason = one_line(exc)
            log.warning("inventory: %s unavailable: %s", item, reason)
            self.errors.append({"item": item, "error": reason})
            return fallback


def gather_inventory(
    source: HostAccess | HostFacts,
    exclude_fstypes: list[str] | None = None,
    exclude_mountpoints: str = DEFAULT_EXCLUDED_MOUNTS,
    exclude_interfaces: str = DEFAULT_EXCLUDED_INTERFACES,
    software_timeout: float = 60.0,
    assignment: Assignment | None = None,
    memory_file: Path | None = None,
) -> dict[str, Any]:
    """Everything netwatch knows about this host, including the installed software list.

    An item that cannot be read is None (or an empty list) and is listed under
    ``errors`` with the reason. Facts passed in (an audit's) keep their own package timeout.
    """
    items = _Items()
    facts = host_facts(source, package_timeout=software_timeout)
    fstypes = exclude_fstypes if exclude_fstypes is not None else PSEUDO_FSTYPES
    filesystems = items.get(
        "filesystems", lambda: gather_filesystems(fstypes, exclude_mountpoints)[0], []
    )
    nics = items.get("network_interfaces", lambda: gather_nics(exclude_interfaces)[0], [])
    packages = items.get("software", lambda: gather_packages(facts), [])
    host = items.get("host", lambda: asdict(gather_os_info(facts, socket.getfqdn())), None)
    return {
        "schema_version": SCHEMA_VERSION,
        "collected_at": utc_iso(),
        "agent_version": __version__,
        "host": host,
        "boot_time": items.get("boot_time", psutil.boot_time, None),
        "cpu": items.get("cpu", lambda: asdict(gather_cpu_info(facts.access)), None),
        "memory": items.get("memory", lambda: asdict(gather_memory_info()), None),
        "filesystems": [asdict(fs) for fs in filesystems],
        "network_interfaces": [asdict(nic) for nic in nics],
        "sessions": items.get("sessions", lambda: [asdict(s) for s in gather_sessions()], []),
        "software": [package_record(p) for p in packages],
        "hardware": items.get(
            "hardware",
            lambda: read_hardware(facts, assignment, memory_file).model_dump(mode="json"),
            None,
        ),
        "errors": items.errors,
    }
