"""Reading a Linux host for the checks: commands with timeouts, enabled units, text helpers."""

from __future__ import annotations

from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandResult
from netwatch.posture.context import CheckContext

SYSTEMD_ETC = "/etc/systemd/system"

OFFLINE_NOTE = "read from configuration on an offline image"

COMMAND_TIMEOUT = 10.0


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def run_command(
    ctx: CheckContext, argv: list[str], timeout: float = COMMAND_TIMEOUT
) -> CommandResult:
    """Run a fixed command; :class:`CommandError` when it is missing or too slow."""
    return ctx.access.commands.run(argv, timeout=timeout)


def enabled_units(files: Files) -> dict[str, str]:
    """Units enabled through ``*.wants`` links under /etc/systemd/system: unit -> link."""
    found: dict[str, str] = {}
    for directory in files.list_dir(SYSTEMD_ETC):
        if directory.endswith(".wants"):
            for unit in files.list_dir(f"{SYSTEMD_ETC}/{directory}"):
                found.setdefault(unit, f"{SYSTEMD_ETC}/{directory}/{unit}")
    return found


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
