"""Replace a file atomically: readers see the old or the new content, never a mix."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from pathlib import Path

STALE_TEMP_SECONDS = 3600.0


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a synced temporary file in the same directory.

    The temporary file is fsynced, renamed over ``path`` with ``os.replace`` and
    the directory fsynced, so a crash at any point leaves either the old file or
    the new one. Temporary files left by an earlier crash are removed once stale.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    _remove_stale_temps(path)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX; Windows has no directory handles to sync)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temps(path: Path) -> None:
    """Delete this file's temporaries older than an hour (left by a killed writer)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in path.parent.glob(glob.escape(_temp_prefix(path)) + "*.tmp"):
        try:
            if temp.stat().st_mtime < cutoff:
                temp.unlink()
        except OSError:
            continue  # raced with another writer or cleaner: nothing to do
