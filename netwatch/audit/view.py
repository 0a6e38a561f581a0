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

from netwatch.assets.fingerprint import HardwareChange
from netwatch.audit.i18n import (
    RESULTS,
    SEVERITIES,
    band_name,
    check_lang,
    evidence_source,
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
from netwatch.audit.inventory import Inventory, InventoryCpu, InventoryOs, InventoryPackage
from netwatch.audit.model import (
    AuditReport,
    Bilingual,
    ChangeItem,
    Changes,
    CheckRecord,
    CheckSummary,
    EvidenceItem,
    FrameworkInfo,
    HostIdentity,
    OfficeHost,
    OfficeReport,
    ServiceRecord,
    WaiverInfo,
)
from netwatch.inventory.storage import used_bytes, used_percent
from netwatch.posture.score import BANDS
from netwatch.times import parse_utc

FINDING_RESULTS = ("fail", "error", "waived")
CHANGE_GROUPS = ("fixed", "new_failures", "regressions", "waivers_expired")
SOFTWARE_CAP = 600
# --software: the installed software appendix in full, summed up (the default) or left out
SOFTWARE_MODES = ("summary", "full", "none")
# A finding shows this many evidence rows, each value cut to this many characters
# (the JSON report keeps them all, whole)
EVIDENCE_ROWS = 3
EVIDENCE_CHARS = 140
# Software an inspector asks about, by kind: the first installed package whose name is
# (or starts with) each name, lowercased; Windows programs by name prefix too
NOTABLE_SOFTWARE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("remote", ("anydesk", "teamviewer", "ultraviewer", "rustdesk", "xrdp", "x11vnc",
                "tigervnc", "realvnc", "vnc server", "openssh-server", "openssh server",
                "telnetd")),
    ("server", ("apache2", "nginx", "mariadb-server", "mysql-server", "mysql server",
                "postgresql", "samba", "vsftpd", "proftpd", "bind9", "postfix", "exim4",
                "squid", "docker", "microsoft sql server")),
    ("browser", ("firefox", "chromium", "google-chrome", "google chrome", "microsoft edge",
                 "cốc cốc", "coccoc", "opera")),
    ("office", ("libreoffice", "microsoft office", "microsoft 365", "wps-office", "wps office",
                "onlyoffice", "thunderbird", "adobe acrobat", "foxit")),
    ("security", ("clamav", "kaspersky", "bkav", "eset", "symantec", "avast", "fail2ban",
                  "aide", "auditd")),
    ("runtime", ("openjdk", "java", "nodejs", "php")),
)  # fmt: skip
NOTABLE_CAP = 20
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
    """A check's (or framework control's) title and id; ``inline``: the id leads the title
    on its line (a control's short number) instead of a line of its own (a check's id)."""

    title: str
    id: str
    inline: bool = False


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


Detail = str | Inline | TableData | WaiverNote


@dataclass(frozen=True)
class Finding:
    """One failed, waived or error check: what was found and what to do, labelled."""

    id: str
    title: str
    severity: Badge
    result: Badge
    found: tuple[tuple[str, Detail], ...]
    action: tuple[tuple[str, Detail], ...]
    controls: str = ""


@dataclass(frozen=True)
class Findings:
    """The findings, one row each under ``head`` (check, what was found, what to do)."""

    head: tuple[str, str, str]
    rows: tuple[Finding, ...]


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


@dataclass(frozen=True)
class Party:
    """One who signs: role, how to sign, the name (blank: written by hand), a seal box."""

    role: str
    hint: str
    name: str
    seal: str = ""


@dataclass(frozen=True)
class Signature:
    """The signature block that closes the report: a date line and who signs."""

    date_line: str
    parties: tuple[Party, ...]


Block = TableData | Para | Heading | Facts | Score | Findings | Software | Matrix | Signature


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``key`` names it. With no blocks it is one line:
    the title, then ``note`` (an empty section takes no page of its own)."""

    key: str
    title: str
    blocks: tuple[Block, ...]
    note: str = ""


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
    notes: tuple[Para, ...] = ()


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


def _control_title(framework: FrameworkInfo | None, control: str, lang: str) -> str:
    text = framework.controls.get(control) if framework else None
    return localized(text, lang) if text else control


def os_label(host: HostIdentity | InventoryOs | None) -> str:
    """'Debian GNU/Linux 12' from a host identity or inventory host record."""
    if host is None:
        return ""
    return f"{host.os_name or ''} {host.os_version or ''}".strip()


def identity_rows(report: AuditReport, lang: str) -> list[tuple[str, str]]:
    """The host identity and audit facts printed on the cover (the hostname and the date
    head the cover: not repeated here)."""
    host = report.host
    rows = [
        (t("host.fqdn", lang), host.fqdn),
        (t("host.os", lang), os_label(host)),
        (t("host.kernel", lang), host.kernel),
        (t("host.arch", lang), host.arch),
        (t("host.machine_id", lang), host.machine_id),
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
    """Mount point, device, type, size, used, available and use (as df) of each file system."""
    rows = []
    for fs in inventory.filesystems:
        share = used_percent(fs.size, fs.free, fs.available)
        rows.append(
            [
                fs.mountpoint,
                fs.device,
                fs.fstype,
                _bytes(fs.size, lang),
                _bytes(used_bytes(fs.size, fs.free), lang),
                _bytes(fs.available, lang),
                "" if share is None else f"{format_number(share, lang)}%",
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


def software_managers(inventory: Inventory) -> list[tuple[str, int]]:
    """(package manager, packages) most first: dpkg, rpm, windows (Add/Remove Programs)."""
    counts: dict[str, int] = {}
    for package in inventory.software:
        counts[package.manager or "?"] = counts.get(package.manager or "?", 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def software_publishers(inventory: Inventory, limit: int = 10) -> list[tuple[str, int]]:
    """(publisher, programs) of Windows programs, most first (dpkg and rpm name maintainers,
    not publishers: left out)."""
    counts: dict[str, int] = {}
    for package in inventory.software:
        if package.manager == "windows" and package.vendor:
            counts[package.vendor] = counts.get(package.vendor, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def notable_software(inventory: Inventory) -> list[tuple[str, InventoryPackage]]:
    """(kind, package) for each NOTABLE_SOFTWARE name installed, at most NOTABLE_CAP:
    the package named so, else the shortest name starting with it."""
    by_name = sorted(inventory.software, key=lambda p: (len(p.name), p.name.casefold()))
    found: list[tuple[str, InventoryPackage]] = []
    seen: set[tuple[str, str]] = set()
    for kind, names in NOTABLE_SOFTWARE:
        for name in names:
            match = next((p for p in by_name if p.name.casefold().startswith(name)), None)
            if match is not None and (match.name, match.version) not in seen:
                seen.add((match.name, match.version))
                found.append((kind, match))
    return found[:NOTABLE_CAP]


def service_cells(service: ServiceRecord, lang: str) -> list[str]:
    """Plain-text cells of one service row: a warning (a certificate about to expire) leads
    the detail; an ICMP probe's response is its echo round trip."""
    state = t("services.up" if service.success else "services.down", lang)
    reason = probe_reason_name(service.reason, lang) if service.reason else ""
    shown = recorded(service.detail, service.detail_message, lang)
    warned = [recorded(w.detail, w.detail_message, lang) for w in service.warnings]
    detail = " — ".join(part for part in (reason, *warned, shown) if part)
    days = service.cert_days_left
    seconds = service.duration_seconds if service.rtt_seconds is None else service.rtt_seconds
    millis = seconds * 1000
    return [
        service.service,
        service.kind,
        service.target,
        state,
        detail,
        format_number(millis, lang, 1 if millis < 10 else 0),
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


def host_view(report: AuditReport, lang: str, software: str = "summary") -> Report:
    """One host's audit, ready to lay out; ``software``: one of SOFTWARE_MODES."""
    check_lang(lang)
    if software not in SOFTWARE_MODES:
        raise ValueError(f"unknown software appendix {software!r}: use {', '.join(SOFTWARE_MODES)}")
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
    expired = score.expired_waivers
    notes = [Para(t("summary.expired_waivers", lang, count=expired), "alert")] if expired else []
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
        notes=(*notes, Para(score_explanation(lang))),
    )
    sections = [
        _changes(report, lang),
        _findings(report, lang),
        _waivers(report, lang),
        _frameworks(report, lang),
        _others(report, lang),
        _services(report.services, lang),
        signature_section(report.preparer, report.approver, lang),
        _inventory(report.inventory, lang, software),
    ]
    title = f"{t('report.title', lang)} — {hostname}"
    return Report(lang, title, cover, tuple(s for s in sections if s is not None))


def signature_section(preparer: str, approver: str, lang: str) -> Section:
    """Who prepared and who approves the report: names (blank: by hand), date, seal."""
    parties = (
        Party(t("sign.prepared_by", lang), t("sign.prepared_hint", lang), preparer),
        Party(
            t("sign.approved_by", lang),
            t("sign.approved_hint", lang),
            approver,
            t("sign.seal", lang),
        ),
    )
    block = Signature(t("sign.date_line", lang), parties)
    return _section("signature", t("sign.title", lang), [block])


def _collapsed(key: str, title: str, note: str) -> Section:
    """An empty section as one line: its title and ``note``."""
    return Section(key, title, (), note)


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
        if not items:
            blocks.append(Para(f"{t(key, lang)}: {t('none', lang)}"))
            continue
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
        blocks.append(_table("changes", head, rows))
    if changes.hardware:
        blocks.append(Heading(f"{t('changes.hardware', lang)} ({len(changes.hardware)})"))
        blocks.append(_hardware_table(changes.hardware, lang))
    return _section("changes", t("changes.title", lang), blocks)


def hardware_change_cells(change: HardwareChange, lang: str) -> tuple[str, str, str, str]:
    """(part, change, before, now) of a hardware change, for readers of ``lang``."""
    return (t(f"hardware.{change.component}", lang), t(f"hardware.{change.change}", lang),
            change.before or "", change.after or "")  # fmt: skip


def _hardware_table(changes: list[HardwareChange], lang: str) -> TableData:
    head = _heads(lang, "changes.part", "changes.change", "changes.before", "changes.after")
    rows = [tuple(Mark("code", c) if i > 1 and c else c
                  for i, c in enumerate(hardware_change_cells(change, lang)))
            for change in changes]  # fmt: skip
    return _table("changes", head, rows)


def _clip(text: str) -> str:
    """``text`` cut to EVIDENCE_CHARS characters (an ellipsis marks the cut)."""
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1].rstrip() + "…"


def shown_evidence(record: CheckRecord) -> tuple[list[EvidenceItem], int]:
    """The first EVIDENCE_ROWS evidence rows of a finding and how many are left out."""
    return record.evidence[:EVIDENCE_ROWS], max(0, len(record.evidence) - EVIDENCE_ROWS)


def _evidence(record: CheckRecord, lang: str) -> tuple[TableData | str, str]:
    """The evidence table (or a note that there is none), and a note of rows left out."""
    if not record.evidence:
        return t("finding.no_evidence", lang), ""
    shown, left_out = shown_evidence(record)
    head = _heads(lang, "evidence.source", "evidence.observed", "evidence.expected")
    rows = [
        (Mark("code", _clip(evidence_source(e.source, lang, e.source_message))),
         Mark("code", _clip(recorded(e.observed, e.observed_message, lang))),
         Mark("code", _clip(recorded(e.expected, e.expected_message, lang))))
        for e in shown
    ]  # fmt: skip
    more = t("finding.evidence_more", lang, count=format_number(left_out, lang)) if left_out else ""
    return _table("evidence", head, rows), more


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


def _finding(record: CheckRecord, lang: str) -> Finding:
    """A compact finding: what is wrong and the evidence, the remediation and any waiver,
    the framework controls by id. Why the check matters is in the JSON report."""
    evidence, more = _evidence(record, lang)
    found: list[tuple[str, Detail | None]] = [
        (t("col.reason", lang), recorded(record.reason, record.reason_message, lang)),
        (t("finding.evidence", lang), evidence),
        ("", more or None),
    ]
    action: list[tuple[str, Detail | None]] = [
        (t("finding.remediation", lang), Inline(localized(record.remediation, lang))),
        (t("finding.waiver", lang), _waiver_note(record.waiver, lang)),
    ]
    return Finding(
        id=record.id,
        title=localized(record.title, lang),
        severity=_severity(record.severity, lang),
        result=_result(record.result, lang),
        found=tuple((label, value) for label, value in found if value),
        action=tuple((label, value) for label, value in action if value),
        controls="; ".join(
            f"{framework}: {', '.join(ids)}" for framework, ids in sorted(record.frameworks.items())
        ),
    )


def _findings(report: AuditReport, lang: str) -> Section:
    chosen = findings(report)
    title = t("findings.title", lang)
    if not chosen:
        return _collapsed("findings", title, t("findings.none", lang))
    head = (t("col.check", lang), t("finding.found", lang), t("finding.remediation", lang))
    table = Findings(head, tuple(_finding(r, lang) for r in chosen))
    intro = f"{t('findings.intro', lang)} ({format_number(len(chosen), lang)})"
    return _section("findings", title, [Para(intro), table])


def _waivers(report: AuditReport, lang: str) -> Section:
    title = t("waivers.title", lang)
    waived = waived_checks(report)
    if not waived:
        return _collapsed("waivers", title, t("none", lang))
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
        for r, w in waived
    ]
    return _section(
        "waivers", title, [Para(t("waivers.intro", lang)), _table("waivers", head, rows)]
    )


def _result_counts(records: list[CheckRecord], lang: str) -> tuple[Badge, ...]:
    """'Fail: 2', 'Pass: 3' ... for the results present, in RESULTS order."""
    return tuple(
        Badge("res", r, f"{result_name(r, lang)}: {format_number(n, lang)}")
        for r in RESULTS
        if (n := sum(rec.result == r for rec in records))
    )


def _frameworks(report: AuditReport, lang: str) -> Section | None:
    """Per framework, one row per control with checks: result counts and failing checks;
    controls without an automated check in one line."""
    if not report.frameworks:
        return None
    head = _heads(lang, "frameworks.control", "frameworks.results")
    blocks: list[Block | None] = []
    for framework in report.frameworks:
        mapped = control_map(report, framework, lang)
        rows = [
            (
                CheckRef(title, control, inline=True),
                _result_counts(records, lang),
            )
            for control, title, records in mapped
            if records
        ]
        unchecked = [control for control, _, records in mapped if not records]
        blocks.append(Heading(localized(framework.title, lang)))
        blocks.append(_table("framework", head, rows) if rows else None)
        if unchecked:
            text = t("frameworks.unchecked_list", lang, ids=", ".join(unchecked))
            blocks.append(Para(text))
    return _section("frameworks", t("frameworks.title", lang), blocks)


def _others(report: AuditReport, lang: str) -> Section:
    """Passed checks, then the not applicable ones grouped by their reason (one reason, such
    as "no SSH server installed", is written once for the checks it covers)."""
    title = t("others.title", lang)
    records = other_checks(report)
    reasons = {r.id: recorded(r.reason, r.reason_message, lang) for r in records}
    first = {reason: i for i, reason in reversed(list(enumerate(reasons.values())))}
    records.sort(key=lambda r: (r.result != "pass", first[reasons[r.id]] if r.reason else 0))
    rows, previous = [], ""
    for r in records:
        reason = reasons[r.id]
        shown = t("others.same_reason", lang) if reason and reason == previous else reason
        rows.append((_check(r.title, r.id, lang), _severity(r.severity, lang),
                     _result(r.result, lang), shown))  # fmt: skip
        previous = reason
    if not rows:
        return _collapsed("others", title, t("none", lang))
    head = _heads(lang, "col.check", "col.severity", "col.result", "col.reason")
    return _section("others", title, [_table("others", head, rows)])


def _services(services: list[ServiceRecord] | None, lang: str) -> Section | None:
    if services is None:
        return None
    title = t("services.title", lang)
    if not services:
        return _collapsed("services", title, t("none", lang))
    rows = [service_cells(s, lang) for s in services]
    return _section("services", title, [_table("services", service_headings(lang), rows)])


def _unavailable(inventory: Inventory, lang: str) -> Para | None:
    """The inventory items that could not be read, with why."""
    if not inventory.errors:
        return None
    items = "; ".join(f"{f.item} ({f.error})" for f in inventory.errors)
    return Para(t("inventory.unavailable", lang, items=items), tone="alert")


def _software(inventory: Inventory, lang: str, mode: str) -> list[Block | None]:
    """The installed software: every package (full) or counts and notable software."""
    if mode == "none":
        return []
    names, total = software_list(inventory)
    count = t("inventory.software_count", lang, count=format_number(total, lang))
    heading = Heading(f"{t('inventory.software', lang)} — {count}")
    if mode == "full":
        capped = t(
            "inventory.software_capped",
            lang,
            shown=format_number(len(names), lang),
            total=format_number(total, lang),
        )
        return [heading, Para(capped) if total > len(names) else None, Software(tuple(names))]
    managers = [(m, format_number(n, lang)) for m, n in software_managers(inventory)]
    publishers = [(p, format_number(n, lang)) for p, n in software_publishers(inventory)]
    notable = [
        (t(f"software.{kind}", lang), p.name, p.version) for kind, p in notable_software(inventory)
    ]
    return [
        heading,
        _table("managers", _heads(lang, "inventory.manager", "inventory.packages"), managers)
        if managers
        else None,
        _table("publishers", _heads(lang, "inventory.publisher", "inventory.packages"),
               publishers) if publishers else None,
        Heading(t("inventory.notable", lang)),
        _table_or("notable", _heads(lang, "inventory.kind", "inventory.name", "col.version"),
                  notable, t("none", lang)),
        Para(t("inventory.software_more", lang)),
    ]  # fmt: skip


def _inventory(inventory: Inventory | None, lang: str, software: str) -> Section:
    title = t("inventory.title", lang)
    if inventory is None:
        return _collapsed("inventory", title, t("inventory.none", lang))
    disks = [
        t(f"inventory.{k}", lang)
        for k in ("mountpoint", "device", "fstype", "size", "used", "available", "use")
    ]
    nics = [t(f"inventory.{k}", lang) for k in ("nic", "mac", "link", "addresses")]
    filesystems = filesystem_rows(inventory, lang)
    return _section(
        "inventory",
        title,
        [
            Heading(t("inventory.system", lang)),
            Facts(tuple(inventory_facts(inventory, lang))),
            _unavailable(inventory, lang),
            Heading(t("inventory.disks", lang)) if filesystems else None,
            _table("disks", disks, filesystems) if filesystems else None,
            Para(t("inventory.disk_use", lang)) if filesystems else None,
            Heading(t("inventory.nics", lang)) if inventory.network_interfaces else None,
            _table("nics", nics, nic_rows(inventory, lang))
            if inventory.network_interfaces
            else None,
            *_software(inventory, lang, software),
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
        signature_section(office.preparer, office.approver, lang),
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
