"""The steps of an install plan: fixed commands and file changes, each with its reason.

Every backend (systemd, the Windows service manager) turns a request into a list of
steps; ``--dry-run`` prints them, otherwise :func:`run_plan` carries them out in order
and stops at the first that fails. Commands are argv lists, never a shell.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COMMAND_TIMEOUT = 60.0


@dataclass(frozen=True)
class Command:
    """Run ``argv`` (no shell); exit codes in ``ok`` count as success."""

    argv: tuple[str, ...]
    why: str
    ok: tuple[int, ...] = (0,)

    def describe(self) -> str:
        return f"run   {shlex.join(self.argv)}    # {self.why}"


@dataclass(frozen=True)
class WriteFile:
    """Write ``content`` to ``path`` (parents created) with permission bits ``mode``."""

    path: Path
    content: bytes
    mode: int
    why: str

    def describe(self) -> str:
        return f"write {self.path} (mode {self.mode:o}, {len(self.content)} bytes)    # {self.why}"


@dataclass(frozen=True)
class RemovePath:
    """Remove a file, or a directory with everything in it; nothing when it is absent."""

    path: Path
    why: str

    def describe(self) -> str:
        return f"remove {self.path}    # {self.why}"


Step = Command | WriteFile | RemovePath


class StepFailed(Exception):
    """A step of the plan failed; the message names the step and why."""


def describe_plan(steps: Sequence[Step]) -> str:
    """The plan as ``--dry-run`` prints it, one numbered step per line."""
    return "\n".join(f"{n:>2}. {step.describe()}" for n, step in enumerate(steps, 1))


def run_plan(steps: Sequence[Step], timeout: float = COMMAND_TIMEOUT) -> None:
    """Carry out ``steps`` in order; :class:`StepFailed` at the first that fails."""
    for step in steps:
        _run_step(step, timeout)


def _run_step(step: Step, timeout: float) -> None:
    if isinstance(step, Command):
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv from the plan, never a shell
                list(step.argv), capture_output=True, text=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StepFailed(f"{shlex.join(step.argv)}: {exc}") from None
        if done.returncode not in step.ok:
            detail = (done.stderr or done.stdout).strip().splitlines()
            last = detail[-1] if detail else "no output"
            raise StepFailed(f"{shlex.join(step.argv)} exited {done.returncode}: {last}")
    elif isinstance(step, WriteFile):
        try:
            step.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = step.path.with_name(step.path.name + ".netwatch-new")
            temporary.write_bytes(step.content)
            os.chmod(temporary, step.mode)
            os.replace(temporary, step.path)
        except OSError as exc:
            raise StepFailed(f"writing {step.path}: {exc.strerror or exc}") from None
    else:
        _remove(step.path)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            for child in path.iterdir():
                _remove(child)
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise StepFailed(f"removing {path}: {exc.strerror or exc}") from None
