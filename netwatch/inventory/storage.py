"""Mounted filesystems with their size, skipping pseudo and virtual filesystems.

Disk use has one definition everywhere (inventory, audit report, dashboards): as ``df``
counts it, *used* is size minus free (free includes the blocks reserved for root) and
the share used is used / (used + available to ordinary users), rounded up to a whole
percent as ``df`` prints it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from psutil._ntuples import sdiskpart

PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc",
        "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs",
        "tmpfs", "tracefs", "fuse.lxcfs", "fuse.portal", "fuse.gvfsd-fuse", "nfsd",
    }
)  # fmt: skip
DEFAULT_EXCLUDED_MOUNTS = r"^/(dev|proc|run|sys|snap|var/lib/docker|var/lib/containers)($|/)"
# The mount table of PID 1: under systemd's ProtectSystem= the agent's own view of every
# filesystem is read-only, but the office wants to know whether the host's is.
HOST_MOUNT_TABLE = "/proc/1/mounts"


@dataclass(frozen=True)
class Filesystem:
    """One mounted filesystem."""

    device: str
    mountpoint: str
    fstype: str
    size: int
    free: int
    available: int
    readonly: bool

    @property
    def used(self) -> int:
        """Bytes in use (size minus free, reserved blocks not counted as used)."""
        return used_bytes(self.size, self.free)


def used_bytes(size: int, free: int) -> int:
    """Bytes in use: size minus free (``df``'s Used)."""
    return max(0, size - free)


def used_percent(size: int, free: int, available: int) -> int | None:
    """``df``'s Use%: used / (used + available), rounded up; None when both are 0."""
    used = used_bytes(size, free)
    whole = used + available
    return -(-100 * used // whole) if whole > 0 else None


def candidate_partitions(
    partitions: Iterable[sdiskpart],
    exclude_fstypes: Iterable[str],
    exclude_mountpoints: str,
) -> list[sdiskpart]:
    """Real filesystems worth reporting, one per mountpoint."""
    skip_types = set(exclude_fstypes)
    skip_mounts = re.compile(exclude_mountpoints) if exclude_mountpoints else None
    seen: set[str] = set()
    chosen = []
    for part in partitions:
        if part.fstype in skip_types or not part.fstype:
            continue
        if skip_mounts and skip_mounts.search(part.mountpoint):
            continue
        if part.mountpoint in seen:
            continue
        seen.add(part.mountpoint)
        chosen.append(part)
    return chosen


def gather_filesystems(
    exclude_fstypes: Iterable[str] = PSEUDO_FSTYPES,
    exclude_mountpoints: str = DEFAULT_EXCLUDED_MOUNTS,
    limit: int = 64,
) -> tuple[list[Filesystem], int]:
    """Filesystems (at most ``limit``) and how many were left out by the limit."""
    parts = candidate_partitions(
        psutil.disk_partitions(all=True), exclude_fstypes, exclude_mountpoints
    )
    host_readonly = host_readonly_mounts() if sys.platform.startswith("linux") else {}
    result = []
    for part in parts[:limit]:
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        total_free = _free_including_reserved(part.mountpoint, usage.free)
        result.append(
            Filesystem(
                device=part.device,
                mountpoint=part.mountpoint,
                fstype=part.fstype,
                size=usage.total,
                free=total_free,
                available=usage.free,
                readonly=host_readonly.get(part.mountpoint, "ro" in part.opts.split(",")),
            )
        )
    return result, max(0, len(parts) - limit)


def host_readonly_mounts(table: str = HOST_MOUNT_TABLE) -> dict[str, bool]:
    """Mountpoint -> read-only, as the host's init sees them; empty when unreadable."""
    try:
        with open(table, encoding="utf-8", errors="surrogateescape") as lines:
            return parse_mount_table(lines.read())
    except OSError:  # hidden /proc (hidepid, ProtectProc=) or no /proc: the agent's own view
        return {}


def parse_mount_table(text: str) -> dict[str, bool]:
    """Mountpoint -> read-only from /proc/*/mounts text; the last mount on a point wins."""
    readonly = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            readonly[_unescape(fields[1])] = "ro" in fields[3].split(",")
    return readonly


def _unescape(field: str) -> str:
    """Undo the kernel's octal escapes of space, tab, newline and backslash (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _free_including_reserved(mountpoint: str, available: int) -> int:
    """Free bytes including blocks reserved for root (statvfs f_bfree), where known."""
    if sys.platform == "win32":  # no os.statvfs
        return available
    try:
        stats = os.statvfs(mountpoint)
    except (AttributeError, OSError):
        return available
    return stats.f_bfree * stats.f_frsize
