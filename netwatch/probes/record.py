"""A probe result as a JSON-ready record, for ``netwatch check`` and the audit report."""

from __future__ import annotations

from typing import Any

from netwatch.i18n import Message
from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.targets import display_target

SECONDS_PER_DAY = 86400.0


def cert_days_left(result: ProbeResult, now: float) -> float | None:
    """Days until the earliest certificate in the chain expires (negative when expired)."""
    expiry = result.values.get("tls_expiry_timestamp")
    return None if expiry is None else (expiry - now) / SECONDS_PER_DAY


def status(result: ProbeResult) -> str:
    """``up``, ``warning`` (up, with warnings such as a certificate about to expire) or
    ``down``."""
    if not result.success:
        return "down"
    return "warning" if result.warnings else "up"


def _warning(kind: str, text: str | Message) -> dict[str, Any]:
    """One warning: its kind, its English detail and, for a message, its template."""
    record: dict[str, Any] = {"kind": kind, "detail": str(text)}
    return record | ({"detail_message": text.to_record()} if isinstance(text, Message) else {})


def as_record(job: ProbeJob, result: ProbeResult, now: float) -> dict[str, Any]:
    """One result as a JSON-ready record (no secrets: targets are shown without credentials).

    ``duration_seconds`` is the sum of ``phases``; ``rtt_seconds`` is the mean echo
    round trip of an ICMP probe. ``info`` holds text facts in English and ``info_messages``
    (when there are any) the templates of those written in words. ``warnings`` lists
    ``{"kind", "detail"}`` (and ``detail_message`` for a translatable detail) with kinds
    from :data:`netwatch.probes.result.WARNING_KINDS`; ``cert_expiring`` is true when
    the certificate expires within ``cert_warning_days`` (None without a certificate).
    """
    days = cert_days_left(result, now)
    rtt = result.values.get("icmp_rtt_seconds")
    threshold = result.info.get("tls_expiry_warning_days")
    return {
        "service": job.service,
        "kind": job.kind,
        "target": display_target(job.target),
        "success": result.success,
        "status": status(result),
        "reason": result.reason or None,
        "detail": result.detail,
        "warnings": [_warning(kind, text) for kind, text in result.warnings.items()],
        "duration_seconds": round(result.duration, 6),
        "rtt_seconds": None if rtt is None else round(rtt, 6),
        "phases": {k: round(v, 6) for k, v in sorted(result.phases.items())},
        "values": result.values,
        "info": {k: v for k, v in result.info.items()},
        **(
            {"info_messages": {k: m.to_record() for k, m in result.info_messages.items()}}
            if result.info_messages
            else {}
        ),
        "cert_days_left": None if days is None else round(days, 2),
        "cert_warning_days": None if threshold is None else float(threshold),
        "cert_expiring": None if days is None else "cert_expiring" in result.warnings,
        **({"detail_message": result.detail_message.to_record()} if result.detail_message else {}),
    }
