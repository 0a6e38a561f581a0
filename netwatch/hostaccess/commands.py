"""Run external commands safely: fixed argv, no shell, a timeout, bounded output."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

MAX_OUTPUT_BYTES = 32 * 1024 * 1024


class CommandError(Exception):
    """A command could not run or did not finish; the message says which and why."""


@dataclass(frozen=True)
class CommandResult:
    """What a finished command returned."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class Commands(Protocol):
    """The two command operations netwatch needs (:class:`CommandRunner`, or a recording)."""

    def which(self, program: str) -> str | None:
        """Full path of ``program`` on PATH, or None."""
        ...

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        """Run ``argv``; raise :class:`CommandError` when missing, failing to start or too slow."""
        ...


class CommandRunner:
    """Runs a fixed argv list without a shell, in the C locale, with a hard timeout."""

    def __init__(self, default_timeout: float = 10.0) -> None:
        self.default_timeout = default_timeout

    def which(self, program: str) -> str | None:
        """Full path of ``program`` on PATH, or None."""
        return shutil.which(program)

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        """Run ``argv``; raise :class:`CommandError` when missing, failing to start or too slow."""
        if not argv:
            raise CommandError("empty command")
        limit = timeout if timeout is not None else self.default_timeout
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            completed = subprocess.run(  # noqa: S603 - fixed argv, never a shell
                list(argv),
                capture_output=True,
                timeout=limit,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"{argv[0]}: command not found") from exc
        except PermissionError as exc:
            raise CommandError(f"{argv[0]}: permission denied") from exc
        except subprocess.TimeoutExpired as exc:
            raise CommandError(f"{argv[0]}: no answer within {limit:g}s") from exc
        return CommandResult(
            argv=tuple(argv),
            returncode=completed.returncode,
            stdout=completed.stdout[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace"),
            stderr=completed.stderr[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace"),
        )
