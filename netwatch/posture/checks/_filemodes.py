"""File modes and owners read through the command runner (``stat``, ``find``), never ``os.stat``.

Path naming: on a live host the command runner and the file reader look at the
same machine, so commands name files by their system path (``/etc/shadow``) and
recordings are keyed on those. On a mounted image (``ctx.live`` False) commands
name the file under the mount root (``/mnt/disk/etc/shadow``) and the output is
mapped back to the system paths asked for (the file reader resolves symlinks inside
the image, so a command never follows one out to the auditing host). Owner and group
names then come from the image's own ``/etc/passwd`` and ``/etc/group``: the auditing
machine's names would be wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from netwatch.hostaccess.commands import CommandError
from netwatch.i18n import Message, msg
from netwatch.posture.context import CheckContext

STAT_FORMAT = "%a %u %g %U %G %n"
TIMEOUT = 10.0
SSH_DIR = "/etc/ssh"
_MODE = re.compile("[0-7]{1,6}")  # octal permission bits, as %a and %m print them
_ID = re.compile("[0-9]{1,20}")  # a decimal uid or gid


class FileModeError(Exception):
    """Modes could not be read (the tool failed or printed something unexpected).

    ``message`` is the cause for readers; ``str()`` its English.
    """

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class FileMode:
    """Permission bits and ownership of one file."""

    path: str
    mode: int
    uid: int
    gid: int
    user: str
    group: str

    def describe(self) -> Message:
        """``mode 0640, owner root, group shadow``."""
        return msg(
            "mode {mode}, owner {user}, group {group}",
            mode=f"{self.mode:04o}",
            user=self.user,
            group=self.group,
        )

    def within(self, allowed: int) -> bool:
        """True when no permission (or setuid/setgid/sticky) bit is set outside ``allowed``."""
        return self.mode & 0o7777 & ~allowed == 0


def command_path(ctx: CheckContext, system_path: str) -> str:
    """The path to name in a command: the system path when live, else the path under the root."""
    return system_path if ctx.live else str(ctx.access.files.path(system_path))


def system_path(ctx: CheckContext, reported: str) -> str:
    """Map a path printed by a command back to the system path (strip the resolved mount root)."""
    if ctx.live:
        return reported
    root = str(ctx.access.files.path("/")).rstrip("/")
    return reported[len(root) :] if reported.startswith(root + "/") else reported


def _id_names(ctx: CheckContext, system_file: str) -> dict[int, str]:
    """Numeric id -> name from an ``/etc/passwd``-style file of the audited root."""
    names: dict[int, str] = {}
    for line in (ctx.access.files.read_text_or_none(system_file) or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and _ID.fullmatch(fields[2]):
            names.setdefault(int(fields[2]), fields[0])
    return names


def _parse(ctx: CheckContext, output: str, tool: str) -> list[FileMode]:
    """Parse ``mode uid gid user group path`` lines."""
    users = groups = None
    if not ctx.live:
        users, groups = _id_names(ctx, "/etc/passwd"), _id_names(ctx, "/etc/group")
    found = []
    for line in output.splitlines():
        fields = line.split(" ", 5)
        if len(fields) != 6 or not all(_ID.fullmatch(f) for f in fields[1:3]):
            raise FileModeError(
                msg("unexpected line in `{tool}` output: {line}", tool=tool, line=repr(line[:120]))
            )
        if not _MODE.fullmatch(fields[0]):
            raise FileModeError(
                msg("unexpected mode in `{tool}` output: {line}", tool=tool, line=repr(line[:120]))
            )
        mode, uid, gid = int(fields[0], 8), int(fields[1]), int(fields[2])
        user, group = fields[3], fields[4]
        if users is not None and groups is not None:
            user, group = users.get(uid, str(uid)), groups.get(gid, str(gid))
        found.append(FileMode(system_path(ctx, fields[5]), mode, uid, gid, user, group))
    return found


def _failed(command: str, detail: str, code: int) -> Message:
    """``command`` failed: the first line it printed (data), else its exit status."""
    if detail:
        return msg("`{command}` failed: {detail}", command=command, detail=detail)
    return msg("`{command}` failed: exit status {code}", command=command, code=str(code))


def stat_argv(ctx: CheckContext, paths: list[str]) -> list[str]:
    """The ``stat`` command reading modes of ``paths`` (system paths)."""
    return ["stat", "-c", STAT_FORMAT, "--", *(command_path(ctx, p) for p in paths)]


def file_modes(ctx: CheckContext, paths: list[str]) -> dict[str, FileMode]:
    """Modes of the existing files among ``paths``, keyed by system path (missing ones left out).

    Raises :class:`FileModeError` when ``stat`` cannot run or fails other than on a missing file;
    the command runner's :class:`CommandError` is turned into it.
    """
    try:
        result = ctx.access.commands.run(stat_argv(ctx, paths), timeout=TIMEOUT)
    except CommandError as exc:
        raise FileModeError(exc.message) from None
    asked = {system_path(ctx, command_path(ctx, p)): p for p in paths}  # resolved -> asked
    found = [replace(m, path=asked.get(m.path, m.path)) for m in _parse(ctx, result.stdout, "stat")]
    modes = {m.path: m for m in found}
    problems = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "No such file or directory" not in line
    ]
    if problems or (result.returncode != 0 and not result.stderr.strip()):
        raise FileModeError(_failed("stat", problems[0] if problems else "", result.returncode))
    return modes


def host_key_argv(ctx: CheckContext) -> list[str]:
    """The ``find`` command listing SSH private host keys with their modes."""
    return [
        "find",
        command_path(ctx, SSH_DIR),
        "-maxdepth",
        "1",
        "-type",
        "f",
        "-name",
        "ssh_host_*_key",
        "-printf",
        "%m %U %G %u %g %p\\n",
    ]


def host_key_modes(ctx: CheckContext) -> list[FileMode]:
    """Modes of ``/etc/ssh/ssh_host_*_key`` (nothing when ``/etc/ssh`` does not exist)."""
    try:
        result = ctx.access.commands.run(host_key_argv(ctx), timeout=TIMEOUT)
    except CommandError as exc:
        raise FileModeError(exc.message) from None
    if result.returncode != 0:
        if "No such file or directory" in result.stderr:
            return []
        detail = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
        raise FileModeError(_failed("find", detail, result.returncode))
    resolved = system_path(ctx, command_path(ctx, SSH_DIR)).rstrip("/") + "/"
    found = [
        replace(m, path=SSH_DIR + "/" + m.path[len(resolved) :])
        if m.path.startswith(resolved)
        else m
        for m in _parse(ctx, result.stdout, "find")
    ]
    return sorted(found, key=lambda m: m.path)
