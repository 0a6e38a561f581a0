"""The steps of an install plan: fixed commands and file changes, each with its reason.

Every backend (systemd, the Windows service manager) turns a request into a list of
steps; ``--dry-run`` prints them, otherwise :func:`run_plan` carries them out in order
and stops at the first that fails. Commands are argv lists, never a shell.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from netwatch.hostaccess.commands import run_tree

COMMAND_TIMEOUT = 60.0


@dataclass(frozen=True)
class Require:
    """Go on only when ``path`` exists; otherwise the plan stops with ``missing``.

    The first step of a plan that needs a running service manager: nothing is
    changed on a machine where the later steps could not work.
    """

    path: Path
    why: str
    missing: str

    def describe(self) -> str:
        return f"check {self.path} exists    # {self.why}"


@dataclass(frozen=True)
class Command:
    """Run ``argv`` (no shell); exit codes in ``ok`` count as success."""

    argv: tuple[str, ...]
    why: str
    ok: tuple[int, ...] = (0,)

    def describe(self) -> str:
        return f"run   {command_text(self.argv)}    # {self.why}"


@dataclass(frozen=True)
class WriteFile:
    """Write ``content`` to ``path`` (parents created) with permission bits ``mode``.

    ``group`` (POSIX only) makes the file belong to that group, e.g. the service's.
    """

    path: Path
    content: bytes
    mode: int
    why: str
    group: str | None = None

    def describe(self) -> str:
        owner = f", group {self.group}" if self.group else ""
        size = f"{len(self.content)} bytes"
        return f"write {self.path} (mode {self.mode:o}{owner}, {size})    # {self.why}"


@dataclass(frozen=True)
class RemovePath:
    """Remove a file, or a directory with everything in it; nothing when it is absent."""

    path: Path
    why: str

    def describe(self) -> str:
        return f"remove {self.path}    # {self.why}"


@dataclass(frozen=True)
class WaitFor:
    """Go on once ``done()`` is true, polled every half second for at most ``timeout`` s.

    For service managers that answer a stop before the service has stopped (Windows):
    the program file is still in use and an upgrade could not replace it.
    """

    done: Callable[[], bool]
    what: str
    timeout: float
    why: str

    def describe(self) -> str:
        return f"wait  until {self.what} (at most {self.timeout:g} s)    # {self.why}"


Step = Require | Command | WriteFile | RemovePath | WaitFor


def command_text(argv: Sequence[str]) -> str:
    """``argv`` as this system's shell would take it, to read or copy: cmd's quoting on
    Windows (``"C:\\Program Files\\..."``), POSIX quoting elsewhere."""
    if sys.platform == "win32":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


class StepFailed(Exception):
    """A step of the plan failed; the message names the step and why."""


def describe_plan(steps: Sequence[Step]) -> str:
    """The plan as ``--dry-run`` prints it, one numbered step per line."""
    return "\n".join(f"{n:>2}. {step.describe()}" for n, step in enumerate(steps, 1))


def run_plan(
    steps: Sequence[Step],
    timeout: float = COMMAND_TIMEOUT,
    on_done: Callable[[int, Step], None] | None = None,
) -> None:
    """Carry out ``steps`` in order; :class:`StepFailed` at the first that fails.

    ``on_done(number, step)`` is called after each step that succeeded (to show progress).
    """
    for number, step in enumerate(steps, 1):
        _run_step(step, timeout)
        if on_done is not None:
            on_done(number, step)


def _run_step(step: Step, timeout: float) -> None:
    if isinstance(step, Require):
        if not step.path.exists():
            raise StepFailed(step.missing)
    elif isinstance(step, Command):
        _run_command(step, timeout)
    elif isinstance(step, WriteFile):
        _write(step)
    elif isinstance(step, WaitFor):
        _wait(step)
    else:
        _remove(step.path)


def _wait(step: WaitFor) -> None:
    deadline = time.monotonic() + step.timeout
    try:
        while not step.done():
            if time.monotonic() >= deadline:
                raise StepFailed(f"{step.what}: not so after {step.timeout:g} s")
            time.sleep(0.5)
    except OSError as exc:
        raise StepFailed(f"{step.what}: {exc.strerror or exc}") from None


def _run_command(step: Command, timeout: float) -> None:
    try:
        done = run_tree(step.argv, timeout)
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{command_text(step.argv)}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise StepFailed(f"cannot run {command_text(step.argv)}: {exc.strerror or exc}") from None
    if done.returncode not in step.ok:
        output = done.stderr or done.stdout
        detail = output.decode("utf-8", "replace").strip().splitlines()
        last = detail[-1] if detail else "no output"
        raise StepFailed(f"{command_text(step.argv)} exited {done.returncode}: {last}")


def _write(step: WriteFile) -> None:
    temporary = step.path.with_name(step.path.name + ".netwatch-new")
    try:
        step.path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(step.content)
        os.chmod(temporary, step.mode)
        if step.group is not None and sys.platform != "win32":
            import grp

            os.chown(temporary, -1, grp.getgrnam(step.group).gr_gid)
        os.replace(temporary, step.path)
    except (OSError, KeyError) as exc:
        temporary.unlink(missing_ok=True)
        reason = f"no group {step.group!r}" if isinstance(exc, KeyError) else exc.strerror or exc
        raise StepFailed(f"writing {step.path}: {reason}") from None


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
