"""Operating-system identity: /etc/os-release on Linux, the registry on Windows."""

from __future__ import annotations

import platform
import re
import socket
import sys
from dataclasses import dataclass

from netwatch.facts.host import HostFacts, host_facts
from netwatch.hostaccess import HostAccess

WINDOWS_VERSION_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
WINDOWS_CRYPTOGRAPHY_KEY = r"HKLM\SOFTWARE\Microsoft\Cryptography"
WINDOWS_11_FIRST_BUILD = 22000


@dataclass(frozen=True)
class OsInfo:
    """What the host is and runs."""

    hostname: str
    fqdn: str
    os_family: str
    os_id: str
    os_name: str
    os_version: str
    kernel: str
    arch: str
    machine_id: str


def linux_os_info(source: HostAccess | HostFacts, hostname: str, fqdn: str) -> OsInfo:
    """OS identity of a Linux host (or a mounted Linux image under ``access.files.root``)."""
    facts = host_facts(source)
    release = facts.os_release
    fields = release.fields if release is not None else {}
    live = facts.access.live
    return OsInfo(
        hostname=hostname,
        fqdn=fqdn,
        os_family="linux",
        os_id=fields.get("ID", "linux"),
        os_name=fields.get("NAME", "Linux"),
        os_version=fields.get("VERSION_ID", fields.get("VERSION", "")),
        kernel=platform.release() if live else "",
        arch=platform.machine() if live else "",
        machine_id=facts.machine_id,
    )


def windows_os_info(source: HostAccess | HostFacts, hostname: str, fqdn: str, arch: str) -> OsInfo:
    """OS identity of a Windows host from the registry.

    ``ProductName`` still says "Windows 10" on Windows 11, so the build number
    decides; ``DisplayVersion`` (e.g. 23H2) and ``UBR`` complete the version.
    """
    registry = host_facts(source).registry
    values = registry.values(WINDOWS_VERSION_KEY) if registry else {}
    product = str(values.get("ProductName", "Windows"))
    build_text = str(values.get("CurrentBuildNumber", values.get("CurrentBuild", "")))
    build = int(build_text) if re.fullmatch("[0-9]{1,10}", build_text) else 0
    if build >= WINDOWS_11_FIRST_BUILD and product.startswith("Windows 10"):
        product = "Windows 11" + product[len("Windows 10") :]
    release = str(values.get("DisplayVersion", values.get("ReleaseId", "")))
    ubr = values.get("UBR")
    # CurrentVersion is frozen at "6.3" since Windows 8.1; Windows 10+ adds the real numbers.
    major, minor = values.get("CurrentMajorVersionNumber"), values.get("CurrentMinorVersionNumber")
    if isinstance(major, int) and isinstance(minor, int):
        nt = f"{major}.{minor}"
    else:
        nt = str(values.get("CurrentVersion", "10.0"))
    kernel = f"{nt}.{build}.{ubr}" if build and isinstance(ubr, int) else f"{nt}.{build}"
    guid = registry.values(WINDOWS_CRYPTOGRAPHY_KEY).get("MachineGuid", "") if registry else ""
    return OsInfo(
        hostname=hostname,
        fqdn=fqdn,
        os_family="windows",
        os_id="windows",
        os_name=product,
        os_version=release or build_text,
        kernel=kernel,
        arch=arch,
        machine_id=str(guid),
    )


def gather_os_info(source: HostAccess | HostFacts, fqdn: str | None = None) -> OsInfo:
    """OS identity of the host ``source`` looks at."""
    facts = host_facts(source)
    hostname = socket.gethostname()
    resolved = fqdn if fqdn is not None else hostname
    if facts.access.registry is not None and sys.platform == "win32":
        return windows_os_info(facts, hostname, resolved, platform.machine())
    return linux_os_info(facts, hostname, resolved)
