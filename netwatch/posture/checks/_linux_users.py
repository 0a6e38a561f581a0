"""Parsers for Linux account files: passwd, shadow, key/value configs, PAM stacks.

sudoers lives in :mod:`netwatch.posture.parsers.sudoers`.

Every reader takes the host's :class:`~netwatch.hostaccess.Files`, so paths are relative to the
audited root. Malformed lines are skipped, never fatal: the checks decide on
what the system itself would understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.hostaccess import Files


class UnreadableFile(Exception):
    """A file exists but cannot be read (permissions, I/O): a real cause for ``error``."""


def read_optional(files: Files, path: str) -> str | None:
    """The text of ``path``; None when missing or a directory; :class:`UnreadableFile` else."""
    try:
        return files.read_text(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc


def list_dir(files: Files, path: str) -> list[str]:
    """Names in a directory, sorted; :class:`UnreadableFile` when it cannot be listed."""
    try:
        return list(files.list_dir(path))
    except OSError as exc:
        raise UnreadableFile(f"cannot list {path}: {exc.strerror or exc}") from exc


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with trailing-backslash continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(line)
        joined.append((start, " ".join(pending)))
        pending = []
    if pending:
        joined.append((start, " ".join(pending)))
    return joined


# passwd and shadow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswdEntry:
    """One account of /etc/passwd."""

    name: str
    password: str
    uid: int
    line: int


@dataclass(frozen=True)
class ShadowEntry:
    """One account of /etc/shadow (the hash itself is never shown in evidence)."""

    name: str
    password: str
    max_days: str
    line: int

    @property
    def usable_password(self) -> bool:
        """True when the field holds a hash a login can match (not empty, not locked)."""
        return bool(self.password) and self.password[0] not in "!*"


_NUMBER = re.compile("[0-9]{1,20}")


def parse_passwd(text: str) -> list[PasswdEntry]:
    """Accounts of a passwd file; NIS ``+``/``-`` lines and malformed lines are skipped.

    A UID is decimal digits (``²`` or a 5000-digit number make the line malformed).
    """
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) != 7 or not fields[0] or fields[0][0] in "+-#":
            continue
        if not _NUMBER.fullmatch(fields[2]):
            continue
        entries.append(PasswdEntry(fields[0], fields[1], int(fields[2]), number))
    return entries


def parse_shadow(text: str) -> list[ShadowEntry]:
    """Accounts of a shadow file; lines without name and password field are skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) < 2 or not fields[0] or fields[0][0] in "+-#":
            continue
        max_days = fields[4] if len(fields) > 4 else ""
        entries.append(ShadowEntry(fields[0], fields[1], max_days, number))
    return entries


# key/value configuration files ---------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A value read from a configuration file, with where it was read."""

    value: str
    source: str


def parse_settings(text: str, path: str, spaced: bool = False) -> dict[str, Setting]:
    """``key = value`` settings (``KEY value`` when ``spaced``, as in login.defs); last wins.

    ``=`` keys are lower-cased (pwquality.conf, faillock.conf); spaced keys are kept
    as written. A bare word is a flag with the value "".
    """
    settings: dict[str, Setting] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if spaced:
            key, value = (line.split(None, 1) + [""])[:2]
        else:
            key, _, value = line.partition("=")
            key = key.strip().lower()
        if key and not any(char.isspace() for char in key):
            settings[key] = Setting(value.strip().strip('"'), f"{path}:{number}")
    return settings


# PAM -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PamRule:
    """One rule of a PAM stack file."""

    kind: str
    control: str
    module: str
    args: tuple[str, ...]
    source: str

    def arg(self, name: str) -> str | None:
        """The value of ``name=value`` among the module arguments, or None."""
        for item in self.args:
            key, sep, value = item.partition("=")
            if sep and key == name:
                return value
        return None


_PAM_RULE = re.compile(r"^-?(\w+)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$")


def parse_pam(text: str, path: str) -> list[PamRule]:
    """The rules of a PAM stack file (``@include`` lines and malformed lines are skipped)."""
    rules = []
    for number, line in logical_lines(text):
        match = _PAM_RULE.match(line.split("#", 1)[0].strip())
        if match is None:
            continue
        kind, control, module, args = match.groups()
        name = module.rsplit("/", 1)[-1].removesuffix(".so")
        rules.append(PamRule(kind.lower(), control, name, tuple(args.split()), f"{path}:{number}"))
    return rules
