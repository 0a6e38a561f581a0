"""Installed software: dpkg and rpm on Linux, the Uninstall registry keys on Windows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netwatch.hostaccess import HostAccess, RegistryReader
from netwatch.hostaccess.commands import CommandError

DPKG_STATUS = "/var/lib/dpkg/status"
RPM_QUERY_FORMAT = "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\n"
WINDOWS_UNINSTALL_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
)


WINDOWS_USER_UNINSTALL = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"


class SoftwareInventoryError(Exception):
    """The package database exists but could not be read."""


@dataclass(frozen=True)
class Package:
    """One installed package or program."""

    name: str
    version: str
    arch: str
    vendor: str
    manager: str


def _stanzas(text: str) -> Iterator[str]:
    """The blank-line separated stanzas of ``text``, one at a time (no list of copies)."""
    start = 0
    while start < len(text):
        end = text.find("\n\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 2


def parse_dpkg_status(text: str) -> list[Package]:
    """Installed packages from a dpkg status file (stanzas separated by blank lines)."""
    packages = []
    for stanza in _stanzas(text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        status = fields.get("Status", "").split()
        if fields.get("Package") and status[-1:] == ["installed"]:
            packages.append(
                Package(
                    name=fields["Package"],
                    version=fields.get("Version", ""),
                    arch=fields.get("Architecture", ""),
                    vendor=fields.get("Maintainer", ""),
                    manager="dpkg",
                )
            )
    return packages


def parse_rpm_query(text: str) -> list[Package]:
    """Packages from ``rpm -qa --qf`` output in :data:`RPM_QUERY_FORMAT`."""
    packages = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or not parts[0]:
            continue
        vendor = "" if parts[3] == "(none)" else parts[3]
        packages.append(Package(parts[0], parts[1], parts[2], vendor, "rpm"))
    return packages


def _uninstall_roots(registry: RegistryReader) -> list[tuple[str, str]]:
    """(Uninstall key, arch label): the machine's 64- and 32-bit views, then each loaded
    user hive (programs such as Zalo install for one user only)."""
    roots = [(root, "x86" if "WOW6432Node" in root else "x64") for root in WINDOWS_UNINSTALL_KEYS]
    for sid in registry.subkeys("HKU"):
        if sid.startswith("S-1-5-21-") and not sid.endswith("_Classes"):
            roots.append((f"HKU\\{sid}\\{WINDOWS_USER_UNINSTALL}", "per-user"))
    return roots


def windows_programs(access: HostAccess) -> list[Package]:
    """Programs listed in Add/Remove Programs (64- and 32-bit views and per-user installs).

    Like the Control Panel, entries without a DisplayName, system components
    and updates that belong to a parent program are left out.
    """
    registry = access.registry
    if registry is None:
        return []
    found: dict[tuple[str, str], Package] = {}
    for root, arch in _uninstall_roots(registry):
        for subkey in registry.subkeys(root):
            values = registry.values(f"{root}\\{subkey}")
            name = str(values.get("DisplayName", "")).strip()
            if not name or values.get("SystemComponent") == 1 or values.get("ParentKeyName"):
                continue
            version = str(values.get("DisplayVersion", "")).strip()
            found.setdefault(
                (name, version),
                Package(name, version, arch, str(values.get("Publisher", "")).strip(), "windows"),
            )
    return sorted(found.values(), key=lambda p: p.name.lower())


def linux_packages(access: HostAccess, timeout: float = 60.0) -> list[Package]:
    """Packages from dpkg's status file and, where rpm exists, the rpm database."""
    packages: list[Package] = []
    dpkg = access.files.read_text_or_none(DPKG_STATUS)
    if dpkg is not None:
        packages.extend(parse_dpkg_status(dpkg))
    if access.files.exists("/var/lib/rpm") and access.commands.which("rpm"):
        argv = ["rpm", "-qa", "--qf", RPM_QUERY_FORMAT]
        if not access.live:
            argv[1:1] = ["--root", access.files.root]
        try:
            result = access.commands.run(argv, timeout=timeout)
        except CommandError as exc:
            raise SoftwareInventoryError(str(exc)) from exc
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[:1] or [f"exit code {result.returncode}"]
            raise SoftwareInventoryError(f"rpm -qa failed: {reason[0]}")
        packages.extend(parse_rpm_query(result.stdout))
    return sorted(packages, key=lambda p: (p.manager, p.name))


def gather_packages(access: HostAccess, timeout: float = 60.0) -> list[Package]:
    """Installed software of the host ``access`` looks at."""
    if access.registry is not None:
        return windows_programs(access)
    return linux_packages(access, timeout)
