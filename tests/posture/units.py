"""systemd units in test trees, as a package ships them and ``systemctl enable`` links them."""

from __future__ import annotations

import os
from pathlib import Path

UNIT_DIR = "/lib/systemd/system"


def install_unit(
    root: Path,
    name: str,
    wanted_by: str = "multi-user.target",
    *,
    enabled: bool = True,
    unit_dir: str = UNIT_DIR,
) -> str:
    """Write ``<unit_dir>/<name>`` under ``root`` with ``WantedBy=<wanted_by>``; when
    ``enabled``, link it from ``<wanted_by>.wants`` (an absolute link, as systemctl makes).

    Returns the system path of the link, or of the unit file when not enabled.
    """
    kind = name.rpartition(".")[2].capitalize()
    unit = root / unit_dir.lstrip("/") / name
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(
        f"[Unit]\nDescription={name}\n\n[{kind}]\n\n[Install]\nWantedBy={wanted_by}\n",
        encoding="utf-8",
    )
    if not enabled:
        return f"{unit_dir}/{name}"
    link = f"/etc/systemd/system/{wanted_by}.wants/{name}"
    (root / link.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(f"{unit_dir}/{name}", root / link.lstrip("/"))
    return link
