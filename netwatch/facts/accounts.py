"""Local accounts: /etc/passwd, /etc/group and /etc/shadow, each line with its number.

Lines are split on ``:`` as the C library's files backend does. NIS ``+``/``-``
lines, comments and malformed lines are skipped, never fatal: a check decides on
what the system itself would understand. A UID or GID is decimal digits (``²`` or a
5000-digit number make it malformed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PASSWD = "/etc/passwd"
GROUP = "/etc/group"
SHADOW = "/etc/shadow"

_NUMBER = re.compile("[0-9]{1,20}")


def _number(text: str) -> int | None:
    return int(text) if _NUMBER.fullmatch(text) else None


def _skipped(name: str) -> bool:
    return not name or name[0] in "+-#"


@dataclass(frozen=True)
class PasswdEntry:
    """One account of /etc/passwd (``gid`` None when the field is not a number)."""

    name: str
    password: str
    uid: int
    line: int
    gid: int | None = None
    home: str = ""
    shell: str = ""

    @property
    def source(self) -> str:
        """``/etc/passwd:<line>``."""
        return f"{PASSWD}:{self.line}"


@dataclass(frozen=True)
class GroupEntry:
    """One group of /etc/group and its listed members."""

    name: str
    gid: int | None
    members: frozenset[str]
    line: int

    @property
    def source(self) -> str:
        """``/etc/group:<line>``."""
        return f"{GROUP}:{self.line}"


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

    @property
    def source(self) -> str:
        """``/etc/shadow:<line>``."""
        return f"{SHADOW}:{self.line}"


def parse_passwd(text: str) -> list[PasswdEntry]:
    """Accounts of a passwd file (seven fields, a numeric UID)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) != 7 or _skipped(fields[0]):
            continue
        uid = _number(fields[2])
        if uid is None:
            continue
        gid = _number(fields[3][:10])
        entries.append(
            PasswdEntry(fields[0], fields[1], uid, number, gid, fields[5], fields[6].strip())
        )
    return entries


def parse_group(text: str) -> list[GroupEntry]:
    """Groups of a group file (four fields; a GID that is not a number is None)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) != 4 or _skipped(fields[0]):
            continue
        gid = int(fields[2]) if fields[2].isascii() and fields[2].isdigit() else None
        members = frozenset(m.strip() for m in fields[3].split(",") if m.strip())
        entries.append(GroupEntry(fields[0], gid, members, number))
    return entries


def parse_shadow(text: str) -> list[ShadowEntry]:
    """Accounts of a shadow file; lines without name and password field are skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) < 2 or _skipped(fields[0]):
            continue
        max_days = fields[4] if len(fields) > 4 else ""
        entries.append(ShadowEntry(fields[0], fields[1], max_days, number))
    return entries
