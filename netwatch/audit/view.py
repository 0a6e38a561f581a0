"""What an audit report says, format-neutral: the HTML and Markdown renderers lay it out.

``host_view`` and ``office_view`` make every content decision (which checks, in which
order, under which headings) and hand back plain frozen data with every string in the
report language and every date and number formatted. The renderers only add syntax,
escaping and styling; kinds and keys (``Badge.kind``, ``TableData.kind``, ``Section.key``)
are their styling hooks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netwatch.audit.i18n import (
    RESULTS,
    SEVERITIES,
    band_name,
    check_lang,
    format_bytes,
    format_date,
    format_number,
    format_score,
    localized,
    probe_reason_name,
    recorded,
    result_name,
    score_explanation,
    severity_name,
    t,
)
from netwatch.audit.inventory import Inventory, InventoryCpu, InventoryOs
from netwatch.audit.model import (
    AuditReport,
    Bilingual,
    ChangeItem,
    Changes,
    CheckRecord,
    CheckSummary,
    FrameworkInfo,
    HostIdentity,
    OfficeHost,
    OfficeReport,
    ServiceRecord,
    WaiverInfo,
)
from netwatch.posture.score import BANDS
from netwatch.times import parse_utc

FINDING_RESULTS = ("fail", "error", "waived")
CHANGE_GROUPS = ("fixed", "new_failures", "regressions", "waivers_expired")
SOFTWARE_CAP = 600
MATRIX_SYMBOLS = {
    "pass": "✓",
    "fail": "✗",
    "waived": "~",
    "not_applicable": "–",
    "error": "!",
    "absent": "·",
}

# Table cells: plain text (str) or one of these


@dataclass(frozen=True)
class Badge:
    """A severity, result or band name (or a matrix symbol); ``kind``-``key`` styles it."""

    kind: str
    key: str
    text: str


@dataclass(frozen=True)
class CheckRef:
    """A check's (or framework control's) title and id."""

    title: str
    id: str


@dataclass(frozen=True)
class Mark:
    """Text in a role: num (a number, aligned right), code (verbatim, read from the host),
    strong (leads its row) or alert (needs attention: an expired waiver)."""

    role: str
    text: str


@dataclass(frozen=True)
class Flagged:
    """Text followed by an alert (an old audit date and 'not audited recently')."""

    text: str
    flag: str


@dataclass(frozen=True)
class CheckList:
    """Checks with their results; ``empty`` when there are none."""

    checks: tuple[tuple[Badge, CheckRef], ...]
    empty: str


Cell = str | Badge | CheckRef | Mark | Flagged | CheckList | tuple[Badge, ...]

# Blocks of a section


@dataclass(frozen=True)
class TableData:
    """A table; ``kind`` names it (the HTML sets column widths by it)."""

    kind: str
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Para:
    """A paragraph; ``tone`` is note (secondary), plain or alert."""

    text: str
    tone: str = "note"


@dataclass(frozen=True)
class Heading:
    """A heading inside a section."""

    text: str


@dataclass(frozen=True)
class Facts:
    """Label and value pairs."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Counts:
    """How many per severity, result or band; ``count_label`` heads the numbers."""

    caption: str
    count_label: str
    rows: tuple[tuple[Badge, str], ...]


@dataclass(frozen=True)
class Score:
    """A score out of 100, its band and the counts behind it."""

    label: str
    value: str
    out_of: str
    band: Badge
    counts: tuple[Counts, ...]


@dataclass(frozen=True)
class Inline:
    """Text whose `back-quoted` parts are code."""

    text: str


@dataclass(frozen=True)
class WaiverNote:
    """Reason, approver and expiry of a waiver, then its state."""

    text: str
    state: str | Mark


@dataclass(frozen=True)
class Controls:
    """(framework title, 'control title (id); ...') for each framework of a check."""

    entries: tuple[tuple[str, str], ...]


Detail = str | Inline | TableData | WaiverNote | Controls


@dataclass(frozen=True)
class Finding:
    """One failed, waived or error check with its labelled details."""

    id: str
    title: str
    severity: Badge
    result: Badge
    details: tuple[tuple[str, Detail], ...]


@dataclass(frozen=True)
class Software:
    """(name, version) of installed packages."""

    packages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Matrix:
    """Hosts × checks: one symbol badge per host and check."""

    intro: str
    legend_label: str
    legend: tuple[tuple[Badge, str], ...]
    corner: str
    checks: tuple[CheckRef, ...]
    rows: tuple[tuple[str, tuple[Badge, ...]], ...]


Block = TableData | Para | Heading | Facts | Score | Finding | Software | Matrix


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``key`` names it."""

    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Notice:
    """A labelled warning on the cover (offline audit)."""

    label: str
    text: str


@dataclass(frozen=True)
class Cover:
    """The first page; a newline in ``title`` is its preferred line break."""

    office: str
    title: str
    subtitle: str
    date: str
    score: Score
    notice: Notice | None
    identity: str
    facts: tuple[tuple[str, str], ...]
    foot: str


@dataclass(frozen=True)
class Report:
    """A whole report; ``title`` is the document title."""

    lang: str
    title: str
    cover: Cover
    sections: tuple[Section, ...]


# What to show, in which order


def by_severity(records: Iterable[CheckRecord]) -> list[CheckRecord]:
    """Critical first, then by check id."""
    return sorted(records, key=lambda r: (SEVERITIES.index(r.severity), r.id))


def findings(report: AuditReport) -> list[CheckRecord]:
    """Failed, waived and error results, most severe first."""
    return by_severity(r for r in report.results if r.result in FINDING_RESULTS)


def other_checks(report: AuditReport) -> list[CheckRecord]:
    """Passed and not applicable results, most severe first."""
    return by_severity(r for r in report.results if r.result not in FINDING_RESULTS)


def waived_checks(report: AuditReport) -> list[tuple[CheckRecord, WaiverInfo]]:
    """Results with a waiver, valid or expired, most severe first."""
    return [(r, r.waiver) for r in by_severity(report.results) if r.waiver is not None]


def change_groups(changes: Changes) -> list[tuple[str, list[ChangeItem]]]:
    """(catalog key, items) for each kind of change, in reading order."""
    return [(f"changes.{group}", getattr(changes, group)) for group in CHANGE_GROUPS]


def control_map(
    report: AuditReport, framework: FrameworkInfo, lang: str
) -> list[tuple[str, str, list[CheckRecord]]]:
    """(control id, control title, checks mapped to it) for every control of ``framework``."""
    checks: dict[str, list[CheckRecord]] = {control: [] for control in framework.controls}
    for record in sorted(report.results, key=lambda r: r.id):
        for control in record.frameworks.get(framework.id, []):
            checks.setdefault(control, []).append(record)
    return [
        (control, _control_title(framework, control, lang), records)
        for control, records in checks.items()
    ]


def control_labels(
    report: AuditReport, record: CheckRecord, lang: str
) -> list[tuple[str, list[str]]]:
    """(framework title, ['control title (control id)', ...]) for each framework of a check."""
    known = {f.id: f for f in report.frameworks}
    labels = []
    for framework_id, controls in sorted(record.frameworks.items()):
        framework = known.get(framework_id)
        title = localized(framework.title, lang) if framework else framework_id
        labels.append((title, [f"{_control_title(framework, c, lang)} ({c})" for c in controls]))
    return labels


def _control_title(framework: FrameworkInfo | None, control: str, lang: str) -> str:
    text = framework.controls.get(control) if framework else None
    return localized(text, lang) if text else control


def os_label(host: HostIdentity | InventoryOs | None) -> str:
    """'Debian GNU/Linux 12' from a host identity or inventory host record."""
    if host is None:
        return ""
    return f"{host.os_name or ''} {host.os_version or ''}".strip()


def identity_rows(report: AuditReport, lang: str) -> list[tuple[str, str]]:
    """The host identity and audit facts printed on the cover."""
    host = report.host
    rows = [
        (t("host.hostname", lang), host.hostname),
        (t("host.fqdn", lang), host.fqdn),
        (t("host.os", lang), os_label(host)),
        (t("host.kernel", lang), host.kernel),
        (t("host.arch", lang), host.arch),
        (t("host.machine_id", lang), host.machine_id),
        (t("meta.date", lang), format_date(report.generated_at, lang)),
        (t("meta.policy", lang), report.policy.name),
        (t("meta.agent", lang), report.agent_version),
        (t("meta.mode", lang), t(f"mode.{report.mode}", lang)),
    ]
    return [(label, value) for label, value in rows if value]


def _cpu(cpu: InventoryCpu | None, lang: str) -> str:
    """'Intel Xeon (10 cores, 20 threads)', empty without a CPU record."""
    if cpu is None:
        return ""
    cores = t(
        "inventory.cores",
        lang,
        physical="?" if cpu.physical_cores is None else cpu.physical_cores,
        logical="?" if cpu.logical_cores is None else cpu.logical_cores,
    )
    return f"{cpu.model or '?'} ({cores})"


def inventory_facts(inventory: Inventory, lang: str) -> list[tuple[str, str]]:
    """OS, CPU and memory lines of the inventory appendix."""
    memory = inventory.memory
    rows = [
        (t("inventory.collected", lang), format_date(inventory.collected_at or "", lang)),
        (t("host.os", lang), os_label(inventory.host)),
        (t("inventory.cpu", lang), _cpu(inventory.cpu, lang)),
        (t("inventory.memory", lang), _bytes(memory.total if memory else None, lang)),
        (t("inventory.swap", lang), _bytes(memory.swap_total if memory else None, lang)),
    ]
    return [(label, value) for label, value in rows if value]


def _bytes(value: int | None, lang: str) -> str:
    return "" if value is None else format_bytes(value, lang)


def filesystem_rows(inventory: Inventory, lang: str) -> list[list[str]]:
    """Mount point, device, type, size, free and used share of each file system."""
    rows = []
    for fs in inventory.filesystems:
        used = format_number(100 * (fs.size - fs.free) / fs.size, lang) + "%" if fs.size else ""
        rows.append(
            [
                fs.mountpoint,
                fs.device,
                fs.fstype,
                _bytes(fs.size, lang),
                _bytes(fs.free, lang),
                used,
            ]
        )
    return rows


def nic_rows(inventory: Inventory, lang: str) -> list[list[str]]:
    """Name, MAC, link state and addresses of each network interface."""
    rows = []
    for nic in inventory.network_interfaces:
        addresses = ", ".join(f"{a.address}/{a.prefix}" for a in nic.addresses)
        link = t("inventory.link_up" if nic.up else "inventory.link_down", lang)
        rows.append([nic.name, nic.mac, link, addresses])
    return rows


def software_list(inventory: Inventory) -> tuple[list[tuple[str, str]], int]:
    """(name, version) of up to SOFTWARE_CAP packages, sorted, and the total count."""
    names = sorted((p.name, p.version) for p in inventory.software)
    return names[:SOFTWARE_CAP], len(names)


def service_cells(service: ServiceRecord, lang: str) -> list[str]:
    """Plain-text cells of one service row."""
    state = t("services.up" if service.success else "services.down", lang)
    reason = probe_reason_name(service.reason, lang) if service.reason else ""
    shown = recorded(service.detail, service.detail_message, lang)
    detail = " — ".join(part for part in (reason, shown) if part)
    days = service.cert_days_left
    return [
        service.service,
        service.kind,
        service.target,
        state,
        detail,
        format_number(service.duration_seconds * 1000, lang),
        "" if days is None else format_number(days, lang),
    ]


def service_headings(lang: str) -> list[str]:
    """Column headings of the services table."""
    keys = ("service", "kind", "target", "state", "detail", "duration", "cert_days")
    return [t(f"services.{key}", lang) for key in keys]


def hosts_worst_first(office: OfficeReport) -> list[OfficeHost]:
    """Lowest score first, then by name."""
    return sorted(office.hosts, key=lambda h: (h.score, h.hostname))


def matrix_checks(office: OfficeReport) -> list[CheckSummary]:
    """Every check seen in the office, by id (platforms group together)."""
    return sorted(office.checks, key=lambda c: c.id)


def common_failures(office: OfficeReport) -> list[CheckSummary]:
    """Checks failing on at least one host: most hosts first, then severity, then id."""
    failing = (c for c in office.checks if c.failing_hosts)
    return sorted(failing, key=lambda c: (-c.failing_hosts, SEVERITIES.index(c.severity), c.id))


def stale_hosts(office: OfficeReport) -> list[tuple[OfficeHost, int]]:
    """Hosts not audited recently, with the days between their audit and the office report."""
    stale = [h for h in office.hosts if h.stale]
    return [
        (h, _days_between(h.generated_at, office.generated_at))
        for h in sorted(stale, key=lambda h: h.generated_at)
    ]


def _days_between(earlier: str, later: str) -> int:
    return (parse_utc(later) - parse_utc(earlier)).days


def average_score(office: OfficeReport) -> float:
    """Mean score of the office's hosts (100 with no hosts)."""
    return sum(h.score for h in office.hosts) / len(office.hosts) if office.hosts else 100.0


def band_counts(office: OfficeReport) -> dict[str, int]:
    """Hosts per band, best first."""
    return {band: sum(h.band == band for h in office.hosts) for _, band, _ in BANDS}


def failures_by_severity(office: OfficeReport) -> dict[str, int]:
    """Failed checks per severity, summed over the hosts."""
    return {s: sum(h.failed_by_severity.get(s, 0) for h in office.hosts) for s in SEVERITIES}


def band_of(score: float) -> str:
    """The band a score falls in."""
    return next(band for floor, band, _ in BANDS if score >= floor)


def matrix_cell(host: OfficeHost, check_id: str) -> str:
    """The host's result for a check, 'absent' when the check did not run there."""
    return host.results.get(check_id, "absent")


# Building blocks


def _severity(severity: str, lang: str) -> Badge:
    return Badge("sev", severity, severity_name(severity, lang))


def _result(result: str, lang: str) -> Badge:
    return Badge("res", result, result_name(result, lang))


def _band(band: str, lang: str) -> Badge:
    return Badge("band", band, band_name(band, lang))


def _check(title: Bilingual, check_id: str, lang: str) -> CheckRef:
    return CheckRef(localized(title, lang), check_id)


def _table(kind: str, head: Sequence[str], rows: Iterable[Sequence[Cell]]) -> TableData:
    return TableData(kind, tuple(head), tuple(tuple(row) for row in rows))


def _table_or(
    kind: str, head: Sequence[str], rows: Sequence[Sequence[Cell]], empty: str
) -> TableData | Para:
    """The table, or the ``empty`` note when there are no rows."""
    return _table(kind, head, rows) if rows else Para(empty)


def _section(key: str, title: str, blocks: Iterable[Block | None]) -> Section:
    return Section(key, title, tuple(b for b in blocks if b is not None))


def _heads(lang: str, *keys: str) -> list[str]:
    return [t(key, lang) for key in keys]


def _score(label: str, value: float, band: str, counts: Sequence[Counts], lang: str) -> Score:
    out_of = t("summary.out_of", lang)
    return Score(label, format_score(value, lang), out_of, _band(band, lang), tuple(counts))


def _severity_counts(failed: dict[str, int], lang: str) -> Counts:
    rows = tuple((_severity(s, lang), format_number(failed.get(s, 0), lang)) for s in SEVERITIES)
    return Counts(t("summary.by_severity", lang), t("summary.count", lang), rows)


# The host report


def host_view(report: AuditReport, lang: str) -> Report:
    """One host's audit, ready to lay out."""
    check_lang(lang)
    hostname = report.host.hostname
    score = report.score
    by_result = tuple(
        (_result(r, lang), format_number(score.counts.get(r, 0), lang)) for r in RESULTS
    )
    counts = (
        Counts(t("summary.by_result", lang), t("summary.count", lang), by_result),
        _severity_counts(score.failed_by_severity, lang),
    )
    card = _score(t("summary.score", lang), score.value, score.band, counts, lang)
    notice = (
        Notice(t("mode.offline", lang), t("mode.offline.note", lang, root=report.root or "?"))
        if report.mode == "offline"
        else None
    )
    cover = Cover(
        office=report.office,
        title=t("report.cover_title", lang),
        subtitle=t("cover.host", lang, hostname=hostname),
        date=format_date(report.generated_at, lang),
        score=card,
        notice=notice,
        identity=t("cover.identity", lang),
        facts=tuple(identity_rows(report, lang)),
        foot=t("cover.generated_by", lang, version=report.agent_version),
    )
    sections = [
        _summary(report, card, lang),
        _changes(report, lang),
        _findings(report, lang),
        _waivers(report, lang),
        _frameworks(report, lang),
        _others(report, lang),
        _services(report.services, lang),
        _inventory(report.inventory, lang),
    ]
    title = f"{t('report.title', lang)} — {hostname}"
    return Report(lang, title, cover, tuple(s for s in sections if s is not None))


def _summary(report: AuditReport, card: Score, lang: str) -> Section:
    chosen = findings(report)
    expired = report.score.expired_waivers
    rows = [
        (_check(r.title, r.id, lang), _severity(r.severity, lang), _result(r.result, lang))
        for r in chosen
    ]
    head = _heads(lang, "col.check", "col.severity", "col.result")
    return _section(
        "summary",
        t("summary.title", lang),
        [
            card,
            Para(t("summary.expired_waivers", lang, count=expired), "alert") if expired else None,
            Para(score_explanation(lang)),
            Heading(f"{t('findings.title', lang)} ({len(chosen)})"),
            _table_or("index", head, rows, t("findings.none", lang)),
        ],
    )


def _changes(report: AuditReport, lang: str) -> Section | None:
    changes = report.changes
    if changes is None:
        return None
    intro = t(
        "changes.baseline",
        lang,
        date=format_date(changes.baseline_generated_at, lang),
        before=format_score(changes.baseline_score, lang),
        after=format_score(report.score.value, lang),
    )
    head = _heads(lang, "col.check", "col.severity", "changes.before", "changes.after")
    blocks: list[Block | None] = [Para(intro, "plain")]
    for key, items in change_groups(changes):
        rows = [
            (
                _check(i.title, i.id, lang),
                _severity(i.severity, lang),
                _result(i.before, lang),
                _result(i.after, lang),
            )
            for i in items
        ]
        blocks.append(Heading(f"{t(key, lang)} ({len(items)})"))
        blocks.append(_table_or("changes", head, rows, t("none", lang)))
    return _section("changes", t("changes.title", lang), blocks)


def _evidence(record: CheckRecord, lang: str) -> TableData | str:
    if not record.evidence:
        return t("finding.no_evidence", lang)
    head = _heads(lang, "evidence.source", "evidence.observed", "evidence.expected")
    rows = [
        (
            Mark("code", e.source),
            Mark("code", recorded(e.observed, e.observed_message, lang)),
            Mark("code", recorded(e.expected, e.expected_message, lang)),
        )
        for e in record.evidence
    ]
    return _table("evidence", head, rows)


def _waiver_state(waiver: WaiverInfo, lang: str) -> str | Mark:
    return Mark("alert", t("waiver.expired", lang)) if waiver.expired else t("waiver.valid", lang)


def _waiver_note(waiver: WaiverInfo | None, lang: str) -> WaiverNote | None:
    if waiver is None:
        return None
    text = (
        f"{waiver.reason} — {t('waiver.approver', lang)}: {waiver.approver}; "
        f"{t('waiver.expires', lang)}: {format_date(waiver.expires, lang)}"
    )
    return WaiverNote(text, _waiver_state(waiver, lang))


def _finding(report: AuditReport, record: CheckRecord, lang: str) -> Finding:
    controls = tuple(
        (title, "; ".join(names)) for title, names in control_labels(report, record, lang)
    )
    details: list[tuple[str, Detail | None]] = [
        (t("finding.rationale", lang), Inline(localized(record.rationale, lang))),
        (t("col.reason", lang), recorded(record.reason, record.reason_message, lang)),
        (t("finding.evidence", lang), _evidence(record, lang)),
        (t("finding.remediation", lang), Inline(localized(record.remediation, lang))),
        (t("finding.waiver", lang), _waiver_note(record.waiver, lang)),
        (t("finding.frameworks", lang), Controls(controls) if controls else None),
    ]
    return Finding(
        id=record.id,
        title=localized(record.title, lang),
        severity=_severity(record.severity, lang),
        result=_result(record.result, lang),
        details=tuple((label, value) for label, value in details if value),
    )


def _findings(report: AuditReport, lang: str) -> Section:
    chosen = findings(report)
    title = t("findings.title", lang)
    if not chosen:
        return _section("findings", title, [Para(t("findings.none", lang))])
    entries = (_finding(report, r, lang) for r in chosen)
    return _section("findings", title, [Para(t("findings.intro", lang)), *entries])


def _waivers(report: AuditReport, lang: str) -> Section:
    head = _heads(
        lang, "col.check", "waiver.reason", "waiver.approver", "waiver.expires", "waiver.state"
    )
    rows = [
        (
            _check(r.title, r.id, lang),
            w.reason,
            w.approver,
            format_date(w.expires, lang),
            _waiver_state(w, lang),
        )
        for r, w in waived_checks(report)
    ]
    return _section(
        "waivers",
        t("waivers.title", lang),
        [Para(t("waivers.intro", lang)), _table_or("waivers", head, rows, t("none", lang))],
    )


def _frameworks(report: AuditReport, lang: str) -> Section | None:
    if not report.frameworks:
        return None
    head = _heads(lang, "frameworks.control", "frameworks.checks")
    unchecked = t("frameworks.unchecked", lang)
    blocks: list[Block | None] = []
    for framework in report.frameworks:
        rows = [
            (
                CheckRef(title, control),
                CheckList(
                    tuple((_result(r.result, lang), _check(r.title, r.id, lang)) for r in records),
                    unchecked,
                ),
            )
            for control, title, records in control_map(report, framework, lang)
        ]
        blocks.append(Heading(localized(framework.title, lang)))
        blocks.append(_table("framework", head, rows))
    return _section("frameworks", t("frameworks.title", lang), blocks)


def _others(report: AuditReport, lang: str) -> Section:
    head = _heads(lang, "col.check", "col.severity", "col.result", "col.reason")
    rows = [
        (
            _check(r.title, r.id, lang),
            _severity(r.severity, lang),
            _result(r.result, lang),
            recorded(r.reason, r.reason_message, lang),
        )
        for r in other_checks(report)
    ]
    return _section(
        "others", t("others.title", lang), [_table_or("others", head, rows, t("none", lang))]
    )


def _services(services: list[ServiceRecord] | None, lang: str) -> Section | None:
    if services is None:
        return None
    rows = [service_cells(s, lang) for s in services]
    table = _table_or("services", service_headings(lang), rows, t("none", lang))
    return _section("services", t("services.title", lang), [table])


def _unavailable(inventory: Inventory, lang: str) -> Para | None:
    """The inventory items that could not be read, with why."""
    if not inventory.errors:
        return None
    items = "; ".join(f"{f.item} ({f.error})" for f in inventory.errors)
    return Para(t("inventory.unavailable", lang, items=items), tone="alert")


def _inventory(inventory: Inventory | None, lang: str) -> Section:
    title = t("inventory.title", lang)
    if inventory is None:
        return _section("inventory", title, [Para(t("inventory.none", lang))])
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
    return _section(
        "inventory",
        title,
        [
            Heading(t("inventory.system", lang)),
            Facts(tuple(inventory_facts(inventory, lang))),
            _unavailable(inventory, lang),
            Heading(t("inventory.disks", lang)),
            _table("disks", disks, filesystem_rows(inventory, lang)),
            Heading(t("inventory.nics", lang)),
            _table("nics", nics, nic_rows(inventory, lang)),
            Heading(f"{t('inventory.software', lang)} — {count}"),
            Para(capped) if total > len(names) else None,
            Software(tuple(names)),
        ],
    )


# The office report


def office_view(office: OfficeReport, lang: str) -> Report:
    """Many hosts merged into one report, ready to lay out."""
    check_lang(lang)
    average = average_score(office)
    bands = tuple((_band(b, lang), format_number(n, lang)) for b, n in band_counts(office).items())
    counts = (
        Counts(t("office.by_band", lang), t("office.hosts_count", lang), bands),
        _severity_counts(failures_by_severity(office), lang),
    )
    date = format_date(office.generated_at, lang)
    hosts = format_number(len(office.hosts), lang)
    cover = Cover(
        office=office.office,
        title=t("office.cover_title", lang),
        subtitle=t("cover.hosts_subtitle", lang, count=hosts),
        date=date,
        score=_score(t("office.average", lang), average, band_of(average), counts, lang),
        notice=None,
        identity="",
        facts=(
            (t("meta.report_date", lang), date),
            (t("cover.hosts_count", lang), hosts),
            (t("cover.sources", lang), format_number(len(office.sources), lang)),
            (t("meta.agent", lang), office.agent_version),
        ),
        foot=t("cover.generated_by", lang, version=office.agent_version),
    )
    sections = [
        _office_hosts(office, lang),
        _office_common(office, lang),
        _office_stale(office, lang),
        _office_superseded(office, lang),
        _office_matrix(office, lang),
    ]
    title = t("office.title", lang)
    return Report(
        lang,
        f"{title} — {office.office}" if office.office else title,
        cover,
        tuple(s for s in sections if s is not None),
    )


def _failure_badges(failed: dict[str, int], lang: str) -> tuple[Badge, ...] | Mark:
    """'High: 2' per severity with failures, or 0."""
    badges = tuple(
        Badge("sev", s, f"{severity_name(s, lang)}: {format_number(failed[s], lang)}")
        for s in SEVERITIES
        if failed.get(s)
    )
    return badges or Mark("num", format_number(0, lang))


def _office_hosts(office: OfficeReport, lang: str) -> Section:
    head = _heads(
        lang,
        "office.host",
        "host.os",
        "office.last_audit",
        "meta.mode",
        "summary.score",
        "summary.band",
        "summary.by_severity",
    )
    stale_mark = t("office.stale_mark", lang)
    rows = []
    for host in hosts_worst_first(office):
        date = format_date(host.generated_at, lang)
        rows.append(
            (
                Mark("strong", host.hostname),
                host.os_name,
                Flagged(date, stale_mark) if host.stale else date,
                t(f"mode.{host.mode}.short", lang),
                Mark("num", format_score(host.score, lang)),
                _band(host.band, lang),
                _failure_badges(host.failed_by_severity, lang),
            )
        )
    return _section("hosts", t("office.hosts", lang), [_table("hosts", head, rows)])


def _office_common(office: OfficeReport, lang: str) -> Section:
    head = _heads(lang, "col.check", "col.severity", "office.failing_hosts", "office.share")
    total = len(office.hosts) or 1
    rows = [
        (
            _check(c.title, c.id, lang),
            _severity(c.severity, lang),
            Mark("num", format_number(c.failing_hosts, lang)),
            Mark("num", format_number(100 * c.failing_hosts / total, lang) + "%"),
        )
        for c in common_failures(office)
    ]
    table = _table_or("common", head, rows, t("office.no_failures", lang))
    return _section("common", t("office.common", lang), [table])


def _office_stale(office: OfficeReport, lang: str) -> Section:
    days = office.stale_days
    stale = stale_hosts(office)
    title = t("office.stale", lang)
    if not stale:
        return _section("stale", title, [Para(t("office.stale_none", lang, days=days))])
    head = _heads(lang, "office.host", "office.last_audit", "office.days_ago")
    rows = [
        (h.hostname, format_date(h.generated_at, lang), format_number(age, lang))
        for h, age in stale
    ]
    intro = Para(t("office.stale_intro", lang, days=days))
    return _section("stale", title, [intro, _table("stale", head, rows)])


def _office_superseded(office: OfficeReport, lang: str) -> Section | None:
    if not office.superseded:
        return None
    head = _heads(lang, "office.host", "meta.date", "office.report_file", "office.kept")
    rows = [
        (r.hostname, format_date(r.generated_at, lang), r.source, r.kept) for r in office.superseded
    ]
    intro = Para(t("office.superseded_intro", lang))
    return _section(
        "superseded", t("office.superseded", lang), [intro, _table("superseded", head, rows)]
    )


def _symbol(result: str) -> Badge:
    return Badge("res", result, MATRIX_SYMBOLS.get(result, "?"))


def _office_matrix(office: OfficeReport, lang: str) -> Section:
    checks = matrix_checks(office)
    legend = [(_symbol(r), result_name(r, lang)) for r in RESULTS]
    legend.append((_symbol("absent"), t("office.not_run", lang)))
    matrix = Matrix(
        intro=t("office.matrix_intro", lang),
        legend_label=t("office.legend", lang),
        legend=tuple(legend),
        corner=t("office.host", lang),
        checks=tuple(_check(c.title, c.id, lang) for c in checks),
        rows=tuple(
            (h.hostname, tuple(_symbol(matrix_cell(h, c.id)) for c in checks))
            for h in hosts_worst_first(office)
        ),
    )
    return _section("matrix", t("office.matrix", lang), [matrix])
