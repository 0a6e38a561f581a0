"""ufw's configuration as its boot script reads it, and ``ufw status verbose`` (ufw 0.36.2).

At boot ``/lib/ufw/ufw-init start`` sources ``/lib/ufw/ufw-init-functions``,
``/etc/ufw/ufw.conf`` and ``/etc/default/ufw`` with the shell, in that order, and stops
without loading anything when one of them is missing or empty. It starts the firewall
only when ``$ENABLED`` is exactly ``yes`` or ``YES``, and ``ufw_start`` sets the INPUT
policy from ``$DEFAULT_INPUT_POLICY`` (``DROP``, ``REJECT`` or ``ACCEPT``).

The files are read as the shell assigns: ``NAME=value`` (``export`` before it is
allowed), the value one shell word: ``'...'`` and ``"..."`` quote (a backslash escapes
in double quotes and outside), unquoted text ends at a blank, and ``#`` starts a comment
only at the start of a word (``ENABLED=yes # on`` is ``yes``; ``ENABLED=yes#`` is
``yes#``). A later assignment wins, across both files. Lines that are not plain
assignments (commands, ``$`` expansions) are not evaluated; a value holding ``$`` or
a backquote is kept as written and never counts as ``yes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg

UFW_CONF = "/etc/ufw/ufw.conf"
UFW_DEFAULTS = "/etc/default/ufw"
ENABLED_VALUES = ("yes", "YES")
DENY_POLICIES = ("DROP", "REJECT")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_STATUS = re.compile(r"^Status: (\w+)", re.MULTILINE)
_DEFAULT = re.compile(r"^Default:.*?\b(\w+) \(incoming\)", re.MULTILINE)


@dataclass(frozen=True)
class ShellValue:
    """A variable the shell assigned, and the line that assigned it last."""

    name: str
    value: str
    source: str


def shell_word(text: str) -> str | None:
    """The first shell word of ``text`` with quotes removed; None when a quote is unclosed."""
    word: list[str] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char in " \t":
            break
        if char == "'":
            end = text.find("'", index + 1)
            if end < 0:
                return None
            word.append(text[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1
            while index < size and text[index] != '"':
                if text[index] == "\\" and text[index + 1 : index + 2] in ('"', "\\", "$", "`"):
                    index += 1
                word.append(text[index])
                index += 1
            if index >= size:
                return None
            index += 1
        elif char == "\\" and index + 1 < size:
            word.append(text[index + 1])
            index += 2
        else:
            word.append(char)
            index += 1
    return "".join(word)


def shell_assignments(text: str, path: str) -> dict[str, ShellValue]:
    """The plain ``NAME=value`` assignments of a sourced file, the last one of each name."""
    found: dict[str, ShellValue] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match is None:
            continue
        value = shell_word(match.group(2))
        if value is not None:
            found[match.group(1)] = ShellValue(match.group(1), value, f"{path}:{number}")
    return found


@dataclass(frozen=True)
class UfwBoot:
    """What ufw-init does at boot: start or not, and the INPUT policy it sets."""

    enabled: ShellValue | None
    input_policy: ShellValue | None
    missing: str = ""  # a file ufw-init needs that is missing or empty

    @property
    def starts(self) -> bool:
        """ufw-init starts the firewall."""
        return (
            not self.missing and self.enabled is not None and self.enabled.value in ENABLED_VALUES
        )

    @property
    def denies(self) -> bool:
        """Started with DROP or REJECT as the INPUT policy."""
        policy = self.input_policy.value if self.input_policy else ""
        return self.starts and policy in DENY_POLICIES


def read_ufw_boot(files: Files) -> UfwBoot | None:
    """ufw's boot configuration; None when ufw.conf does not exist (ufw not installed)."""
    conf = files.read_text_or_none(UFW_CONF)
    if conf is None:
        return None
    defaults = files.read_text_or_none(UFW_DEFAULTS)
    values = shell_assignments(conf, UFW_CONF)
    values.update(shell_assignments(defaults or "", UFW_DEFAULTS))
    missing = next(
        (path for path, text in ((UFW_CONF, conf), (UFW_DEFAULTS, defaults)) if not text), ""
    )
    return UfwBoot(values.get("ENABLED"), values.get("DEFAULT_INPUT_POLICY"), missing)


@dataclass(frozen=True)
class UfwStatus:
    """What ``ufw status verbose`` says."""

    active: bool
    incoming: str

    @property
    def denies(self) -> bool:
        """Active with deny or reject as the default for incoming traffic."""
        return self.active and self.incoming in ("deny", "reject")

    def describe(self) -> Message:
        """``Status: active; Default: deny (incoming)``."""
        if not self.active:
            return msg("Status: inactive")
        return msg(
            "Status: active; Default: {policy} (incoming)",
            policy=self.incoming or msg("unknown"),
        )


def parse_ufw_status(text: str) -> UfwStatus | None:
    """Parse ``ufw status verbose``; None when there is no ``Status:`` line."""
    status = _STATUS.search(text)
    if status is None:
        return None
    default = _DEFAULT.search(text)
    return UfwStatus(status.group(1) == "active", default.group(1) if default else "")
