"""The service backend of the running operating system, and where its config lives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from netwatch.install.request import ServiceBackend


def default_config_path() -> Path:
    """``%ProgramData%\\netwatch\\netwatch.yaml`` on Windows, ``/etc/netwatch/netwatch.yaml``
    elsewhere."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "netwatch" / "netwatch.yaml"
    return Path("/etc/netwatch/netwatch.yaml")


def service_backend(unit_dir: Path | None = None) -> ServiceBackend:
    """The Windows service manager on Windows, systemd elsewhere (``unit_dir``: where the
    unit file goes, /etc/systemd/system by default; Linux only)."""
    if sys.platform == "win32":
        from netwatch.install.windows import WindowsServiceBackend

        return WindowsServiceBackend()
    from netwatch.install.systemd import DEFAULT_UNIT_DIR, SystemdBackend

    return SystemdBackend(unit_dir or DEFAULT_UNIT_DIR)
