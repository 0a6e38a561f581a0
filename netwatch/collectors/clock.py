"""``clock``: the host clock's offset from its time source and its sync state (like
node_exporter's timex collector). Scheduled: the offset needs a network query."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import Metric
from pydantic import Field

from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.hostaccess import HostAccess
from netwatch.inventory.clock import (
    ClockError,
    SntpAnswer,
    SyncStatus,
    TimeSources,
    configured_sources,
    query,
    sync_status,
)

log = logging.getLogger("netwatch.clock")

OFFSET = MetricSpec(
    "netwatch_clock_offset_seconds",
    "gauge",
    "Local clock minus the time source's (positive: this host is ahead), from one SNTP query "
    "to the host's configured time source. Absent when no source is configured or none answers.",
)
SYNCHRONIZED = MetricSpec(
    "netwatch_clock_synchronized",
    "gauge",
    "1 when the OS says its clock is synchronised (Linux: adjtimex STA_UNSYNC clear; "
    "Windows: W32Time leap indicator not 3), else 0.",
)
SOURCE_INFO = MetricSpec(
    "netwatch_clock_source_info",
    "info",
    "The time source the offset was measured against (the one that answered, else the first "
    "configured).",
    ("source",),
)
SOURCE_STRATUM = MetricSpec(
    "netwatch_clock_source_stratum",
    "gauge",
    "Stratum of the time source that answered (1: has its own reference clock).",
)
SOURCE_DELAY = MetricSpec(
    "netwatch_clock_source_delay_seconds",
    "gauge",
    "Round-trip network delay of the SNTP query; the offset is accurate to about half of it.",
)
MAX_ERROR = MetricSpec(
    "netwatch_clock_maxerror_seconds",
    "gauge",
    "Maximum error of the clock the kernel assumes (adjtimex maxerror; Linux only).",
)
ESTIMATED_ERROR = MetricSpec(
    "netwatch_clock_estimated_error_seconds",
    "gauge",
    "Estimated error of the clock (adjtimex esterror; Linux only).",
)
MAX_SERVERS = 3  # configured servers asked in turn until one answers


class ClockSettings(ScheduledSettings):
    """Where to ask for the time and how often."""

    server: str | None = Field(
        None,
        description="NTP server (HOST or HOST:PORT) to measure the offset against. Default: "
        "the host's configured time source (chrony, ntpd, systemd-timesyncd config files; "
        "on Windows W32Time's NtpServer, or the domain controller for Type NT5DS).",
    )
    interval: Duration = Field(120.0, description="Time between two measurements.")
    timeout: Duration = Field(15.0, description="Hard limit for one measurement.")
    query_timeout: Duration = Field(
        2.0, description="How long to wait for one server's SNTP answer."
    )


class ClockCollector:
    """Measures the offset against the time source and reads the OS sync state."""

    def __init__(self, settings: ClockSettings, access: HostAccess) -> None:
        self._settings = settings
        self._access = access
        self._reported: set[str] = set()

    def _sources(self) -> TimeSources | None:
        if self._settings.server:
            return TimeSources((self._settings.server,), "collectors.clock.server")
        return configured_sources(self._access)

    def _note_once(self, reason: str) -> None:
        """Log each distinct reason the clock state is incomplete once."""
        if reason not in self._reported:
            self._reported.add(reason)
            log.warning("clock: %s", reason)

    def _measure(self, sources: TimeSources) -> SntpAnswer | None:
        errors = []
        for server in sources.servers[:MAX_SERVERS]:
            try:
                return query(server, self._settings.query_timeout)
            except ClockError as exc:
                errors.append(str(exc))
        self._note_once(f"no time source answered ({sources.origin}): {'; '.join(errors)}")
        return None

    def _status(self) -> SyncStatus | None:
        if not self._access.live:
            return None
        try:
            return sync_status(self._access, self._settings.timeout)
        except ClockError as exc:
            self._note_once(f"sync state unknown: {exc}")
            return None

    def collect(self) -> Iterator[Metric]:
        sources = self._sources()
        answer = self._measure(sources) if sources else None
        if sources is None:
            self._note_once(
                "no time source configured (chrony, ntpd, systemd-timesyncd, W32Time, or "
                "collectors.clock.server): netwatch_clock_offset_seconds is absent"
            )
        else:
            source = answer.server if answer else sources.servers[0]
            info = SOURCE_INFO.family()
            info.add_metric([], {"source": source})
            yield info
        if answer is not None:
            yield OFFSET.single(answer.offset)
            yield SOURCE_STRATUM.single(answer.stratum)
            yield SOURCE_DELAY.single(answer.delay)
        status = self._status()
        if status is not None:
            yield SYNCHRONIZED.single(1.0 if status.synchronized else 0.0)
            if status.max_error is not None:
                yield MAX_ERROR.single(status.max_error)
            if status.estimated_error is not None:
                yield ESTIMATED_ERROR.single(status.estimated_error)


def _build(settings: ClockSettings, access: HostAccess, config: AgentConfig) -> ClockCollector:
    return ClockCollector(settings, access)


SPEC = register(
    CollectorSpec(
        name="clock",
        description="Clock offset from the host's time source (one SNTP query) and the OS "
        "sync state (adjtimex, W32Time).",
        settings_model=ClockSettings,
        factory=_build,
        metrics=(
            OFFSET, SYNCHRONIZED, SOURCE_INFO, SOURCE_STRATUM, SOURCE_DELAY, MAX_ERROR,
            ESTIMATED_ERROR,
        ),
    )
)  # fmt: skip
