"""Resolve a system path inside an image root, as the kernel would inside a chroot.

``resolve_in_root(root, "/etc/passwd")`` walks the path one component at a time
below ``root`` and reads each symbolic link itself:

- an absolute target (``/somewhere``) means ``root/somewhere``, never the auditing
  host's file; a relative target is taken from the link's own directory;
- ``..`` never climbs above the root: at the root it stays there, as ``/..`` is ``/``;
- more than :data:`MAX_SYMLINK_HOPS` links in one lookup (a loop, or a chain too
  long) is an :class:`UnsafeFileError` naming the path, never a guess;
- a missing component ends the walk: the result names a file that does not exist
  (or sits under a non-directory), so opening it fails as the image would.

The result holds no symbolic link, so opening it with ``O_NOFOLLOW`` reads the
file the image's own system would read. Left undefended: an image changed by a
hostile party while it is audited (a directory swapped for a link between the walk
and the open); audit a read-only mount.
"""

from __future__ import annotations

import errno
import os
import stat

from netwatch.i18n import Message, msg

MAX_SYMLINK_HOPS = 40  # the Linux kernel's limit (MAXSYMLINKS) on links followed in one lookup


class UnsafeFileError(OSError):
    """A file the reader refuses: a symlink loop in its path, or not a regular file.

    ``message`` says why, for readers; ``strerror`` (and ``str()``) is its English.
    """

    def __init__(self, code: int, message: Message, filename: str) -> None:
        super().__init__(code, str(message), filename)
        self.message = message


def _components(path: str) -> list[str]:
    """Path components, ``/`` (and the OS separator) as separators, any drive dropped."""
    path = os.path.splitdrive(path)[1].replace(os.sep, "/")
    return [part for part in path.split("/") if part not in ("", ".")]


def resolve_in_root(root: str, system_path: str) -> str:
    """The host path of ``system_path`` in the image at ``root``, every link resolved inside it.

    ``root`` must itself be a resolved path (``os.path.realpath``). Raises
    :class:`UnsafeFileError` (``ELOOP``) after :data:`MAX_SYMLINK_HOPS` links.
    """
    pending = _components(system_path)
    pending.reverse()  # a stack: the next component last
    resolved: list[str] = []
    hops = 0
    while pending:
        name = pending.pop()
        if name == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, name)
        try:
            info = os.lstat(candidate)
        except OSError:
            # Missing, under a file, or not searchable: the open fails on this component too.
            return os.path.join(candidate, *reversed(pending))
        if not stat.S_ISLNK(info.st_mode):
            if pending and not stat.S_ISDIR(info.st_mode):
                return os.path.join(candidate, *reversed(pending))  # the open fails: ENOTDIR
            resolved.append(name)
            continue
        hops += 1
        if hops > MAX_SYMLINK_HOPS:
            link = "/" + "/".join([*resolved, name])
            loop = msg(
                "symbolic link loop or chain of more than {hops} links at {link} resolving "
                "{path} inside the image",
                hops=str(MAX_SYMLINK_HOPS),
                link=link,
                path=system_path,
            )
            raise UnsafeFileError(errno.ELOOP, loop, system_path)
        target = os.readlink(candidate)
        if os.path.isabs(target) or target.startswith("/"):
            resolved = []  # absolute: from the image's root
        pending.extend(reversed(_components(target)))
    return os.path.join(root, *resolved)


def is_filesystem_root(path: str) -> bool:
    """True when ``path`` resolves to the root of the host's filesystem (``/``, ``C:\\``)."""
    real = os.path.realpath(path)
    return os.path.dirname(real) == real


def os_problem(exc: OSError) -> str | Message:
    """Why a file could not be read, for readers: netwatch's reason for a file it refuses
    (:class:`UnsafeFileError`), else the system's own words (``Permission denied``)."""
    if isinstance(exc, UnsafeFileError):
        return exc.message
    return exc.strerror or str(exc)
