"""Installed software: dpkg and rpm on Linux, the Uninstall registry keys on Windows.

The package databases are read by :mod:`netwatch.facts.packages`; this module picks
the host's software from them and shapes it for the inventory report.
"""

from __future__ import annotations

from netwatch.facts.host import HostFacts, host_facts
from netwatch.facts.packages import WINDOWS_UNINSTALL_KEYS, Package
from netwatch.hostaccess import HostAccess

# tests/unit/test_windows_inventory.py still imports the Uninstall keys from here.
__all__ = [
    "WINDOWS_UNINSTALL_KEYS",
    "Package",
    "gather_packages",
    "package_record",
    "windows_programs",
]


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


def gather_packages(source: HostAccess | HostFacts, timeout: float = 60.0) -> list[Package]:
    """Installed software of the host ``source`` looks at."""
    return list(host_facts(source, package_timeout=timeout).packages)
