"""Where the office CA lives, and writing PEM files so a key is never readable by others."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from netwatch.core.errors import UsageError

KEY_MODE = 0o600
CERT_MODE = 0o644
# The CA directory holds the CA key; an --out directory is shared with readers such as
# the prometheus user, and its keys are protected by their own 0600 mode.
CA_DIR_MODE = 0o700
OUT_DIR_MODE = 0o755
MAX_PEM_BYTES = 1 << 20

# Built-in SIDs, so the ACL works on every Windows language (Administrators, SYSTEM).
_WINDOWS_ADMINS = "*S-1-5-32-544"
_WINDOWS_SYSTEM = "*S-1-5-18"


def default_dir() -> Path:
    """``%ProgramData%\\netwatch\\tls`` on Windows, ``/etc/netwatch/tls`` elsewhere."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "netwatch" / "tls"
    return Path("/etc/netwatch/tls")


def ensure_dir(path: Path, mode: int) -> str | None:
    """Create ``path`` (and parents) when missing; on Windows, a new directory is limited to
    Administrators and SYSTEM. Returns a warning when that could not be done."""
    if path.is_dir():
        return None
    try:
        path.mkdir(mode=mode, parents=True)
    except OSError as exc:
        raise UsageError(f"cannot create directory {path}: {exc.strerror or exc}") from None
    if sys.platform == "win32":
        return _restrict_windows_dir(path)
    return None


def _restrict_windows_dir(path: Path) -> str | None:
    grants = [f"{sid}:(OI)(CI)F" for sid in (_WINDOWS_ADMINS, _WINDOWS_SYSTEM)]
    icacls = Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "icacls.exe"
    try:
        result = subprocess.run(
            [str(icacls), str(path), "/inheritance:r", "/grant:r", *grants],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError as exc:
        return f"could not limit {path} to Administrators and SYSTEM: {exc}"
    if result.returncode != 0:
        return (
            f"could not limit {path} to Administrators and SYSTEM (icacls exit {result.returncode})"
        )
    return None


def refuse_existing(paths: list[Path], force: bool) -> None:
    """UsageError naming the first of ``paths`` that exists, unless ``force``."""
    if force:
        return
    for path in paths:
        if path.exists():
            raise UsageError(f"{path} already exists; add --force to replace it")


def write_file(path: Path, data: bytes, mode: int, replace: bool) -> None:
    """Write ``data`` to ``path`` created with ``mode`` from the first byte.

    Without ``replace`` the file is created with O_EXCL (an existing file is an error);
    with it, a new file is written beside it the same way and renamed over it.
    """
    target = path
    if replace:
        path = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise UsageError(f"{target} already exists; add --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), mode)  # exactly ``mode``, whatever the umask
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(path, target)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def read_pem(path: Path, what: str) -> bytes:
    """The bytes of a PEM file, or UsageError saying why it cannot be read."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_PEM_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{what} {path} not found") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory, not a file") from None
    except PermissionError:
        raise UsageError(
            f"cannot read {what} {path}: permission denied (run as root or Administrator)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_PEM_BYTES or b"-----BEGIN " not in data:
        raise UsageError(f"{what} {path} is not a PEM file")
    return data
