"""Read files relative to a root directory (``/`` for the running system).

Below an image root (``--root /mnt/disk``) every path is resolved inside the image
(:mod:`netwatch.hostaccess.confine`): an absolute symlink names a file of the image,
never of the auditing host, ``..`` stops at the root, and a symlink loop is an
:class:`UnsafeFileError`. With root ``/`` paths are the host's own, as the kernel
resolves them. Either way only regular files are read: a FIFO or a device where a
config is expected is an :class:`UnsafeFileError`, never a read that blocks.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from netwatch.hostaccess.confine import UnsafeFileError, is_filesystem_root, resolve_in_root
from netwatch.i18n import msg

MAX_READ_BYTES = 16 * 1024 * 1024
# Never block on a FIFO; never follow a link the resolver did not (absent on Windows).
# Reading a file below a root: never blocked by a FIFO, never inherited by a child.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = {
    stat.S_IFIFO: msg("a FIFO"),
    stat.S_IFCHR: msg("a character device"),
    stat.S_IFBLK: msg("a block device"),
    stat.S_IFSOCK: msg("a socket"),
}


class Files(Protocol):
    """What checks and inventory may do with the files of the host they look at."""

    @property
    def root(self) -> str:
        """The directory that stands for ``/``."""
        ...

    def path(self, system_path: str) -> Path:
        """The real path of ``system_path`` under the root."""
        ...

    def exists(self, system_path: str) -> bool:
        """True when the file or directory exists under the root."""
        ...

    def read_text(self, system_path: str, limit: int = MAX_READ_BYTES) -> str:
        """A text file's contents; raises OSError."""
        ...

    def read_text_or_none(self, system_path: str) -> str | None:
        """A text file's contents, None when missing or unreadable; raises UnsafeFileError."""
        ...

    def stat(self, system_path: str) -> os.stat_result:
        """File status; raises OSError."""
        ...

    def walk_files(self, system_path: str, limit: int) -> Iterator[tuple[str, os.stat_result]]:
        """Regular files below a directory, at most ``limit`` entries seen."""
        ...

    def list_dir(self, system_path: str) -> Iterator[str]:
        """Names in a directory, sorted."""
        ...


class FileReader:
    """Reads system files below ``root``; absolute paths are taken as relative to it."""

    def __init__(self, root: str | os.PathLike[str] = "/") -> None:
        self._root = str(Path(root))
        self._confined = not is_filesystem_root(self._root)
        self._real_root = os.path.realpath(self._root)

    @property
    def root(self) -> str:
        """The directory that stands for ``/``."""
        return self._root

    def path(self, system_path: str) -> Path:
        """The real path of ``system_path`` (e.g. ``/etc/os-release``) under the root.

        Below an image root, every symlink is resolved inside the image (the result holds
        none); a loop raises :class:`UnsafeFileError`. A path holding a NUL character (read
        from a damaged file) names no file: FileNotFoundError, like any other missing file.
        """
        if "\0" in system_path:
            raise FileNotFoundError(errno.ENOENT, "no file name holds a NUL character", system_path)
        if self._confined:
            return Path(resolve_in_root(self._real_root, system_path))
        return Path(self.root) / system_path.lstrip("/")

    def exists(self, system_path: str) -> bool:
        """True when the file or directory exists under the root (False for a symlink loop)."""
        try:
            return self.path(system_path).exists()
        except OSError:
            return False

    def read_text(self, system_path: str, limit: int = MAX_READ_BYTES) -> str:
        """Read a regular text file (UTF-8, undecodable bytes replaced), at most ``limit`` bytes.

        Raises :class:`UnsafeFileError` for a FIFO, device or socket (never blocks on one).
        """
        flags = READ_FLAGS | (_NOFOLLOW if self._confined else 0)
        handle = os.open(self.path(system_path), flags)
        with os.fdopen(handle, "rb") as stream:
            mode = os.fstat(handle).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, "is a directory", system_path)
            if not stat.S_ISREG(mode):
                kind = _KINDS.get(stat.S_IFMT(mode), msg("not a regular file"))
                why = msg("{path} is {kind}, not a regular file", path=system_path, kind=kind)
                raise UnsafeFileError(errno.EINVAL, why, system_path)
            return stream.read(limit).decode("utf-8", errors="replace")

    def read_text_or_none(self, system_path: str) -> str | None:
        """Like :meth:`read_text`, but None when the file is missing or unreadable.

        :class:`UnsafeFileError` (a symlink loop, a FIFO or device) is raised: a check
        reports it as ``error`` rather than judging the file absent.
        """
        try:
            return self.read_text(system_path)
        except UnsafeFileError:
            raise
        except OSError:
            return None

    def stat(self, system_path: str) -> os.stat_result:
        """File status (follows symlinks, inside the image); raises OSError like :func:`os.stat`."""
        return os.stat(self.path(system_path), follow_symlinks=not self._confined)

    def walk_files(self, system_path: str, limit: int) -> Iterator[tuple[str, os.stat_result]]:
        """Regular files below a directory (system path, status), at most ``limit`` entries seen.

        Does not follow directory symlinks or cross into other filesystems.
        """
        top = self.path(system_path)
        device = top.stat().st_dev
        stack = [top]
        seen = 0
        while stack and seen < limit:
            directory = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > limit:
                    return
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if info.st_dev == device:
                        stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    yield self._system_path(system_path, top, entry.path), info

    def _system_path(self, system_path: str, top: Path, real_path: str) -> str:
        """The system path of a file found below ``top`` (the resolved ``system_path``)."""
        if self._confined:
            relative = os.path.relpath(real_path, top).replace(os.sep, "/")
            return f"{system_path.rstrip('/')}/{relative}"
        relative = os.path.relpath(real_path, self.root)
        return "/" + relative.replace(os.sep, "/") if self.root != "/" else real_path

    def list_dir(self, system_path: str) -> Iterator[str]:
        """Names in a directory, sorted; nothing when it does not exist."""
        try:
            yield from sorted(os.listdir(self.path(system_path)))
        except (FileNotFoundError, NotADirectoryError):
            return
