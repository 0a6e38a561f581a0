"""Where file systems live: /etc/fstab, /etc/crypttab, LVM metadata backups and lsblk JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from netwatch.hostaccess import Files
from netwatch.hostaccess.jsontext import load_json
from netwatch.i18n import msg
from netwatch.posture.checks._linux_host import OutputError

FSTAB = "/etc/fstab"
CRYPTTAB = "/etc/crypttab"
LVM_BACKUP = "/etc/lvm/backup"
MAX_DEVICE_DEPTH = 64  # disk > partition > crypt > LVM > ... is a handful in practice

Chain = tuple[tuple[str, str], ...]
"""Block devices from the disk down to a mounted one, as (name, type) pairs."""


@dataclass(frozen=True)
class FstabEntry:
    """One mount of /etc/fstab."""

    device: str
    fstype: str
    source: str


def _table_lines(files: Files, path: str) -> list[tuple[int, list[str]]]:
    """Non-comment lines of a whitespace-separated table file, split, with line numbers."""
    text = files.read_text_or_none(path) or ""
    rows = (
        (number, line.split("#", 1)[0].split()) for number, line in enumerate(text.splitlines(), 1)
    )
    return [(number, fields) for number, fields in rows if fields]


def fstab(files: Files) -> dict[str, FstabEntry]:
    """Mounts of /etc/fstab by mount point (the last line for a mount point wins)."""
    entries: dict[str, FstabEntry] = {}
    for number, fields in _table_lines(files, FSTAB):
        if len(fields) >= 3:
            mountpoint = fields[1].rstrip("/") or "/"
            entries[mountpoint] = FstabEntry(fields[0], fields[2], f"{FSTAB}:{number}")
    return entries


def crypttab(files: Files) -> dict[str, str]:
    """dm-crypt mappings opened at boot: mapping name -> where it is declared."""
    return {fields[0]: f"{CRYPTTAB}:{number}" for number, fields in _table_lines(files, CRYPTTAB)}


def mapper_name(device: str) -> str | None:
    """The device-mapper name of ``/dev/mapper/NAME`` (or ``/dev/disk/by-id/dm-name-NAME``)."""
    for prefix in ("/dev/mapper/", "/dev/disk/by-id/dm-name-"):
        if device.startswith(prefix):
            return device[len(prefix) :]
    return None


def crypt_source(files: Files, device: str, crypt: dict[str, str]) -> str | None:
    """Where ``device`` is declared encrypted: its crypttab line, directly or through LVM.

    An LVM volume (``/dev/mapper/VG-LV`` or ``/dev/VG/LV``) counts when every physical
    volume named in the LVM metadata backup (/etc/lvm/backup/VG) is a crypttab mapping.
    """
    mapper = mapper_name(device)
    if mapper is not None and mapper in crypt:
        return crypt[mapper]
    if device.startswith("/dev/disk/"):
        return None
    parts = re.split(r"(?<!-)-(?!-)", mapper) if mapper else device.split("/")[2:]
    if len(parts) != 2:
        return None
    group = parts[0].replace("--", "-")
    text = files.read_text_or_none(f"{LVM_BACKUP}/{group}") or ""
    volumes = [mapper_name(pv) or pv for pv in re.findall(r'device\s*=\s*"([^"]+)"', text)]
    if volumes and all(name in crypt for name in volumes):
        return crypt[volumes[0]]
    return None


def lsblk_chains(stdout: str) -> dict[str, list[Chain]]:
    """Mount point -> device chains, from ``lsblk -J -o NAME,TYPE,MOUNTPOINT,...`` output.

    Raises :class:`OutputError` (a ValueError) when the output is not lsblk JSON.
    """
    try:
        data = load_json(stdout)
    except ValueError as exc:
        raise OutputError(str(exc)) from None  # the JSON reader's words, data
    found: dict[str, list[Chain]] = {}

    def walk(devices: Any, chain: Chain) -> None:
        if not isinstance(devices, list):
            raise OutputError(msg("a list of devices was expected"))
        if len(chain) >= MAX_DEVICE_DEPTH:
            deep = msg("devices nested more than {depth} deep", depth=str(MAX_DEVICE_DEPTH))
            raise OutputError(deep)
        for device in devices:
            if not isinstance(device, dict) or not isinstance(device.get("name"), str):
                raise OutputError(msg("a device without a name"))
            link = (*chain, (device["name"], str(device.get("type"))))
            if isinstance(device.get("mountpoint"), str):
                found.setdefault(device["mountpoint"], []).append(link)
            walk(device.get("children", []), link)

    if not isinstance(data, dict) or "blockdevices" not in data:
        raise OutputError(msg("no {key} key", key="blockdevices"))
    walk(data["blockdevices"], ())
    return found
