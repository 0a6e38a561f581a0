"""Synthetic office hosts from a recorded agent exposition (issue-13 benchmarks; not one).

A recorded ``/metrics`` scrape of a real agent is replayed under many ``instance`` labels,
with values varied per host so that the wall's aggregations see a realistic office:

- about 1 host in 37 is down for the last ``DOWN_FOR`` seconds (``up`` 0, no other series);
- every service of kind ``tcp`` is down on every host for the last ``OUTAGE_FOR`` seconds
  (one server down), and about 1 (host, service) pair in 50 fails on its own; every other
  service is up (the recording's failures were of loopback test targets);
- a clock offset (the recording has none: no time source on loopback), 2.5 s on about
  1 host in 45;
- every TLS or HTTP service gets a certificate expiry (``CERT_DAYS``: expired, expiring
  within 14 days, fine);
- disks fill between 10 % and 98 %; posture scores, failed-check counts vary; about 1 host
  in 60 has a stale posture run and 1 in 50 a failing collector;
- counters grow at a per-host rate, ``*_timestamp_seconds`` follow the clock, durations,
  bytes and ratios wobble a little.

Prometheus' own series per target (``up``, ``scrape_*``) are added.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

DOWN_FOR = 1200.0
OUTAGE_FOR = 1800.0
DAY = 86400.0
CERT_DAYS = (-3, 10, 60, 200)  # expired, expiring, fine, fine
WOBBLY = ("_bytes", "_seconds", "_ratio", "netwatch_load")
SCRAPE_SERIES = ("scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
                 "scrape_samples_post_metric_relabeling")  # fmt: skip


@dataclass(frozen=True)
class Series:
    """One recorded sample: name, labels, value and how it moves over time."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float
    counter: bool


def load(text: str) -> list[Series]:
    """The samples of an exposition; histogram and summary parts count as counters."""
    series = []
    for family in text_string_to_metric_families(text):
        counter = family.type in ("counter", "histogram", "summary")
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = tuple(sorted(sample.labels.items()))
            series.append(Series(sample.name, labels, float(sample.value), counter))
    return series


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series_text(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    """``name{a="b",...}`` with escaped label values."""
    if not labels:
        return name
    inner = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
    return f"{name}{{{inner}}}"


@dataclass(frozen=True)
class Host:
    """One synthetic host: its identity and how it differs from the recording."""

    index: int
    instance: str
    down: bool
    stale_posture: bool
    failing_collector: str | None
    failing_services: frozenset[str]
    disk_used: float
    score: float
    offset: float


def make_host(index: int, collectors: list[str], services: list[str], interval: float) -> Host:
    """Host number ``index`` (deterministic: seeded by it)."""
    rng = random.Random(index)
    return Host(
        index=index,
        instance=f"pc-{index:04d}:8934",
        down=index % 37 == 5,
        stale_posture=index % 60 == 7,
        failing_collector=collectors[index % len(collectors)] if index % 50 == 3 else None,
        failing_services=frozenset(s for s in services if rng.random() < 0.02),
        disk_used=0.97 if index % 30 == 11 else rng.uniform(0.1, 0.85),
        score=round(rng.uniform(0.35, 0.97), 3),
        offset=rng.uniform(0, interval),
    )


class Office:
    """Hosts replaying a recorded exposition; ``first`` (e.g. the LAN agent) is host 0."""

    def __init__(self, recorded: list[Series], hosts: int, interval: float, job: str,
                 end: float, first: list[Series] | None = None) -> None:  # fmt: skip
        self.recorded, self.first, self.interval, self.job, self.end = (
            recorded, first or recorded, interval, job, end)  # fmt: skip
        pool = recorded + (first or [])
        collectors = sorted({v for s in pool for k, v in s.labels if k == "collector"})
        services = sorted({v for s in pool for k, v in s.labels if k == "service"})
        self.kinds = {v: dict(s.labels).get("kind", "") for s in pool
                      for k, v in s.labels if k == "service"}  # fmt: skip
        self.hosts = [make_host(n, collectors, services, interval) for n in range(hosts)]
        self._labelled: dict[int, list[tuple[str, Series]]] = {}
        self._plain: dict[int, list[tuple[str, Series]]] = {}

    def series_of(self, host: Host) -> list[Series]:
        """The recorded series of ``host``, with certificate expiries added."""
        base = self.first if host.index == 0 else self.recorded
        names = {s.name for s in base}
        extra = []
        if "netwatch_clock_offset_seconds" not in names:
            extra.append(Series("netwatch_clock_offset_seconds", (), 0.0, False))
        if "netwatch_probe_tls_cert_expiry_timestamp_seconds" not in names:
            for service, kind in sorted(self.kinds.items()):
                if kind in ("tls", "http") and any(dict(s.labels).get("service") == service
                                                   for s in base):  # fmt: skip
                    labels = (("kind", kind), ("service", service))
                    extra.append(Series("netwatch_probe_tls_cert_expiry_timestamp_seconds",
                                        labels, 0.0, False))  # fmt: skip
        return base + extra

    def value(self, host: Host, series: Series, t: float) -> float:
        """The value of ``series`` on ``host`` at time ``t``."""
        labels = dict(series.labels)
        name, value = series.name, series.value
        service = labels.get("service")
        failing = service is not None and (
            service in host.failing_services
            or (self.kinds.get(service) == "tcp" and t > self.end - OUTAGE_FOR)
        )
        if series.counter:
            grow = 3.0 if failing and name == "netwatch_probe_failures_total" else 1.0
            rate = max(value, 1.0) / DAY * (0.5 + host.index % 7 / 7) * grow
            return round(value + rate * (t - self.end + DAY), 3)
        if name == "netwatch_probe_success":
            return 0.0 if failing else 1.0
        if name == "netwatch_probe_tls_cert_expiry_timestamp_seconds":
            days = CERT_DAYS[sorted(self.kinds).index(service or "") % len(CERT_DAYS)]
            return float(round(self.end + days * DAY))
        if name == "netwatch_probe_last_success_timestamp_seconds" and failing:
            return float(round(self.end - OUTAGE_FOR))
        if name == "netwatch_posture_last_run_timestamp_seconds" and host.stale_posture:
            return float(round(self.end - 3 * 3600))
        if name.endswith("_timestamp_seconds"):
            return round(t - (t % 60), 3)
        if name == "netwatch_collector_success" and labels.get("collector") == (
            host.failing_collector
        ):
            return 0.0
        if name.startswith("netwatch_filesystem_") and name.endswith("_bytes"):
            return self.filesystem(host, series)
        if name == "netwatch_clock_offset_seconds":
            return 2.5 if host.index % 45 == 9 else round(0.002 * math.sin(t / 300 + host.index), 6)
        if name == "netwatch_posture_score_ratio":
            return host.score
        if name == "netwatch_posture_failed_checks":
            return float(max(0, int(value) + host.index % 4 - 1))
        if name.endswith(WOBBLY) or name.startswith(WOBBLY[-1]):
            return round(value * (1 + 0.05 * math.sin(t / 600 + host.index)), 6)
        return value

    def filesystem(self, host: Host, series: Series) -> float:
        """Size as recorded; available space ``1 - disk_used`` of it; free space the
        available plus the recorded reserve (free - available)."""
        recorded = {s.name: s.value for s in self.recorded if s.labels == series.labels}
        size = recorded.get("netwatch_filesystem_size_bytes", series.value)
        avail = float(round(size * (1 - host.disk_used)))
        if series.name == "netwatch_filesystem_avail_bytes":
            return avail
        if series.name == "netwatch_filesystem_free_bytes":
            return avail + recorded[series.name] - recorded["netwatch_filesystem_avail_bytes"]
        return series.value

    def is_up(self, host: Host, t: float) -> bool:
        """Whether ``host`` answers its scrape at ``t``."""
        return not (host.down and t > self.end - DOWN_FOR)

    def labelled(self, host: Host) -> list[tuple[str, Series]]:
        """(series text with instance and job, series) of every series of ``host``,
        Prometheus' own (``up`` first, ``scrape_*``) included; cached."""
        if host.index not in self._labelled:
            own = self.series_of(host)
            scrape = [Series("up", (), 1.0, False)] + [
                Series(name, (), float(len(own)) if "samples" in name else 0.01, False)
                for name in SCRAPE_SERIES]  # fmt: skip
            instance = (("instance", host.instance), ("job", self.job))
            self._labelled[host.index] = [
                (series_text(s.name, tuple(sorted(s.labels + instance))), s)
                for s in scrape + own]  # fmt: skip
        return self._labelled[host.index]

    def samples(self, host: Host, t: float) -> Iterator[tuple[str, float]]:
        """(series text, value) of one scrape of ``host`` at ``t``: only ``up`` 0 when the
        host is down."""
        up = self.is_up(host, t)
        for text, series in self.labelled(host):
            if series.name == "up":
                yield text, 1.0 if up else 0.0
            elif up:
                yield text, self.value(host, series, t)

    def exposition(self, host: Host, t: float) -> bytes:
        """``host``'s answer to a scrape at ``t``, as the agent would give it (no
        ``instance``, ``job`` or Prometheus' own series)."""
        if host.index not in self._plain:
            self._plain[host.index] = [(series_text(s.name, s.labels), s)
                                       for s in self.series_of(host)]  # fmt: skip
        lines = [f"{text} {self.value(host, s, t)!r}\n" for text, s in self._plain[host.index]]
        return "".join(lines).encode()

    def times(self, start: float) -> Iterator[float]:
        """Scrape times from ``start`` to ``self.end`` every interval."""
        t = start
        while t <= self.end:
            yield t
            t += self.interval
