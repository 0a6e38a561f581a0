"""Mounted filesystems with their size, skipping pseudo and virtual filesystems."""

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
                readonly="ro" in part.opts.split(","),
            )
        )
    return result, max(0, len(parts) - limit)


def _free_including_reserved(mountpoint: str, available: int) -> int:
    """Free bytes including blocks reserved for root (statvfs f_bfree), where known."""
    if sys.platform == "win32":  # no os.statvfs
        return available
    try:
        stats = os.statvfs(mountpoint)
    except (AttributeError, OSError):
        return available
    return stats.f_bfree * stats.f_frsize
