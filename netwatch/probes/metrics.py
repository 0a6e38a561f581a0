"""Turn probe results into metric families (labels ``service`` and ``kind``, never ``type``)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import Metric

from netwatch.core.metrics import MetricSpec
from netwatch.probes.result import ProbeResult

LABELS = ("service", "kind")

SUCCESS = MetricSpec(
    "netwatch_probe_success", "gauge", "1 when the latest probe of the service succeeded.", LABELS
)
DURATION = MetricSpec(
    "netwatch_probe_duration_seconds",
    "gauge",
    'Duration of the latest probe: phase="total", plus each phase that applies '
    "(resolve, connect, tls, first_byte, transfer, ...).",
    (*LABELS, "phase"),
)
# Numeric facts a prober may report in ProbeResult.values, by key.
VALUE_METRICS = {
    "http_status_code": MetricSpec(
        "netwatch_probe_http_status_code", "gauge", "HTTP status code of the final response.",
        LABELS,
    ),
    "http_content_length": MetricSpec(
        "netwatch_probe_http_content_length_bytes", "gauge", "Body bytes received.", LABELS
    ),
    "http_redirects": MetricSpec(
        "netwatch_probe_http_redirects", "gauge", "Redirects followed.", LABELS
    ),
    "tls_expiry_timestamp": MetricSpec(
        "netwatch_probe_tls_cert_expiry_timestamp_seconds",
        "gauge",
        "Earliest notAfter of the certificate chain the service presented (Unix time).",
        LABELS,
    ),
    "tls_verified": MetricSpec(
        "netwatch_probe_tls_verified",
        "gauge",
        "1 when the certificate chain and host name verified against the trusted CAs.",
        LABELS,
    ),
    "dns_answers": MetricSpec(
        "netwatch_probe_dns_answer_count", "gauge", "Records in the DNS answer section.", LABELS
    ),
    "dns_rcode": MetricSpec(
        "netwatch_probe_dns_rcode", "gauge", "DNS response code (0 NOERROR, 3 NXDOMAIN, ...).",
        LABELS,
    ),
    "icmp_rtt_seconds": MetricSpec(
        "netwatch_probe_icmp_rtt_seconds", "gauge", "Mean echo round-trip time.", LABELS
    ),
    "icmp_loss_ratio": MetricSpec(
        "netwatch_probe_icmp_loss_ratio", "gauge", "Share of echo requests unanswered, 0-1.",
        LABELS,
    ),
    "ntp_offset_seconds": MetricSpec(
        "netwatch_probe_ntp_offset_seconds",
        "gauge",
        "Clock offset of this host against the NTP server (positive: server ahead).",
        LABELS,
    ),
    "ntp_stratum": MetricSpec(
        "netwatch_probe_ntp_stratum", "gauge", "Stratum the NTP server reports.", LABELS
    ),
    "smtp_status_code": MetricSpec(
        "netwatch_probe_smtp_status_code", "gauge", "Last SMTP reply code received.", LABELS
    ),
}  # fmt: skip
# Text facts in ProbeResult.info exported as one info metric per service.
TLS_INFO = MetricSpec(
    "netwatch_probe_tls_info",
    "info",
    "Certificate the service presented: subject, issuer, TLS version.",
    (*LABELS, "subject", "issuer", "version"),
)
FAILURES = MetricSpec(
    "netwatch_probe_failures_total",
    "counter",
    "Failed probes since the agent started, by reason (timeout, resolve, refused, tls, ...).",
    (*LABELS, "reason"),
)
PROBE_METRICS = (SUCCESS, DURATION, *VALUE_METRICS.values(), TLS_INFO, FAILURES)


def result_families(
    results: Iterable[tuple[str, str, ProbeResult]],
    failures: dict[tuple[str, str, str], int] | None = None,
) -> list[Metric]:
    """Families for (service, kind, result) triples plus failure counters by reason."""
    success, duration, tls_info = SUCCESS.family(), DURATION.family(), TLS_INFO.family()
    values = {key: spec.family() for key, spec in VALUE_METRICS.items()}
    for service, kind, result in results:
        labels = [service, kind]
        success.add_metric(labels, 1.0 if result.success else 0.0)
        duration.add_metric([*labels, "total"], result.duration)
        for phase, seconds in sorted(result.phases.items()):
            duration.add_metric([*labels, phase], seconds)
        for key, value in result.values.items():
            if key in values:
                values[key].add_metric(labels, value)
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
    families: list[Metric] = [success, duration, *values.values(), tls_info]
    if failures is not None:
        counter = FAILURES.family()
        for (service, kind, reason), count in sorted(failures.items()):
            counter.add_metric([service, kind, reason], count)
        families.append(counter)
    return families
