"""What the Linux and the Windows single-executable builds share: PyInstaller's options,
the cache folder, and running a build command."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

COMMAND_TIMEOUT = 1200
# Plugins (collectors, probers, posture checks) are found by walking their packages at
# run time (netwatch.core.plugins), which PyInstaller's import analysis cannot see:
# every netwatch module goes in, with the policies and data files beside them.
PYINSTALLER_OPTIONS = (
    "--onefile",
    "--name=netwatch",
    "--noconfirm",
    "--clean",
    "--log-level=WARN",
    "--collect-submodules=netwatch",
    "--collect-data=netwatch",
    # Pulled in by optional imports of dependencies (scapy's plotting); never used, and
    # with Tcl/Tk and X11 libraries they would add 2 MB.
    "--exclude-module=tkinter",
    "--exclude-module=_tkinter",
)


class BuildError(Exception):
    """The artefact cannot be built here; the message says why."""


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (no shell, no stdin) with a timeout; :class:`BuildError` with its last lines."""
    try:
        return subprocess.run(  # noqa: S603 - fixed argv
            argv,
            check=True,
            text=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=COMMAND_TIMEOUT,
            **kwargs,  # type: ignore[arg-type]
        )
    except FileNotFoundError as exc:
        raise BuildError(f"{argv[0]}: not installed") from exc
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or exc.stdout or "").strip().splitlines()[-5:]
        raise BuildError(f"{' '.join(argv[:4])} failed: {' | '.join(tail)}") from exc


def default_cache() -> Path:
    """``NETWATCH_PACKAGING_CACHE`` or ``~/.cache/netwatch-packaging``."""
    configured = os.environ.get("NETWATCH_PACKAGING_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "netwatch-packaging"


def digest(*parts: bytes) -> str:
    """A short hash of ``parts`` (each length-prefixed): the key of a cached build."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(len(part).to_bytes(8, "big") + part)
    return hashed.hexdigest()[:16]
