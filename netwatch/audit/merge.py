"""Merge host audit reports into one office-wide report (``netwatch report merge``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from netwatch import __version__
from netwatch.audit.model import (
    AuditReport,
    CheckRecord,
    CheckSummary,
    OfficeHost,
    OfficeReport,
    SupersededReport,
)
from netwatch.posture.model import Severity
from netwatch.times import parse_utc, utc_iso

DEFAULT_STALE_DAYS = 30
SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(Severity)}


def _host_key(report: AuditReport) -> tuple[str, str]:
    return report.host.hostname.casefold(), report.host.machine_id


def _moment(report: AuditReport) -> dt.datetime:
    return parse_utc(report.generated_at)


def newest_per_host(
    reports: list[tuple[str, AuditReport]],
) -> tuple[list[tuple[str, AuditReport]], list[SupersededReport]]:
    """One report per host (the newest; the later file on a tie) and the ones left out."""
    best: dict[tuple[str, str], int] = {}
    for index, (_, report) in enumerate(reports):
        chosen = best.get(_host_key(report))
        if chosen is None or _moment(report) >= _moment(reports[chosen][1]):
            best[_host_key(report)] = index
    kept = set(best.values())
    left_out = [
        SupersededReport(
            hostname=report.host.hostname,
            generated_at=report.generated_at,
            source=source,
            kept=reports[best[_host_key(report)]][0],
        )  # fmt: skip
        for index, (source, report) in enumerate(reports)
        if index not in kept
    ]
    return [pair for index, pair in enumerate(reports) if index in kept], left_out


def _office_host(report: AuditReport, stale_before: dt.datetime) -> OfficeHost:
    return OfficeHost(
        hostname=report.host.hostname,
        os_name=" ".join(p for p in (report.host.os_name, report.host.os_version) if p),
        generated_at=report.generated_at,
        mode=report.mode,
        score=report.score.value,
        band=report.score.band,
        failed_by_severity=report.score.failed_by_severity,
        results={r.id: r.result for r in report.results},
        stale=_moment(report) < stale_before,
    )


def _worst_first(host: OfficeHost) -> tuple[object, ...]:
    failures = tuple(-host.failed_by_severity.get(s, 0) for s in SEVERITY_RANK)
    return (host.score, *failures, host.hostname.casefold())


def _check_summaries(reports: list[AuditReport]) -> list[CheckSummary]:
    """Every check seen (title and severity from the newest report), most failing hosts first."""
    newest: dict[str, CheckRecord] = {}
    failing: Counter[str] = Counter()
    for report in sorted(reports, key=_moment):
        for record in report.results:
            newest[record.id] = record
            failing[record.id] += record.result == "fail"
    summaries = [
        CheckSummary(id=r.id, title=r.title, severity=r.severity, failing_hosts=failing[r.id])
        for r in newest.values()
    ]
    return sorted(summaries, key=lambda c: (-c.failing_hosts, SEVERITY_RANK[c.severity], c.id))


def office_of(reports: list[AuditReport]) -> str:
    """The office the host reports name: the most common non-empty name (the first seen
    on a tie); empty when none names one."""
    names = Counter(r.office.strip() for r in reports if r.office.strip())
    return names.most_common(1)[0][0] if names else ""


def merge_reports(
    reports: list[tuple[str, AuditReport]],
    office: str = "",
    stale_days: int = DEFAULT_STALE_DAYS,
    now: float | None = None,
    preparer: str = "",
    approver: str = "",
) -> OfficeReport:
    """One office report from ``(source file, report)`` pairs; hosts worst score first.

    ``office`` (given or configured) wins over the office the host reports name."""
    generated_at = utc_iso(now)
    kept, left_out = newest_per_host(reports)
    stale_before = parse_utc(generated_at) - dt.timedelta(days=stale_days)
    hosts = sorted((_office_host(r, stale_before) for _, r in kept), key=_worst_first)
    return OfficeReport(
        generated_at=generated_at,
        agent_version=__version__,
        office=office or office_of([r for _, r in kept]),
        preparer=preparer,
        approver=approver,
        stale_days=stale_days,
        hosts=hosts,
        checks=_check_summaries([r for _, r in kept]),
        sources=[source for source, _ in kept],
        superseded=left_out,
    )
