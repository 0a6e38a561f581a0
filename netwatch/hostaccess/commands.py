"""Run external commands safely: fixed argv, no shell, a timeout, bounded output.

A command that outlives its timeout is killed with every process it started: a
grandchild that still holds the output pipes would otherwise keep the caller waiting.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol

from netwatch.i18n import Message, msg

MAX_OUTPUT_BYTES = 32 * 1024 * 1024
# After the tree is killed: how long to wait for the pipes to close and the child to end.
REAP_TIMEOUT = 5.0

_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


class CommandError(Exception):
    """A command could not run or did not finish: ``message`` says which and why, for
    readers; ``str()`` is its English, for logs."""

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


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
            raise CommandError(msg("empty command"))
        limit = timeout if timeout is not None else self.default_timeout
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            completed = run_tree(argv, limit, env)
        except FileNotFoundError as exc:
            raise CommandError(msg("{command}: command not found", command=argv[0])) from exc
        except PermissionError as exc:
            raise CommandError(msg("{command}: permission denied", command=argv[0])) from exc
        except subprocess.TimeoutExpired as exc:
            within = msg("{command}: no answer within {seconds}s", command=argv[0],
                         seconds=f"{limit:g}")  # fmt: skip
            raise CommandError(within) from exc
        return CommandResult(
            argv=tuple(argv),
            returncode=completed.returncode,
            stdout=completed.stdout[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace"),
            stderr=completed.stderr[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace"),
        )


def run_tree(
    argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` (no shell, no stdin) and capture its output, waiting for it to end.

    The child leads a process group of its own (a new session on POSIX, a new process
    group on Windows). At the timeout the whole tree is killed and the child reaped,
    then :class:`subprocess.TimeoutExpired` is raised.
    """
    options: dict[str, Any] = {}
    if sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
    else:
        options["start_new_session"] = True
    with subprocess.Popen(  # noqa: S603 - fixed argv, never a shell
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else dict(env),
        **options,
    ) as child:
        with _running_lock:
            _running.add(child)
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except BaseException:  # the timeout, or an interrupt: leave nothing behind
            kill_tree(child)
            # A descendant that could not be found may still hold a pipe: wait no longer.
            with suppress(subprocess.TimeoutExpired):
                child.communicate(timeout=REAP_TIMEOUT)
            raise
        finally:
            with _running_lock:
                _running.discard(child)
    return subprocess.CompletedProcess(list(argv), child.returncode, stdout, stderr)


def kill_tree(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child`` and every process it started; the caller reaps ``child``.

    Descendants are listed before anything is killed (once their parent dies they are
    no longer its descendants). On POSIX the child's process group is killed as well,
    which also reaches processes started after the listing.
    """
    import psutil  # only when a command hangs

    try:
        descendants = psutil.Process(child.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    # Until the child is reaped (returncode set) its pid, the group's id, cannot be reused.
    if sys.platform != "win32" and child.returncode is None:
        with suppress(OSError):  # the group is already empty
            os.killpg(child.pid, signal.SIGKILL)
    child.kill()
    for process in descendants:
        with suppress(psutil.Error):  # already gone
            process.kill()


def kill_running() -> int:
    """Kill the trees of every command :func:`run_tree` is still waiting for (at shutdown).

    Each waiting caller then reaps its child and sees it killed. Returns how many.
    """
    with _running_lock:
        children = list(_running)
    for child in children:
        kill_tree(child)
    return len(children)
