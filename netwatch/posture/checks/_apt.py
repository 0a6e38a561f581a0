"""Debian package state and APT configuration, read from files (dpkg and apt are never run).

The APT configuration itself is read by :mod:`netwatch.posture.parsers.apt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from netwatch.hostaccess import Files

DPKG_STATUS = "/var/lib/dpkg/status"


@dataclass(frozen=True)
class DpkgPackage:
    """One package stanza of the dpkg status file."""

    name: str
    status: str
    version: str
    line: int

    @property
    def installed(self) -> bool:
        """True when dpkg considers the package installed (``... ok installed``)."""
        return self.status.split()[-1:] == ["installed"]

    @property
    def source(self) -> str:
        """Where the stanza starts, e.g. ``/var/lib/dpkg/status:120``."""
        return f"{DPKG_STATUS}:{self.line}"


def dpkg_packages(files: Files) -> dict[str, DpkgPackage] | None:
    """Packages listed in the dpkg status file by name; None when the file is absent."""
    text = files.read_text_or_none(DPKG_STATUS)
    if text is None:
        return None
    packages: dict[str, DpkgPackage] = {}
    fields: dict[str, str] = {}
    start = 0
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if not line.strip():
            name = fields.get("package")
            if name:
                status, version = fields.get("status", ""), fields.get("version", "")
                package = DpkgPackage(name, status, version, start)
                # several architectures of one package: the installed one counts
                if name not in packages or package.installed:
                    packages[name] = package
            fields = {}
            continue
        key, sep, value = line.partition(":")
        if sep and not line[0].isspace():
            if not fields:
                start = number
            fields[key.strip().lower()] = value.strip()
    return packages
