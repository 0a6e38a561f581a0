"""``filesystem``: size and free space of real (non-pseudo) mounted filesystems."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Regex
from netwatch.hostaccess import HostAccess
from netwatch.inventory.storage import DEFAULT_EXCLUDED_MOUNTS, PSEUDO_FSTYPES, gather_filesystems

LABELS = ("device", "mountpoint", "fstype")
SIZE = MetricSpec("netwatch_filesystem_size_bytes", "gauge", "Filesystem size.", LABELS)
FREE = MetricSpec(
    "netwatch_filesystem_free_bytes", "gauge", "Free space, including space reserved for root.",
    LABELS,
)  # fmt: skip
AVAIL = MetricSpec(
    "netwatch_filesystem_avail_bytes", "gauge", "Free space available to ordinary users.", LABELS
)
READONLY = MetricSpec("netwatch_filesystem_readonly", "gauge", "1 when mounted read-only.", LABELS)
OMITTED = MetricSpec(
    "netwatch_filesystem_omitted",
    "gauge",
    "Filesystems left out because max_filesystems was reached.",
)


class FilesystemSettings(CollectorSettings):
    """Which filesystems to report."""

    exclude_fstypes: list[str] = Field(
        default_factory=lambda: sorted(PSEUDO_FSTYPES),
        description="Filesystem types never reported (pseudo and virtual filesystems).",
    )
    exclude_mountpoints: Regex = Field(
        DEFAULT_EXCLUDED_MOUNTS, description="Regular expression of mountpoints never reported."
    )
    max_filesystems: int = Field(
        64, ge=1, le=4096, description="At most this many filesystems (bounds label values)."
    )


class FilesystemCollector:
    """Reads mounted filesystems each scrape (a hung NFS mount trips the timeout)."""

    def __init__(self, settings: FilesystemSettings) -> None:
        self._settings = settings

    def collect(self) -> Iterator[Metric]:
        filesystems, omitted = gather_filesystems(
            self._settings.exclude_fstypes,
            self._settings.exclude_mountpoints,
            self._settings.max_filesystems,
        )
        size, free, avail, readonly = (
            SIZE.family(),
            FREE.family(),
            AVAIL.family(),
            READONLY.family(),
        )
        for fs in filesystems:
            labels = [fs.device, fs.mountpoint, fs.fstype]
            size.add_metric(labels, fs.size)
            free.add_metric(labels, fs.free)
            avail.add_metric(labels, fs.available)
            readonly.add_metric(labels, 1.0 if fs.readonly else 0.0)
        yield from (size, free, avail, readonly)
        yield OMITTED.single(omitted)


def _build(
    settings: FilesystemSettings, access: HostAccess, config: AgentConfig
) -> FilesystemCollector:
    return FilesystemCollector(settings)


SPEC = register(
    CollectorSpec(
        name="filesystem",
        description="Size and free space per real filesystem.",
        settings_model=FilesystemSettings,
        factory=_build,
        metrics=(SIZE, FREE, AVAIL, READONLY, OMITTED),
    )
)
