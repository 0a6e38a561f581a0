"""The posture score: 0-100 weighted by severity, with bands and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from netwatch.i18n import label
from netwatch.posture.model import SEVERITY_WEIGHTS, CheckResult, Severity, Status

BANDS = (
    (90.0, "good", label("Good")),
    (75.0, "fair", label("Fair")),
    (50.0, "weak", label("Weak")),
    (0.0, "poor", label("Poor")),
)


@dataclass(frozen=True)
class Score:
    """The weighted score and the counts behind it.

    Passed checks earn their severity weight; failed checks (including those
    whose waiver expired) count against it. Waived failures, not_applicable
    and error results are left out of the ratio and counted separately.
    """

    value: float
    band: str
    counts: dict[str, int]
    failed_by_severity: dict[str, int]
    waived: int
    expired_waivers: int

    def band_text(self, lang: str) -> str:
        """The band's name for readers."""
        return next(text.get(lang) for _, band, text in BANDS if band == self.band)


def result_label(result: CheckResult) -> str:
    """pass, fail, waived, not_applicable or error."""
    return "waived" if result.waived else result.status.value


def compute_score(results: list[CheckResult]) -> Score:
    """Score a run's results."""
    earned = possible = 0
    counts: Counter[str] = Counter()
    failed_by_severity: Counter[str] = Counter()
    expired = 0
    for result in results:
        label = result_label(result)
        counts[label] += 1
        weight = SEVERITY_WEIGHTS[result.severity]
        if result.status is Status.passed:
            earned += weight
            possible += weight
        elif result.status is Status.failed and not result.waived:
            possible += weight
            failed_by_severity[result.severity.value] += 1
            if result.waiver is not None and result.waiver.expired:
                expired += 1
    value = round(100.0 * earned / possible, 1) if possible else 100.0
    band = next(name for floor, name, _ in BANDS if value >= floor)
    return Score(
        value=value,
        band=band,
        counts={
            key: counts.get(key, 0) for key in ("pass", "fail", "waived", "not_applicable", "error")
        },  # fmt: skip
        failed_by_severity={s.value: failed_by_severity.get(s.value, 0) for s in Severity},
        waived=counts.get("waived", 0),
        expired_waivers=expired,
    )
