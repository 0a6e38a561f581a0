"""Turn probe results into metric families (labels ``service`` and ``kind``, never ``type``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from prometheus_client.core import Metric

from netwatch.core.metrics import MetricSpec
from netwatch.probes.base import PROBE_LABELS as LABELS
from netwatch.probes.base import probers
from netwatch.probes.result import ProbeResult

SUCCESS = MetricSpec(
    "netwatch_probe_success", "gauge", "1 when the latest probe of the service succeeded.", LABELS
)
DURATION = MetricSpec(
    "netwatch_probe_duration_seconds",
    "gauge",
    "Network time of the latest probe: each phase that applies (resolve, connect, tls, "
    'first_byte, transfer, rtt, ...) and phase="total", their sum; set-up and the pauses '
    "between ICMP echoes are not counted.",
    (*LABELS, "phase"),
)
# Text facts in ProbeResult.info exported as one info metric per service.
TLS_INFO = MetricSpec(
    "netwatch_probe_tls_info",
    "info",
    "Certificate the service presented: subject, issuer, TLS version.",
    (*LABELS, "subject", "issuer", "version"),
)
# One series per failing service, so that /probe and dashboards say why without a counter.
FAILURE_INFO = MetricSpec(
    "netwatch_probe_failure_info",
    "info",
    "Why the latest probe of the service failed: its reason (timeout, resolve, refused, "
    "tls, status, ...); absent while the service is up.",
    (*LABELS, "reason"),
)
FAILURES = MetricSpec(
    "netwatch_probe_failures_total",
    "counter",
    "Failed probes since the agent started, by reason (timeout, resolve, refused, tls, ...).",
    (*LABELS, "reason"),
)


@cache
def value_metrics() -> dict[str, MetricSpec]:
    """The numeric facts every prober declares it may report in ``ProbeResult.values``.

    Probers share some (the TLS facts of http, tcp, tls and smtp); one key must always
    mean one metric. Merged once: result_families runs on every scrape.
    """
    merged: dict[str, MetricSpec] = {}
    for name, prober in probers().items():
        for key, spec in prober.value_metrics.items():
            if merged.setdefault(key, spec) != spec:
                raise ValueError(f"prober {name!r} declares {key!r} unlike another prober")
    return merged


def probe_metrics() -> tuple[MetricSpec, ...]:
    """Every metric family the probes export."""
    return (SUCCESS, DURATION, *value_metrics().values(), TLS_INFO, FAILURE_INFO, FAILURES)


log = logging.getLogger("netwatch.probes")
# Keys a prober reported in ProbeResult.values that it did not declare. The agent logs
# each once and goes on; the test suite fails when any was seen (tests/conftest.py).
undeclared_values: set[str] = set()


def result_families(
    results: Iterable[tuple[str, str, ProbeResult]],
    failures: dict[tuple[str, str, str], int] | None = None,
) -> list[Metric]:
    """Families for (service, kind, result) triples plus failure counters by reason."""
    success, duration, tls_info = SUCCESS.family(), DURATION.family(), TLS_INFO.family()
    failure_info = FAILURE_INFO.family()
    values = {key: spec.family() for key, spec in value_metrics().items()}
    for service, kind, result in results:
        labels = [service, kind]
        success.add_metric(labels, 1.0 if result.success else 0.0)
        duration.add_metric([*labels, "total"], result.duration)
        for phase, seconds in sorted(result.phases.items()):
            duration.add_metric([*labels, phase], seconds)
        for key, value in result.values.items():
            if key in values:
                values[key].add_metric(labels, value)
            elif key not in undeclared_values:
                undeclared_values.add(key)
                log.warning("probe value %r is not declared by any prober (value_metrics)", key)
        if not result.success:
            failure_info.add_metric([], {"service": service, "kind": kind,
                                         "reason": result.reason})  # fmt: skip
        if "tls_subject" in result.info:
            tls_info.add_metric(
                [],
                {
                    "service": service,
                    "kind": kind,
                    "subject": result.info.get("tls_subject", ""),
                    "issuer": result.info.get("tls_issuer", ""),
                    "version": result.info.get("tls_version", ""),
                },
            )
    families: list[Metric] = [success, duration, *values.values(), tls_info, failure_info]
    if failures is not None:
        counter = FAILURES.family()
        for (service, kind, reason), count in sorted(failures.items()):
            counter.add_metric([service, kind, reason], count)
        families.append(counter)
    return families
