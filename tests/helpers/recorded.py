"""Replay recorded command output through the host-access layer's command runner."""

from __future__ import annotations

import json
from pathlib import Path

from netwatch.hostaccess.commands import CommandError, CommandResult


class RecordedCommands:
    """A command runner answering from recordings: ``{"argv joined by spaces": result}``.

    A result is ``{"returncode": 0, "stdout": "...", "stderr": ""}``, or
    ``{"error": "message"}`` to replay a command that could not run (missing
    program, timeout). An argv that was not recorded behaves like a program
    that is not installed. ``calls`` lists every argv asked for.
    """

    def __init__(self, recordings: dict[str, dict[str, object]]) -> None:
        self.recordings = recordings
        self.calls: list[tuple[str, ...]] = []

    @classmethod
    def from_file(cls, path: str | Path) -> RecordedCommands:
        """Load recordings from a JSON file."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def which(self, program: str) -> str | None:
        recorded = {key.split(" ", 1)[0] for key in self.recordings}
        return f"/usr/bin/{program}" if program in recorded else None

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        self.calls.append(tuple(argv))
        entry = self.recordings.get(" ".join(argv))
        if entry is None:
            raise CommandError(f"{argv[0]}: command not found")
        if "error" in entry:
            raise CommandError(str(entry["error"]))
        return CommandResult(
            argv=tuple(argv),
            returncode=int(entry.get("returncode", 0)),  # type: ignore[arg-type]
            stdout=str(entry.get("stdout", "")),
            stderr=str(entry.get("stderr", "")),
        )
