"""Markdown reports (GitHub-flavoured tables) with the same content as the HTML reports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from netwatch.audit.i18n import (
    RESULTS,
    SEVERITIES,
    band_name,
    check_lang,
    format_date,
    format_number,
    format_score,
    localized,
    result_name,
    score_explanation,
    severity_name,
    t,
)
from netwatch.audit.model import (
    AuditReport,
    CheckRecord,
    FrameworkInfo,
    OfficeReport,
    WaiverInfo,
)
from netwatch.audit.render_html import (
    MATRIX_SYMBOLS,
    average_score,
    band_counts,
    band_of,
    change_groups,
    common_failures,
    control_labels,
    control_map,
    failures_by_severity,
    filesystem_rows,
    findings,
    hosts_worst_first,
    identity_rows,
    inventory_facts,
    matrix_cell,
    matrix_check_ids,
    nic_rows,
    offline_note,
    other_checks,
    service_cells,
    service_headings,
    software_list,
    stale_hosts,
    waived_checks,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!])")


def _md(text: str) -> str:
    """Plain text with Markdown and HTML syntax escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """An inline code span that holds any text (fences longer than any backtick run)."""
    value = " ".join(str(text).split())
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _inline(text: str) -> str:
    """Escaped text whose `back-quoted` parts stay code spans."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(_code(p) if i % 2 else _md(p) for i, p in enumerate(parts))


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GFM table: ``head`` is plain text, cells are Markdown (pipes get escaped here)."""

    def cell(value: str) -> str:
        return re.sub(r"(?<!\\)\|", r"\\|", value) or " "

    lines = ["| " + " | ".join(_md(h) for h in head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _plain_table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    return _table(head, ([_md(c) for c in row] for row in rows))


def _facts(rows: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"- **{_md(label)}:** {_md(value)}" for label, value in rows) + "\n"


def _check(title: str, check_id: str) -> str:
    return f"{_md(title)} ({_code(check_id)})"


def _heading(level: int, text: str) -> str:
    return f"{'#' * level} {_md(text)}\n"


def _join(parts: Iterable[str]) -> str:
    return "\n".join(part for part in parts if part)


# The host report


def render_host_markdown(report: AuditReport, lang: str) -> str:
    """One host's audit as Markdown."""
    check_lang(lang)
    return _join(
        [
            _host_head(report, lang),
            _summary(report, lang),
            _changes(report, lang),
            _findings(report, lang),
            _waivers(report, lang),
            _frameworks(report, lang),
            _others(report, lang),
            _services(report, lang),
            _inventory(report.inventory, lang),
        ]
    )


def _host_head(report: AuditReport, lang: str) -> str:
    note = offline_note(report, lang)
    return _join(
        [
            _heading(1, f"{t('report.title', lang)} — {report.host.hostname}"),
            f"**{_md(report.office)}**\n" if report.office else "",
            f"> **{_md(t('mode.offline', lang))}:** {_md(note)}\n" if note else "",
            _heading(3, t("cover.identity", lang)),
            _facts(identity_rows(report, lang)),
            _md(t("cover.generated_by", lang, version=report.agent_version)) + "\n",
        ]
    )


def _score_line(value: float, band: str, label: str, lang: str) -> str:
    return (
        f"**{_md(label)}: {format_score(value, lang)}** {_md(t('summary.out_of', lang))} — "
        f"**{_md(band_name(band, lang))}**\n"
    )


def _counts_tables(counts: dict[str, int], failed: dict[str, int], lang: str) -> str:
    by_result = [[result_name(r, lang), format_number(counts.get(r, 0), lang)] for r in RESULTS]
    by_severity = [
        [severity_name(s, lang), format_number(failed.get(s, 0), lang)] for s in SEVERITIES
    ]
    return _join(
        [
            _plain_table([t("summary.by_result", lang), t("summary.count", lang)], by_result),
            _plain_table([t("summary.by_severity", lang), t("summary.count", lang)], by_severity),
        ]
    )


def _summary(report: AuditReport, lang: str) -> str:
    score = report.score
    chosen = findings(report)
    index = [
        [
            _check(localized(r.title, lang), r.id),
            _md(severity_name(r.severity, lang)),
            _md(result_name(r.result, lang)),
        ]
        for r in chosen
    ]
    head = [t("col.check", lang), t("col.severity", lang), t("col.result", lang)]
    expired = score.expired_waivers
    return _join(
        [
            _heading(2, t("summary.title", lang)),
            _score_line(score.value, score.band, t("summary.score", lang), lang),
            _counts_tables(score.counts, score.failed_by_severity, lang),
            f"**{_md(t('summary.expired_waivers', lang, count=expired))}**\n" if expired else "",
            _md(score_explanation(lang)) + "\n",
            _heading(3, f"{t('findings.title', lang)} ({len(chosen)})"),
            _table(head, index) if index else _md(t("findings.none", lang)) + "\n",
        ]
    )


def _changes(report: AuditReport, lang: str) -> str:
    changes = report.changes
    if changes is None:
        return ""
    intro = t(
        "changes.baseline",
        lang,
        date=format_date(changes.baseline_generated_at, lang),
        before=format_score(changes.baseline_score, lang),
        after=format_score(report.score.value, lang),
    )
    head = [
        t("col.check", lang),
        t("col.severity", lang),
        t("changes.before", lang),
        t("changes.after", lang),
    ]
    parts = [_heading(2, t("changes.title", lang)), _md(intro) + "\n"]
    for key, items in change_groups(changes):
        rows = [
            [
                _check(localized(i.title, lang), i.id),
                _md(severity_name(i.severity, lang)),
                _md(result_name(i.before, lang)),
                _md(result_name(i.after, lang)),
            ]
            for i in items
        ]
        parts.append(_heading(3, f"{t(key, lang)} ({len(items)})"))
        parts.append(_table(head, rows) if rows else _md(t("none", lang)) + "\n")
    return _join(parts)


def _evidence(record: CheckRecord, lang: str) -> str:
    if not record.evidence:
        return _md(t("finding.no_evidence", lang)) + "\n"
    head = [t("evidence.source", lang), t("evidence.observed", lang), t("evidence.expected", lang)]
    rows = [[_code(e.source), _code(e.observed), _code(e.expected)] for e in record.evidence]
    return _table(head, rows)


def _waiver(record: CheckRecord, lang: str) -> str:
    waiver = record.waiver
    if waiver is None:
        return ""
    return _labelled(
        "finding.waiver",
        lang,
        f"{_md(waiver.reason)} — "
        f"{_md(t('waiver.approver', lang))}: {_md(waiver.approver)}; "
        f"{_md(t('waiver.expires', lang))}: {_md(format_date(waiver.expires, lang))} "
        f"({_waiver_state(waiver, lang)})",
    )


def _waiver_state(waiver: WaiverInfo, lang: str) -> str:
    if waiver.expired:
        return f"**{_md(t('waiver.expired', lang))}**"
    return _md(t("waiver.valid", lang))


def _labelled(key: str, lang: str, value: str) -> str:
    """A bold catalog label and its (Markdown) value as one paragraph."""
    return f"**{_md(t(key, lang))}:** {value}\n"


def _finding(report: AuditReport, record: CheckRecord, lang: str) -> str:
    controls = "\n".join(
        f"- **{_md(title)}:** {_md('; '.join(names))}"
        for title, names in control_labels(report, record, lang)
    )
    return _join(
        [
            _heading(3, localized(record.title, lang)),
            f"**{_md(severity_name(record.severity, lang))}** · "
            f"**{_md(result_name(record.result, lang))}** · {_code(record.id)}\n",
            _labelled("finding.rationale", lang, _inline(localized(record.rationale, lang))),
            _labelled("col.reason", lang, _md(record.reason)) if record.reason else "",
            _labelled("finding.evidence", lang, ""),
            _evidence(record, lang),
            _labelled("finding.remediation", lang, _inline(localized(record.remediation, lang))),
            _waiver(record, lang),
            _labelled("finding.frameworks", lang, "\n" + controls) if controls else "",
        ]
    )


def _findings(report: AuditReport, lang: str) -> str:
    chosen = findings(report)
    if not chosen:
        return _join([_heading(2, t("findings.title", lang)), _md(t("findings.none", lang)) + "\n"])
    return _join(
        [
            _heading(2, t("findings.title", lang)),
            _md(t("findings.intro", lang)) + "\n",
            *(_finding(report, r, lang) for r in chosen),
        ]
    )


def _waivers(report: AuditReport, lang: str) -> str:
    head = [
        t("col.check", lang),
        t("waiver.reason", lang),
        t("waiver.approver", lang),
        t("waiver.expires", lang),
        t("waiver.state", lang),
    ]
    rows = [
        [
            _check(localized(r.title, lang), r.id),
            _md(w.reason),
            _md(w.approver),
            _md(format_date(w.expires, lang)),
            _waiver_state(w, lang),
        ]
        for r, w in waived_checks(report)
    ]
    return _join(
        [
            _heading(2, t("waivers.title", lang)),
            _md(t("waivers.intro", lang)) + "\n",
            _table(head, rows) if rows else _md(t("none", lang)) + "\n",
        ]
    )


def _framework(report: AuditReport, framework: FrameworkInfo, lang: str) -> str:
    rows = []
    for control, title, records in control_map(report, framework, lang):
        checks = "<br>".join(
            f"{_md(result_name(r.result, lang))}: {_check(localized(r.title, lang), r.id)}"
            for r in records
        )
        rows.append([_check(title, control), checks or _md(t("frameworks.unchecked", lang))])
    head = [t("frameworks.control", lang), t("frameworks.checks", lang)]
    return _join([_heading(3, localized(framework.title, lang)), _table(head, rows)])


def _frameworks(report: AuditReport, lang: str) -> str:
    if not report.frameworks:
        return ""
    return _join(
        [
            _heading(2, t("frameworks.title", lang)),
            *(_framework(report, f, lang) for f in report.frameworks),
        ]
    )


def _others(report: AuditReport, lang: str) -> str:
    head = [
        t("col.check", lang),
        t("col.severity", lang),
        t("col.result", lang),
        t("col.reason", lang),
    ]
    rows = [
        [
            _check(localized(r.title, lang), r.id),
            _md(severity_name(r.severity, lang)),
            _md(result_name(r.result, lang)),
            _md(r.reason),
        ]
        for r in other_checks(report)
    ]
    return _join(
        [
            _heading(2, t("others.title", lang)),
            _table(head, rows) if rows else _md(t("none", lang)) + "\n",
        ]
    )


def _services(report: AuditReport, lang: str) -> str:
    if report.services is None:
        return ""
    rows = [service_cells(s, lang) for s in report.services]
    return _join(
        [
            _heading(2, t("services.title", lang)),
            _plain_table(service_headings(lang), rows) if rows else _md(t("none", lang)) + "\n",
        ]
    )


def _inventory(inventory: dict[str, Any] | None, lang: str) -> str:
    title = _heading(2, t("inventory.title", lang))
    if not inventory:
        return _join([title, _md(t("inventory.none", lang)) + "\n"])
    disks = [
        t(f"inventory.{k}", lang)
        for k in ("mountpoint", "device", "fstype", "size", "free", "used")
    ]
    nics = [t(f"inventory.{k}", lang) for k in ("nic", "mac", "link", "addresses")]
    names, total = software_list(inventory)
    capped = t(
        "inventory.software_capped",
        lang,
        shown=format_number(len(names), lang),
        total=format_number(total, lang),
    )
    count = t("inventory.software_count", lang, count=format_number(total, lang))
    return _join(
        [
            title,
            _heading(3, t("inventory.system", lang)),
            _facts(inventory_facts(inventory, lang)),
            _heading(3, t("inventory.disks", lang)),
            _plain_table(disks, filesystem_rows(inventory, lang)),
            _heading(3, t("inventory.nics", lang)),
            _plain_table(nics, nic_rows(inventory, lang)),
            _heading(3, f"{t('inventory.software', lang)} — {count}"),
            _md(capped) + "\n" if total > len(names) else "",
            ", ".join(_code(f"{name} {version}".strip()) for name, version in names) + "\n",
        ]
    )


# The office report


def render_office_markdown(office: OfficeReport, lang: str) -> str:
    """Many hosts merged into one Markdown report."""
    check_lang(lang)
    return _join(
        [
            _office_head(office, lang),
            _office_hosts(office, lang),
            _office_common(office, lang),
            _office_stale(office, lang),
            _office_superseded(office, lang),
            _office_matrix(office, lang),
        ]
    )


def _office_head(office: OfficeReport, lang: str) -> str:
    average = average_score(office)
    facts = [
        (t("meta.report_date", lang), format_date(office.generated_at, lang)),
        (t("cover.hosts_count", lang), format_number(len(office.hosts), lang)),
        (t("cover.sources", lang), format_number(len(office.sources), lang)),
        (t("meta.agent", lang), office.agent_version),
    ]
    bands = [[band_name(b, lang), format_number(n, lang)] for b, n in band_counts(office).items()]
    failed = failures_by_severity(office)
    by_severity = [[severity_name(s, lang), format_number(failed[s], lang)] for s in SEVERITIES]
    title = t("office.title", lang)
    return _join(
        [
            _heading(1, f"{title} — {office.office}" if office.office else title),
            _facts(facts),
            _score_line(average, band_of(average), t("office.average", lang), lang),
            _plain_table([t("office.by_band", lang), t("office.hosts_count", lang)], bands),
            _plain_table([t("summary.by_severity", lang), t("summary.count", lang)], by_severity),
            _md(t("cover.generated_by", lang, version=office.agent_version)) + "\n",
        ]
    )


def _office_hosts(office: OfficeReport, lang: str) -> str:
    head = [
        t("office.host", lang),
        t("host.os", lang),
        t("office.last_audit", lang),
        t("meta.mode", lang),
        t("summary.score", lang),
        t("summary.band", lang),
        *(severity_name(s, lang) for s in SEVERITIES),
    ]
    rows = []
    for host in hosts_worst_first(office):
        stale = f" ({_md(t('office.stale_mark', lang))})" if host.stale else ""
        rows.append(
            [
                f"**{_md(host.hostname)}**",
                _md(host.os_name),
                _md(format_date(host.generated_at, lang)) + stale,
                _md(t(f"mode.{host.mode}.short", lang)),
                format_score(host.score, lang),
                _md(band_name(host.band, lang)),
                *(format_number(host.failed_by_severity.get(s, 0), lang) for s in SEVERITIES),
            ]
        )
    return _join([_heading(2, t("office.hosts", lang)), _table(head, rows)])


def _office_common(office: OfficeReport, lang: str) -> str:
    head = [
        t("col.check", lang),
        t("col.severity", lang),
        t("office.failing_hosts", lang),
        t("office.share", lang),
    ]
    total = len(office.hosts) or 1
    rows = [
        [
            _check(localized(c.title, lang), c.id),
            _md(severity_name(c.severity, lang)),
            format_number(c.failing_hosts, lang),
            format_number(100 * c.failing_hosts / total, lang) + "%",
        ]
        for c in common_failures(office)
    ]
    return _join(
        [
            _heading(2, t("office.common", lang)),
            _table(head, rows) if rows else _md(t("office.no_failures", lang)) + "\n",
        ]
    )


def _office_stale(office: OfficeReport, lang: str) -> str:
    days = office.stale_days
    stale = stale_hosts(office)
    if not stale:
        return _join(
            [
                _heading(2, t("office.stale", lang)),
                _md(t("office.stale_none", lang, days=days)) + "\n",
            ]
        )
    head = [t("office.host", lang), t("office.last_audit", lang), t("office.days_ago", lang)]
    rows = [
        [h.hostname, format_date(h.generated_at, lang), format_number(age, lang)]
        for h, age in stale
    ]
    return _join(
        [
            _heading(2, t("office.stale", lang)),
            _md(t("office.stale_intro", lang, days=days)) + "\n",
            _plain_table(head, rows),
        ]
    )


def _office_superseded(office: OfficeReport, lang: str) -> str:
    if not office.superseded:
        return ""
    head = [
        t("office.host", lang),
        t("meta.date", lang),
        t("office.report_file", lang),
        t("office.kept", lang),
    ]
    rows = [
        [r.hostname, format_date(r.generated_at, lang), r.source, r.kept] for r in office.superseded
    ]
    return _join(
        [
            _heading(2, t("office.superseded", lang)),
            _md(t("office.superseded_intro", lang)) + "\n",
            _plain_table(head, rows),
        ]
    )


def _office_matrix(office: OfficeReport, lang: str) -> str:
    """Numbered columns (a key below) keep the Markdown matrix narrow."""
    ids = matrix_check_ids(office)
    head = [t("office.host", lang), *(str(n) for n in range(1, len(ids) + 1))]
    rows = [
        [_md(h.hostname), *(MATRIX_SYMBOLS.get(matrix_cell(h, i), "?") for i in ids)]
        for h in hosts_worst_first(office)
    ]
    legend = [f"{MATRIX_SYMBOLS[r]} {_md(result_name(r, lang))}" for r in RESULTS]
    legend.append(f"{MATRIX_SYMBOLS['absent']} {_md(t('office.not_run', lang))}")
    titles = {c.id: localized(c.title, lang) for c in office.checks}
    key = "\n".join(f"{n}. {_check(titles[i], i)}" for n, i in enumerate(ids, 1))
    return _join(
        [
            _heading(2, t("office.matrix", lang)),
            f"**{_md(t('office.legend', lang))}:** " + " · ".join(legend) + "\n",
            _table(head, rows),
            key + "\n",
        ]
    )
