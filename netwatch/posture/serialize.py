"""Posture results as JSON-ready records (for ``netwatch posture --format json`` and reports)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from netwatch.posture.model import CheckResult, Text
from netwatch.posture.score import Score, compute_score, result_label


def _text(text: Text) -> dict[str, str]:
    return {"en": text.en, "vi": text.vi}


def result_record(result: CheckResult) -> dict[str, Any]:
    """One result with its metadata in both languages, evidence, waiver and mappings."""
    meta = result.meta
    return {
        "id": meta.id,
        "result": result_label(result),
        "status": result.status.value,
        "severity": result.severity.value,
        "category": meta.category,
        "title": _text(meta.title),
        "rationale": _text(meta.rationale),
        "remediation": _text(meta.remediation),
        "reason": result.outcome.reason,
        "evidence": [asdict(e) for e in result.outcome.evidence],
        "waiver": asdict(result.waiver) if result.waiver else None,
        "frameworks": {k: list(v) for k, v in result.frameworks.items()},
        "duration_seconds": round(result.duration, 4),
    }


def score_record(score: Score) -> dict[str, Any]:
    """The score and counts."""
    return {
        "value": score.value,
        "band": score.band,
        "counts": score.counts,
        "failed_by_severity": score.failed_by_severity,
        "waived": score.waived,
        "expired_waivers": score.expired_waivers,
    }


def posture_document(
    policy_name: str, results: list[CheckResult], root: str | None = None
) -> dict[str, Any]:
    """The ``netwatch posture --format json`` document of one run."""
    return {
        "policy": policy_name,
        "root": root,
        "score": score_record(compute_score(results)),
        "results": [result_record(r) for r in results],
    }
