"""Parsers for Linux account settings: key/value configs and PAM stacks.

passwd, group and shadow are facts (:mod:`netwatch.facts.accounts`, ``ctx.facts.users``,
``.groups``, ``.shadow``); sudoers lives in :mod:`netwatch.posture.parsers.sudoers`.
Malformed lines are skipped, never fatal: the checks decide on what the system itself
would understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.facts.files import UnreadableFile, list_dir, read_optional

# checks/linux/accounts.py still imports the file readers from here (netwatch.facts.files).
__all__ = [
    "PamRule",
    "Setting",
    "UnreadableFile",
    "list_dir",
    "logical_lines",
    "parse_pam",
    "parse_settings",
    "read_optional",
]


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
