"""Reading a Linux host for the checks: commands with timeouts, unit states, text helpers."""

from __future__ import annotations

from netwatch.hostaccess.commands import CommandResult
from netwatch.i18n import Message, msg
from netwatch.posture.context import CheckContext
from netwatch.posture.parsers.systemd import LINK_DIRS, UnitState

UNIT_FILES = "systemd unit files"

OFFLINE_NOTE = msg("read from configuration on an offline image")

COMMAND_TIMEOUT = 10.0


class OutputError(ValueError):
    """A command printed what a check cannot read; ``message`` says what, for readers
    (``str()`` its English), or another reader's words (data)."""

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def run_command(
    ctx: CheckContext, argv: list[str], timeout: float = COMMAND_TIMEOUT
) -> CommandResult:
    """Run a fixed command; :class:`CommandError` when it is missing or too slow."""
    return ctx.access.commands.run(argv, timeout=timeout)


def unit_cited(unit: UnitState) -> tuple[str, Message]:
    """Where a unit's state comes from and the state in words, as systemctl would cite them.

    The source is the enabling link (one in a ``.wants`` directory before an alias link),
    the ``[Install]`` line, the mask or the unit file, with what :mod:`parsers.systemd`
    says of it. A unit without a file has no path to cite.
    """
    if unit.state == "not-found":
        return UNIT_FILES, msg("{unit} not found (no unit file)", unit=unit.name)
    state = msg("{unit} {state}", unit=unit.name, state=unit.state)
    if unit.enabled:
        wants = [path for path in unit.evidence if path.rpartition("/")[0].endswith(LINK_DIRS)]
        return (wants or [*unit.evidence, unit.name])[0], state
    source = (*unit.evidence, unit.fragment or unit.name)[0]
    return source, msg("{state}: {why}", state=state, why=unit.why) if unit.why else state
