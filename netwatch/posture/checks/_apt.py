"""Debian package state and APT configuration, read from files (dpkg and apt are never run)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.hostaccess import Files

DPKG_STATUS = "/var/lib/dpkg/status"
APT_CONF = "/etc/apt/apt.conf"
APT_CONF_DIR = "/etc/apt/apt.conf.d"

# APT reads the files of apt.conf.d whose names use only these characters, and skips
# backups and package-manager leftovers silently (Dir::Ignore-Files-Silently).
_VALID_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_IGNORED_PART = re.compile(
    r"(~|\.disabled|\.bak|\.save|\.orig|\.distUpgrade|\.dpkg-[a-z]+|\.ucf-[a-z]+)$"
)
_TOKEN = re.compile(
    r'"(?P<quoted>[^"]*)"'
    r"|(?P<comment>//[^\n]*|/\*.*?\*/|#[^\n]*)"
    r"|(?P<punct>[{};])"
    r'|(?P<word>[^\s{};"]+)',
    re.DOTALL,
)


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


@dataclass(frozen=True)
class AptSetting:
    """One assignment in the APT configuration, with the scopes joined (``A::B::C``)."""

    key: str
    value: str
    source: str


def parse_apt_conf(text: str, path: str) -> list[AptSetting]:
    """Assignments of an apt.conf file, in order; both ``A::B "v";`` and ``A { B "v"; };``.

    List items (``"value";`` without a name) and directives (``#clear``, ``#include``)
    are skipped: the checks only look at single values.
    """
    settings: list[AptSetting] = []
    scopes: list[str] = []
    statement: list[tuple[str, bool, int]] = []
    line, position = 1, 0
    for match in _TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        punct = match["punct"]
        if match["comment"] is not None:
            continue
        if punct == "{":
            scopes.append(statement[0][0] if statement else "")
            statement = []
        elif punct == "}":
            if scopes:
                scopes.pop()
            statement = []
        elif punct == ";":
            if len(statement) >= 2 and not statement[0][1]:
                name = "::".join([*filter(None, scopes), statement[0][0]])
                settings.append(AptSetting(name, statement[1][0], f"{path}:{statement[0][2]}"))
            statement = []
        elif match["quoted"] is not None:
            statement.append((match["quoted"], True, line))
        else:
            statement.append((match["word"], False, line))
    return settings


def apt_config(files: Files) -> list[AptSetting]:
    """Every assignment in the order APT reads them: apt.conf.d/* sorted, then apt.conf."""
    paths = [
        f"{APT_CONF_DIR}/{name}"
        for name in files.list_dir(APT_CONF_DIR)
        if _VALID_PART.match(name) and not _IGNORED_PART.search(name)
    ]
    settings: list[AptSetting] = []
    for path in [*paths, APT_CONF]:
        text = files.read_text_or_none(path)
        if text is not None:
            settings.extend(parse_apt_conf(text, path))
    return settings


def last_setting(settings: list[AptSetting], key: str) -> AptSetting | None:
    """The assignment of ``key`` that wins (the last one; APT keys ignore case)."""
    wanted = key.lower()
    found = [setting for setting in settings if setting.key.lower() == wanted]
    return found[-1] if found else None
