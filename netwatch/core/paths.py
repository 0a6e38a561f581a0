"""Where the agent keeps what it remembers across restarts, per platform."""

from __future__ import annotations

import os
import sys
from pathlib import PurePath, PurePosixPath, PureWindowsPath

STATE_DIR_VARIABLE = "NETWATCH_STATE_DIR"


def state_file(name: str, platform: str = sys.platform) -> str:
    """``%ProgramData%\\netwatch\\<name>`` on Windows (the service's writable folder, made by
    ``netwatch service install``), ``/var/lib/netwatch/<name>`` elsewhere (systemd's
    ``StateDirectory``); under ``$NETWATCH_STATE_DIR`` when that is set (several agents on
    one machine, the test suite)."""
    folder: PurePath
    if os.environ.get(STATE_DIR_VARIABLE):
        folder = PurePath(os.environ[STATE_DIR_VARIABLE])
    elif platform == "win32":
        folder = PureWindowsPath(os.environ.get("PROGRAMDATA", r"C:\ProgramData"), "netwatch")
    else:
        folder = PurePosixPath("/var/lib/netwatch")
    return str(folder / name)
