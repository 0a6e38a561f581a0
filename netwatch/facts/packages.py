"""Installed packages: dpkg's status file, the rpm database, Windows' Uninstall keys.

dpkg's status file is read as deb822 stanzas separated by blank lines; field names
ignore case, continuation lines (starting with a space or tab) belong to the field
above and are not needed here. Every stanza is kept with its status and the line it
starts on: a package dpkg lists but has not installed (``deinstall ok config-files``)
is evidence too. rpm is asked (``rpm -qa``, with ``--root`` for an image), never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netwatch.hostaccess import HostAccess, RegistryReader
from netwatch.hostaccess.commands import CommandError
from netwatch.i18n import Message, msg

DPKG_STATUS = "/var/lib/dpkg/status"
RPM_QUERY_FORMAT = "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\n"
RPM_DATABASE = "/var/lib/rpm"
RPM_SOURCE = "command: rpm -qa"  # where an rpm package was read (an evidence source)
WINDOWS_UNINSTALL_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
)
WINDOWS_USER_UNINSTALL = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"


class PackageQueryError(Exception):
    """The package database exists but could not be read (rpm failing or too slow).

    ``message`` is the cause for readers; ``str()`` its English.
    """

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Package:
    """One package or program a package manager lists.

    ``status`` is dpkg's Status field (empty for rpm and Windows, which list installed
    programs only) and ``source`` where the entry was read; neither takes part in
    comparisons.
    """

    name: str
    version: str
    arch: str
    vendor: str
    manager: str
    status: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    @property
    def installed(self) -> bool:
        """True when the package is installed (dpkg: ``... ok installed``)."""
        return self.manager != "dpkg" or self.status.split()[-1:] == ["installed"]


@dataclass(frozen=True)
class DpkgStatus:
    """Every stanza of dpkg's status file, in file order."""

    packages: tuple[Package, ...]

    def get(self, name: str) -> Package | None:
        """The stanza of ``name``; of several architectures, an installed one."""
        found = None
        for package in self.packages:
            if package.name == name and (found is None or package.installed):
                found = package
        return found

    def installed(self) -> list[Package]:
        """The installed packages (every architecture)."""
        return [package for package in self.packages if package.installed]


def _stanza(fields: dict[str, str], start: int, path: str) -> Package | None:
    name = fields.get("package")
    if not name:
        return None
    return Package(
        name=name,
        version=fields.get("version", ""),
        arch=fields.get("architecture", ""),
        vendor=fields.get("maintainer", ""),
        manager="dpkg",
        status=fields.get("status", ""),
        source=f"{path}:{start}",
    )


def parse_dpkg_status(text: str, path: str = DPKG_STATUS) -> DpkgStatus:
    """The stanzas of a dpkg status file read from ``path`` (nameless stanzas skipped)."""
    packages: list[Package] = []
    fields: dict[str, str] = {}
    start = 0
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if not line.strip():
            package = _stanza(fields, start, path)
            if package is not None:
                packages.append(package)
            fields = {}
            continue
        key, sep, value = line.partition(":")
        if sep and not line[0].isspace():
            if not fields:
                start = number
            fields[key.strip().lower()] = value.strip()
    return DpkgStatus(tuple(packages))


def parse_rpm_query(text: str) -> list[Package]:
    """Packages from ``rpm -qa --qf`` output in :data:`RPM_QUERY_FORMAT`."""
    packages = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or not parts[0]:
            continue
        vendor = "" if parts[3] == "(none)" else parts[3]
        packages.append(Package(parts[0], parts[1], parts[2], vendor, "rpm", source=RPM_SOURCE))
    return packages


def query_rpm(access: HostAccess, timeout: float) -> list[Package]:
    """The rpm database's packages; none where there is no database or no rpm program.

    Raises :class:`PackageQueryError` when rpm fails or is too slow.
    """
    if not access.files.exists(RPM_DATABASE) or not access.commands.which("rpm"):
        return []
    argv = ["rpm", "-qa", "--qf", RPM_QUERY_FORMAT]
    if not access.live:
        argv[1:1] = ["--root", access.files.root]
    try:
        result = access.commands.run(argv, timeout=timeout)
    except CommandError as exc:
        raise PackageQueryError(exc.message) from exc
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        why = lines[0] if lines else msg("exit code {code}", code=result.returncode)
        raise PackageQueryError(msg("rpm -qa failed: {why}", why=why))
    return parse_rpm_query(result.stdout)


def _uninstall_roots(registry: RegistryReader) -> list[tuple[str, str]]:
    """(Uninstall key, arch label): the machine's 64- and 32-bit views, then each loaded
    user hive (programs such as Zalo install for one user only)."""
    roots = [(root, "x86" if "WOW6432Node" in root else "x64") for root in WINDOWS_UNINSTALL_KEYS]
    for sid in registry.subkeys("HKU"):
        if sid.startswith("S-1-5-21-") and not sid.endswith("_Classes"):
            roots.append((f"HKU\\{sid}\\{WINDOWS_USER_UNINSTALL}", "per-user"))
    return roots


def windows_programs(registry: RegistryReader) -> list[Package]:
    """Programs listed in Add/Remove Programs (64- and 32-bit views and per-user installs).

    Like the Control Panel, entries without a DisplayName, system components
    and updates that belong to a parent program are left out.
    """
    found: dict[tuple[str, str], Package] = {}
    for root, arch in _uninstall_roots(registry):
        for subkey in registry.subkeys(root):
            key = f"{root}\\{subkey}"
            values = registry.values(key)
            name = str(values.get("DisplayName", "")).strip()
            if not name or values.get("SystemComponent") == 1 or values.get("ParentKeyName"):
                continue
            version = str(values.get("DisplayVersion", "")).strip()
            vendor = str(values.get("Publisher", "")).strip()
            found.setdefault(
                (name, version), Package(name, version, arch, vendor, "windows", source=key)
            )
    return sorted(found.values(), key=lambda p: p.name.lower())
