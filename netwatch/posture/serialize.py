"""Posture results as JSON-ready records (for ``netwatch posture --format json`` and reports)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from netwatch.i18n import Message
from netwatch.posture.model import CheckResult, Evidence, Text
from netwatch.posture.score import Score, compute_score, result_label


def _text(text: Text) -> dict[str, str]:
    return {"en": text.en, "vi": text.vi}


def prose(name: str, text: str | Message) -> dict[str, Any]:
    """``{name: English text}``, and ``{name}_message`` with the template and parameters when
    ``text`` is a message, so a report can show it later in another language."""
    if isinstance(text, Message):
        return {name: str(text), f"{name}_message": text.to_record()}
    return {name: text}


def evidence_record(evidence: Evidence) -> dict[str, Any]:
    """One observation; its prose (the source too, when it is prose) with its message."""
    return {
        **prose("source", evidence.source),
        **prose("observed", evidence.observed),
        **prose("expected", evidence.expected),
    }


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
        **prose("reason", result.outcome.reason),
        "evidence": [evidence_record(e) for e in result.outcome.evidence],
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
