"""Read files relative to a root directory (``/`` for the running system)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

MAX_READ_BYTES = 16 * 1024 * 1024


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
        """A text file's contents, None when missing or unreadable."""
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

    @property
    def root(self) -> str:
        """The directory that stands for ``/``."""
        return self._root

    def path(self, system_path: str) -> Path:
        """The real path of ``system_path`` (e.g. ``/etc/os-release``) under the root.

        A path holding a NUL character (read from a damaged file) names no file:
        FileNotFoundError, like any other missing file, rather than ValueError.
        """
        if "\0" in system_path:
            raise FileNotFoundError(errno.ENOENT, "no file name holds a NUL character", system_path)
        return Path(self.root) / system_path.lstrip("/")

    def exists(self, system_path: str) -> bool:
        """True when the file or directory exists under the root."""
        return "\0" not in system_path and self.path(system_path).exists()

    def read_text(self, system_path: str, limit: int = MAX_READ_BYTES) -> str:
        """Read a text file (UTF-8, undecodable bytes replaced), at most ``limit`` bytes."""
        with self.path(system_path).open("rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")

    def read_text_or_none(self, system_path: str) -> str | None:
        """Like :meth:`read_text`, but None when the file is missing or unreadable."""
        try:
            return self.read_text(system_path)
        except OSError:
            return None

    def stat(self, system_path: str) -> os.stat_result:
        """File status (follows symlinks); raises OSError like :func:`os.stat`."""
        return self.path(system_path).stat()

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
                    yield self._system_path(entry.path), info

    def _system_path(self, real_path: str) -> str:
        relative = os.path.relpath(real_path, self.root)
        return "/" + relative.replace(os.sep, "/") if self.root != "/" else real_path

    def list_dir(self, system_path: str) -> Iterator[str]:
        """Names in a directory, sorted; nothing when it does not exist."""
        try:
            yield from sorted(os.listdir(self.path(system_path)))
        except (FileNotFoundError, NotADirectoryError):
            return
