"""Installed software: dpkg and rpm on Linux, the Uninstall registry keys on Windows.

The package databases are read by :mod:`netwatch.facts.packages`; this module picks
the host's software from them and shapes it for the inventory report.
"""

from __future__ import annotations

from netwatch.facts.host import HostFacts, host_facts
from netwatch.facts.packages import (
    DPKG_STATUS,
    RPM_QUERY_FORMAT,
    WINDOWS_UNINSTALL_KEYS,
    Package,
    PackageQueryError,
    parse_rpm_query,
)
from netwatch.facts.packages import parse_dpkg_status as parse_status_file
from netwatch.hostaccess import HostAccess

SoftwareInventoryError = PackageQueryError

__all__ = [
    "DPKG_STATUS",
    "RPM_QUERY_FORMAT",
    "WINDOWS_UNINSTALL_KEYS",
    "Package",
    "SoftwareInventoryError",
    "gather_packages",
    "linux_packages",
    "package_record",
    "parse_dpkg_status",
    "parse_rpm_query",
    "windows_programs",
]


def parse_dpkg_status(text: str) -> list[Package]:
    """The installed packages of a dpkg status file's text."""
    return parse_status_file(text).installed()


def package_record(package: Package) -> dict[str, str]:
    """A package as the inventory document lists it."""
    return {
        "name": package.name,
        "version": package.version,
        "arch": package.arch,
        "vendor": package.vendor,
        "manager": package.manager,
    }


def windows_programs(source: HostAccess | HostFacts) -> list[Package]:
    """Programs listed in Add/Remove Programs; none without a registry."""
    return list(host_facts(source).windows_programs)


def linux_packages(source: HostAccess | HostFacts, timeout: float = 60.0) -> list[Package]:
    """Packages from dpkg's status file and, where rpm exists, the rpm database."""
    facts = host_facts(source, package_timeout=timeout)
    dpkg = facts.dpkg.installed() if facts.dpkg is not None else []
    return sorted([*dpkg, *facts.rpm], key=lambda p: (p.manager, p.name))


def gather_packages(source: HostAccess | HostFacts, timeout: float = 60.0) -> list[Package]:
    """Installed software of the host ``source`` looks at."""
    return list(host_facts(source, package_timeout=timeout).packages)
