"""The full host inventory as one JSON-ready structure (for ``netwatch inventory``)."""

from __future__ import annotations

import socket
from dataclasses import asdict
from typing import Any

import psutil

from netwatch import __version__
from netwatch.hostaccess import HostAccess
from netwatch.inventory.hardware import gather_cpu_info, gather_memory_info
from netwatch.inventory.nics import DEFAULT_EXCLUDED_INTERFACES, gather_nics
from netwatch.inventory.osinfo import gather_os_info
from netwatch.inventory.software import gather_packages
from netwatch.inventory.storage import DEFAULT_EXCLUDED_MOUNTS, PSEUDO_FSTYPES, gather_filesystems
from netwatch.inventory.users import gather_sessions
from netwatch.times import utc_iso

SCHEMA_VERSION = 1


def gather_inventory(
    access: HostAccess,
    exclude_fstypes: list[str] | None = None,
    exclude_mountpoints: str = DEFAULT_EXCLUDED_MOUNTS,
    exclude_interfaces: str = DEFAULT_EXCLUDED_INTERFACES,
    software_timeout: float = 60.0,
) -> dict[str, Any]:
    """Everything netwatch knows about this host, including the installed software list."""
    filesystems, _ = gather_filesystems(
        exclude_fstypes if exclude_fstypes is not None else PSEUDO_FSTYPES, exclude_mountpoints
    )
    nics, _ = gather_nics(exclude_interfaces)
    packages = gather_packages(access, software_timeout)
    return {
        "schema_version": SCHEMA_VERSION,
        "collected_at": utc_iso(),
        "agent_version": __version__,
        "host": asdict(gather_os_info(access, socket.getfqdn())),
        "boot_time": psutil.boot_time(),
        "cpu": asdict(gather_cpu_info(access)),
        "memory": asdict(gather_memory_info()),
        "filesystems": [asdict(fs) for fs in filesystems],
        "network_interfaces": [asdict(nic) for nic in nics],
        "sessions": [asdict(s) for s in gather_sessions()],
        "software": [asdict(p) for p in packages],
    }
