"""A probe result as a JSON-ready record, for ``netwatch check`` and the audit report."""

from __future__ import annotations

from typing import Any

from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.targets import display_target

SECONDS_PER_DAY = 86400.0


def cert_days_left(result: ProbeResult, now: float) -> float | None:
    """Days until the earliest certificate in the chain expires (negative when expired)."""
    expiry = result.values.get("tls_expiry_timestamp")
    return None if expiry is None else (expiry - now) / SECONDS_PER_DAY


def as_record(job: ProbeJob, result: ProbeResult, now: float) -> dict[str, Any]:
    """One result as a JSON-ready record (no secrets: targets are shown without credentials)."""
    days = cert_days_left(result, now)
    return {
        "service": job.service,
        "kind": job.kind,
        "target": display_target(job.target),
        "success": result.success,
        "reason": result.reason or None,
        "detail": result.detail,
        "duration_seconds": round(result.duration, 6),
        "phases": {k: round(v, 6) for k, v in sorted(result.phases.items())},
        "values": result.values,
        "info": {k: v for k, v in result.info.items()},
        "cert_days_left": None if days is None else round(days, 2),
        **({"detail_message": result.detail_message.to_record()} if result.detail_message else {}),
    }
