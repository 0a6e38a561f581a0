"""Reading the files facts come from: missing is an answer, unreadable is an error."""

from __future__ import annotations

from netwatch.hostaccess import Files
from netwatch.hostaccess.confine import os_problem
from netwatch.i18n import Message, msg


class UnreadableFile(Exception):
    """A file exists but cannot be read (permissions, I/O): a real cause for ``error``.

    ``message`` is the cause for readers; ``str()`` its English.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def read_optional(files: Files, path: str) -> str | None:
    """The text of ``path``; None when missing or a directory; :class:`UnreadableFile` else.

    :class:`~netwatch.hostaccess.confine.UnsafeFileError` (a symlink loop, a FIFO) is an
    :class:`UnreadableFile` too: the file is there, but not one to read.
    """
    try:
        return files.read_text(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        why = msg("cannot read {path}: {error}", path=path, error=os_problem(exc))
        raise UnreadableFile(why) from exc


def list_dir(files: Files, path: str) -> list[str]:
    """Names in a directory, sorted; :class:`UnreadableFile` when it cannot be listed."""
    try:
        return list(files.list_dir(path))
    except OSError as exc:
        why = msg("cannot list {path}: {error}", path=path, error=os_problem(exc))
        raise UnreadableFile(why) from exc
