"""Self-contained printable HTML reports: inline CSS, no external assets, A4 pages.

The helpers at the top choose and order what a report shows; the Markdown
renderer uses them too, so both formats carry the same content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

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
    result_name,
    score_explanation,
    severity_name,
    t,
)
from netwatch.audit.model import (
    AuditReport,
    ChangeItem,
    Changes,
    CheckRecord,
    CheckSummary,
    FrameworkInfo,
    OfficeHost,
    OfficeReport,
    ServiceRecord,
    WaiverInfo,
)
from netwatch.audit.times import parse_utc
from netwatch.posture.score import BANDS

FINDING_RESULTS = ("fail", "error", "waived")
CHANGE_GROUPS = ("fixed", "new_failures", "regressions", "waivers_expired")
SOFTWARE_CAP = 600
MATRIX_COLUMNS = 40
MATRIX_SYMBOLS = {
    "pass": "✓",
    "fail": "✗",
    "waived": "~",
    "not_applicable": "–",
    "error": "!",
    "absent": "·",
}

# What to show, in which order (shared with the Markdown renderer)


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


def os_label(host: dict[str, Any]) -> str:
    """'Debian GNU/Linux 12' from a host identity or inventory host record."""
    return f"{host.get('os_name') or ''} {host.get('os_version') or ''}".strip()


def identity_rows(report: AuditReport, lang: str) -> list[tuple[str, str]]:
    """The host identity and audit facts printed on the cover."""
    host = report.host
    rows = [
        (t("host.hostname", lang), host.hostname),
        (t("host.fqdn", lang), host.fqdn),
        (t("host.os", lang), os_label(host.model_dump())),
        (t("host.kernel", lang), host.kernel),
        (t("host.arch", lang), host.arch),
        (t("host.machine_id", lang), host.machine_id),
        (t("meta.date", lang), format_date(report.generated_at, lang)),
        (t("meta.policy", lang), report.policy.name),
        (t("meta.agent", lang), report.agent_version),
        (t("meta.mode", lang), t(f"mode.{report.mode}", lang)),
    ]
    return [(label, value) for label, value in rows if value]


def offline_note(report: AuditReport, lang: str) -> str:
    """The offline label with the mount point, or '' for a live audit."""
    if report.mode != "offline":
        return ""
    return t("mode.offline.note", lang, root=report.root or "?")


def inventory_facts(inventory: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """OS, CPU and memory lines of the inventory appendix."""
    cpu = inventory.get("cpu") or {}
    memory = inventory.get("memory") or {}
    cores = t(
        "inventory.cores",
        lang,
        physical=cpu.get("physical_cores", "?"),
        logical=cpu.get("logical_cores", "?"),
    )
    rows = [
        (t("inventory.collected", lang), format_date(inventory.get("collected_at") or "", lang)),
        (t("host.os", lang), os_label(inventory.get("host") or {})),
        (t("inventory.cpu", lang), f"{cpu.get('model') or '?'} ({cores})" if cpu else ""),
        (t("inventory.memory", lang), _bytes(memory.get("total"), lang)),
        (t("inventory.swap", lang), _bytes(memory.get("swap_total"), lang)),
    ]
    return [(label, value) for label, value in rows if value]


def _bytes(value: Any, lang: str) -> str:
    return format_bytes(value, lang) if isinstance(value, (int, float)) else ""


def filesystem_rows(inventory: dict[str, Any], lang: str) -> list[list[str]]:
    """Mount point, device, type, size, free and used share of each file system."""
    rows = []
    for fs in inventory.get("filesystems") or []:
        size, free = fs.get("size") or 0, fs.get("free") or 0
        used = format_number(100 * (size - free) / size, lang) + "%" if size else ""
        rows.append(
            [
                fs.get("mountpoint", ""),
                fs.get("device", ""),
                fs.get("fstype", ""),
                _bytes(size, lang),
                _bytes(free, lang),
                used,
            ]
        )
    return rows


def nic_rows(inventory: dict[str, Any], lang: str) -> list[list[str]]:
    """Name, MAC, link state and addresses of each network interface."""
    rows = []
    for nic in inventory.get("network_interfaces") or []:
        addresses = ", ".join(
            f"{a.get('address')}/{a.get('prefix')}" for a in nic.get("addresses") or []
        )
        link = t("inventory.link_up" if nic.get("up") else "inventory.link_down", lang)
        rows.append([nic.get("name", ""), nic.get("mac", ""), link, addresses])
    return rows


def software_list(inventory: dict[str, Any]) -> tuple[list[tuple[str, str]], int]:
    """(name, version) of up to SOFTWARE_CAP packages, sorted, and the total count."""
    packages = inventory.get("software") or []
    names = sorted((str(p.get("name", "")), str(p.get("version", ""))) for p in packages)
    return names[:SOFTWARE_CAP], len(names)


def service_cells(service: ServiceRecord, lang: str) -> list[str]:
    """Plain-text cells of one service row."""
    state = t("services.up" if service.success else "services.down", lang)
    detail = " — ".join(part for part in (service.reason or "", service.detail) if part)
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


def matrix_check_ids(office: OfficeReport) -> list[str]:
    """Every check seen in the office, by id (platforms group together)."""
    return sorted(c.id for c in office.checks)


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


# HTML building blocks

_COLOURS = {
    "sev-critical": "#7a1020",
    "sev-high": "#c2410c",
    "sev-medium": "#a16207",
    "sev-low": "#52606d",
    "res-pass": "#1e7b3a",
    "res-fail": "#b42318",
    "res-waived": "#6b4fa0",
    "res-not_applicable": "#7b8594",
    "res-error": "#8a5a00",
    "res-absent": "#7b8594",
    "band-good": "#1e7b3a",
    "band-fair": "#4d7c0f",
    "band-weak": "#c2410c",
    "band-poor": "#b42318",
}


def _e(value: object) -> str:
    return escape(str(value))


def _inline(text: str) -> str:
    """Escaped text whose `back-quoted` parts become <code>."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def _table(
    head: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int], cls: str = ""
) -> str:
    """A fixed-layout table: ``head`` is plain text, row cells are HTML escaped by the caller,
    ``widths`` are the columns' shares of the width in percent."""
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    heading = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="fixed {cls}"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{heading}</tr></thead><tbody>{body}</tbody></table>"
    )


def _plain_table(head: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]) -> str:
    """A fixed-layout table of plain-text cells."""
    return _table(head, ([_e(c) for c in row] for row in rows), widths)


def _check_cell(title: str, check_id: str) -> str:
    return f'{_e(title)}<br><code class="id">{_e(check_id)}</code>'


def _mini(caption: str, rows: Iterable[tuple[str, str]]) -> str:
    """A small borderless table of badge HTML and counts, with a caption."""
    body = "".join(f"<tr><th>{label}</th><td>{count}</td></tr>" for label, count in rows)
    return f'<table class="counts"><caption>{_e(caption)}</caption><tbody>{body}</tbody></table>'


def _result_mini(counts: dict[str, int], lang: str) -> str:
    rows = ((_result(r, lang), _e(format_number(counts.get(r, 0), lang))) for r in RESULTS)
    return _mini(t("summary.by_result", lang), rows)


def _severity_mini(failed: dict[str, int], lang: str) -> str:
    rows = ((_severity(s, lang), _e(format_number(failed.get(s, 0), lang))) for s in SEVERITIES)
    return _mini(t("summary.by_severity", lang), rows)


def _facts(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column label/value table."""
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def _badge(kind: str, value: str, label: str) -> str:
    return f'<span class="badge {kind}-{_e(value)}">{_e(label)}</span>'


def _severity(severity: str, lang: str) -> str:
    return _badge("sev", severity, severity_name(severity, lang))


def _result(result: str, lang: str) -> str:
    return _badge("res", result, result_name(result, lang))


def _band(band: str, lang: str) -> str:
    return _badge("band", band, band_name(band, lang))


def _section(key: str, lang: str, body: str, cls: str = "") -> str:
    return f'<section class="{cls}"><h2>{_e(t(key, lang))}</h2>{body}</section>'


def _num(value: float, lang: str, suffix: str = "") -> str:
    return f'<span class="num">{_e(format_number(value, lang))}{suffix}</span>'


def _para(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{_e(text)}</p>'


def _css_string(text: str) -> str:
    """A CSS string literal that cannot end the string or the <style> element."""
    cleaned = " ".join(text.split())
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ") + '"'


def _css(lang: str, footer: str) -> str:
    colours = "".join(f".{name}{{--c:{value}}}" for name, value in _COLOURS.items())
    page = _css_string(t("page", lang)) + ' " "'
    return _CSS.replace("FOOTER", _css_string(footer)).replace("PAGE", page) + colours


_CSS = """
@page{size:A4;margin:16mm 15mm 18mm 15mm;
 @bottom-left{content:FOOTER;font:7.5pt "Noto Sans","DejaVu Sans",sans-serif;color:#5b6470}
 @bottom-right{content:PAGE counter(page) " / " counter(pages);
  font:7.5pt "Noto Sans","DejaVu Sans",sans-serif;color:#5b6470}}
@page:first{@bottom-left{content:none}@bottom-right{content:none}}
@page matrix{size:A4 landscape;margin:12mm 10mm 14mm 10mm}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;font-family:"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif;
 font-size:9.5pt;line-height:1.45;color:#1c2430}
@media screen{body{max-width:190mm;margin:8mm auto;padding:0 8mm}}
h1,h2,h3,h4{color:#153e75;line-height:1.25}
h2{break-before:page;font-size:15pt;margin:0 0 4mm;padding-bottom:2mm;
 border-bottom:1.5pt solid #153e75;break-after:avoid}
section.follow h2{break-before:auto;margin-top:8mm}
h3{font-size:11pt;margin:5mm 0 2mm;break-after:avoid}
h4{font-size:9.5pt;margin:3mm 0 1.5mm;break-after:avoid}
p{margin:0 0 2.5mm}
.note{color:#5b6470}
table{width:100%;border-collapse:collapse;margin:1.5mm 0 4mm}
thead{display:table-header-group}
tr{break-inside:avoid}
table.fixed{table-layout:fixed}
th,td{border:.5pt solid #d5dbe3;padding:1.1mm 1.8mm;text-align:left;vertical-align:top;
 overflow-wrap:break-word}
code.id{color:#5b6470;font-size:7.6pt;overflow-wrap:anywhere}
th{background:#eef2f7;font-weight:700}
code{font-family:"DejaVu Sans Mono","Noto Sans Mono","Liberation Mono",monospace;
 font-size:8.3pt}
.badge{display:inline-block;padding:.2mm 1.8mm;border-radius:1mm;font-size:7.8pt;
 font-weight:700;color:#fff;background:var(--c);white-space:nowrap}
.cover{display:flex;flex-direction:column;min-height:252mm;break-after:page}
.cover .office{font-size:12.5pt;font-weight:700;text-transform:uppercase;color:#153e75;
 text-align:center;letter-spacing:.02em;padding-bottom:2mm}
.cover .rule{width:45mm;border-top:1pt solid #153e75;margin:0 auto 22mm}
.cover h1{font-size:22pt;text-transform:uppercase;text-align:center;margin:0 0 5mm;
 letter-spacing:.01em;text-wrap:balance}
.cover .subtitle{font-size:14pt;text-align:center;margin:0 0 1.5mm;font-weight:700}
.cover .date{text-align:center;color:#5b6470;margin:0 0 12mm}
.cover .spacer{flex:1}
.cover .foot{color:#5b6470;font-size:8pt;border-top:.5pt solid #d5dbe3;padding-top:2mm}
.scorecard{display:flex;gap:9mm;align-items:flex-start;justify-content:center;margin:0 0 9mm}
.scorebox{border:1.2pt solid var(--c);border-radius:3mm;padding:3mm 6mm;text-align:center;
 width:30mm}
.scorebox .big{font-size:30pt;font-weight:700;color:var(--c);line-height:1.1}
.scorebox .of{color:#5b6470;font-size:8.5pt;margin-bottom:1.5mm}
.counts{border-collapse:collapse;width:auto;margin:0}
.counts caption{text-align:left;font-weight:700;color:#153e75;font-size:8.5pt;
 padding:0 0 1.2mm 1mm;white-space:nowrap}
.counts th,.counts td{border:none;border-bottom:.5pt solid #e6eaf0;padding:.9mm 1mm;
 background:none}
.counts td{text-align:right;font-weight:700;min-width:9mm}
.offline{border:1pt solid #a16207;background:#fff7e6;border-radius:2mm;padding:3mm 4mm;
 margin:0 0 8mm}
.offline strong{color:#8a4b00}
.facts th{width:38%;font-weight:600}
.facts{margin:0 0 4mm}
.finding{break-inside:avoid;border:.5pt solid #d5dbe3;border-left:1.8mm solid var(--c);
 border-radius:1mm;padding:2.5mm 3.5mm 1mm;margin:0 0 4mm}
.finding h3{margin:1.5mm 0 2mm;color:#1c2430}
.finding .id{color:#5b6470;margin-left:1.5mm}
.finding dl{display:grid;grid-template-columns:31mm 1fr;gap:1.6mm 3mm;margin:0 0 1.5mm}
.finding dt{font-weight:700;color:#153e75}
.finding dd{margin:0}
.finding ul{margin:0;padding-left:4mm}
.fw{font-weight:700}
ul.checks{margin:0;padding:0;list-style:none}
ul.checks li{margin:0 0 1mm;break-inside:avoid}
table.evidence{margin:0}
table.evidence td{font-family:"DejaVu Sans Mono","Noto Sans Mono",monospace;font-size:7.8pt;
 white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
table.evidence th{font-size:7.8pt}
.expired{color:#b42318;font-weight:700}
.software{columns:3;column-gap:6mm;font-size:7.5pt;line-height:1.3;margin:0 0 3mm;padding:0;
 list-style:none}
.software li{break-inside:avoid;overflow-wrap:anywhere}
.software .note{font-size:7pt}
.num{display:block;text-align:right;white-space:nowrap}
section.matrix{page:matrix}
table.matrix{width:auto;table-layout:fixed;font-size:7pt;margin:0 0 5mm}
table.matrix th,table.matrix td{padding:.4mm;text-align:center;width:5.2mm}
table.matrix th.host,table.matrix td.host{width:34mm;text-align:left;padding:.4mm 1.2mm;
 white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.matrix th.rot{vertical-align:bottom;height:58mm;padding:.8mm 0}
table.matrix th.rot span{writing-mode:vertical-rl;transform:rotate(180deg);
 white-space:nowrap;font-weight:400;font-family:"DejaVu Sans Mono",monospace;font-size:6.6pt}
table.matrix td.cell{color:#fff;background:var(--c);font-weight:700}
table.matrix td.cell.res-absent{background:#fff;color:#9aa3ae}
.legend span.badge{margin-right:1mm}
.legend .res-absent{background:#fff;color:#7b8594;border:.5pt solid #d5dbe3}
td .badge{margin:0 .6mm .6mm 0}
.legend{margin:0 0 3mm}
"""


def _document(lang: str, title: str, body: str) -> str:
    """The whole page; ``title`` is also the running footer of printed pages."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_css(lang, title)}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# The host report


def render_host_html(report: AuditReport, lang: str) -> str:
    """One host's audit as a printable, self-contained HTML document."""
    check_lang(lang)
    title = t("report.title", lang)
    body = "".join(
        [
            _host_cover(report, lang),
            _summary(report, lang),
            _changes(report, lang),
            _findings(report, lang),
            _waivers(report, lang),
            _frameworks(report, lang),
            _others(report, lang),
            _services(report.services, lang),
            _inventory(report.inventory, lang),
        ]
    )
    return _document(lang, f"{title} — {report.host.hostname}", body)


def _cover_head(office: str, title: str, subtitle: str, date: str) -> str:
    """Office name, title (a newline in it is the preferred line break), subtitle and date."""
    head = f'<div class="office">{_e(office)}</div>' if office else ""
    lines = "<br>".join(_e(line) for line in title.splitlines())
    return (
        f'{head}<div class="rule"></div><h1>{lines}</h1><p class="subtitle">{_e(subtitle)}</p>'
        f'<p class="date">{_e(date)}</p>'
    )


def _scorecard(value: float, band: str, label: str, side: str, lang: str) -> str:
    """The score in a box coloured by band, with ``side`` (HTML) next to it."""
    return (
        f'<div class="scorecard"><div class="scorebox band-{_e(band)}">'
        f'<div class="of">{_e(label)}</div>'
        f'<div class="big">{_e(format_score(value, lang))}</div>'
        f'<div class="of">{_e(t("summary.out_of", lang))}</div>'
        f"{_band(band, lang)}</div>{side}</div>"
    )


def _host_scorecard(report: AuditReport, lang: str) -> str:
    score = report.score
    side = _result_mini(score.counts, lang) + _severity_mini(score.failed_by_severity, lang)
    return _scorecard(score.value, score.band, t("summary.score", lang), side, lang)


def _host_cover(report: AuditReport, lang: str) -> str:
    head = _cover_head(
        report.office,
        t("report.cover_title", lang),
        t("cover.host", lang, hostname=report.host.hostname),
        format_date(report.generated_at, lang),
    )
    note = offline_note(report, lang)
    banner = (
        f'<div class="offline"><strong>{_e(t("mode.offline", lang))}</strong><br>{_e(note)}</div>'
        if note
        else ""
    )
    foot = t("cover.generated_by", lang, version=report.agent_version)
    return (
        f'<section class="cover">{head}{_host_scorecard(report, lang)}{banner}'
        f"<h4>{_e(t('cover.identity', lang))}</h4>{_facts(identity_rows(report, lang))}"
        f'<div class="spacer"></div><div class="foot">{_e(foot)}</div></section>'
    )


def _summary(report: AuditReport, lang: str) -> str:
    score = report.score
    index = [
        [
            _check_cell(localized(r.title, lang), r.id),
            _severity(r.severity, lang),
            _result(r.result, lang),
        ]
        for r in findings(report)
    ]
    expired = (
        _para(t("summary.expired_waivers", lang, count=score.expired_waivers), "expired")
        if score.expired_waivers
        else ""
    )
    head = [t("col.check", lang), t("col.severity", lang), t("col.result", lang)]
    body = (
        _host_scorecard(report, lang)
        + expired
        + _para(score_explanation(lang))
        + f"<h3>{_e(t('findings.title', lang))} ({len(index)})</h3>"
        + (_table(head, index, (64, 18, 18)) if index else _para(t("findings.none", lang)))
    )
    return _section("summary.title", lang, body)


def _change_rows(items: list[ChangeItem], lang: str) -> list[list[str]]:
    return [
        [
            _check_cell(localized(i.title, lang), i.id),
            _severity(i.severity, lang),
            _result(i.before, lang),
            _result(i.after, lang),
        ]
        for i in items
    ]


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
    parts = [_para(intro, "")]
    for key, items in change_groups(changes):
        rows = _change_rows(items, lang)
        table = _table(head, rows, (47, 19, 17, 17)) if items else _para(t("none", lang))
        parts.append(f"<h3>{_e(t(key, lang))} ({len(items)})</h3>{table}")
    return _section("changes.title", lang, "".join(parts), "follow")


def _evidence(record: CheckRecord, lang: str) -> str:
    if not record.evidence:
        return _e(t("finding.no_evidence", lang))
    head = [t("evidence.source", lang), t("evidence.observed", lang), t("evidence.expected", lang)]
    rows = [[_e(e.source), _e(e.observed), _e(e.expected)] for e in record.evidence]
    return _table(head, rows, (32, 40, 28), "evidence")


def _waiver_line(record: CheckRecord, lang: str) -> str:
    waiver = record.waiver
    if waiver is None:
        return ""
    return (
        f"{_e(waiver.reason)} — {_e(t('waiver.approver', lang))}: {_e(waiver.approver)}; "
        f"{_e(t('waiver.expires', lang))}: {_e(format_date(waiver.expires, lang))} "
        f"({_waiver_state(waiver, lang)})"
    )


def _waiver_state(waiver: WaiverInfo, lang: str) -> str:
    if waiver.expired:
        return f'<span class="expired">{_e(t("waiver.expired", lang))}</span>'
    return _e(t("waiver.valid", lang))


def _framework_list(report: AuditReport, record: CheckRecord, lang: str) -> str:
    items = "".join(
        f'<li><span class="fw">{_e(title)}</span>: {_e("; ".join(controls))}</li>'
        for title, controls in control_labels(report, record, lang)
    )
    return f"<ul>{items}</ul>" if items else ""


def _finding(report: AuditReport, record: CheckRecord, lang: str) -> str:
    items = [
        ("finding.rationale", _inline(localized(record.rationale, lang))),
        ("col.reason", _e(record.reason) if record.reason else ""),
        ("finding.evidence", _evidence(record, lang)),
        ("finding.remediation", _inline(localized(record.remediation, lang))),
        ("finding.waiver", _waiver_line(record, lang)),
        ("finding.frameworks", _framework_list(report, record, lang)),
    ]
    rows = "".join(f"<dt>{_e(t(key, lang))}</dt><dd>{html}</dd>" for key, html in items if html)
    return (
        f'<article class="finding sev-{_e(record.severity)}"><div>'
        f"{_severity(record.severity, lang)} {_result(record.result, lang)}"
        f'<code class="id">{_e(record.id)}</code></div>'
        f"<h3>{_e(localized(record.title, lang))}</h3><dl>{rows}</dl></article>"
    )


def _findings(report: AuditReport, lang: str) -> str:
    chosen = findings(report)
    if not chosen:
        return _section("findings.title", lang, _para(t("findings.none", lang)))
    body = _para(t("findings.intro", lang)) + "".join(_finding(report, r, lang) for r in chosen)
    return _section("findings.title", lang, body)


def _waivers(report: AuditReport, lang: str) -> str:
    head = [
        t("col.check", lang),
        t("waiver.reason", lang),
        t("waiver.approver", lang),
        t("waiver.expires", lang),
        t("waiver.state", lang),
    ]
    rows = []
    for record, waiver in waived_checks(report):
        rows.append(
            [
                _check_cell(localized(record.title, lang), record.id),
                _e(waiver.reason),
                _e(waiver.approver),
                _e(format_date(waiver.expires, lang)),
                _waiver_state(waiver, lang),
            ]
        )
    body = _para(t("waivers.intro", lang)) + (
        _table(head, rows, (27, 31, 20, 11, 11)) if rows else _para(t("none", lang))
    )
    return _section("waivers.title", lang, body, "follow")


def _framework(report: AuditReport, framework: FrameworkInfo, lang: str) -> str:
    rows = []
    for control, title, records in control_map(report, framework, lang):
        checks = "".join(
            f"<li>{_result(r.result, lang)} {_check_cell(localized(r.title, lang), r.id)}</li>"
            for r in records
        )
        rows.append(
            [
                _check_cell(title, control),
                f'<ul class="checks">{checks}</ul>'
                if checks
                else f'<span class="note">{_e(t("frameworks.unchecked", lang))}</span>',
            ]
        )
    head = [t("frameworks.control", lang), t("frameworks.checks", lang)]
    table = _table(head, rows, (36, 64))
    return f"<h3>{_e(localized(framework.title, lang))}</h3>{table}"


def _frameworks(report: AuditReport, lang: str) -> str:
    if not report.frameworks:
        return ""
    body = "".join(_framework(report, f, lang) for f in report.frameworks)
    return _section("frameworks.title", lang, body)


def _others(report: AuditReport, lang: str) -> str:
    head = [
        t("col.check", lang),
        t("col.severity", lang),
        t("col.result", lang),
        t("col.reason", lang),
    ]
    rows = [
        [
            _check_cell(localized(r.title, lang), r.id),
            _severity(r.severity, lang),
            _result(r.result, lang),
            _e(r.reason),
        ]
        for r in other_checks(report)
    ]
    body = _table(head, rows, (46, 16, 14, 24)) if rows else _para(t("none", lang))
    return _section("others.title", lang, body)


def _services(services: list[ServiceRecord] | None, lang: str) -> str:
    if services is None:
        return ""
    rows = [service_cells(s, lang) for s in services]
    widths = (14, 8, 24, 11, 22, 10, 11)
    body = _plain_table(service_headings(lang), rows, widths) if rows else _para(t("none", lang))
    return _section("services.title", lang, body, "follow")


def _inventory(inventory: dict[str, Any] | None, lang: str) -> str:
    if not inventory:
        return _section("inventory.title", lang, _para(t("inventory.none", lang)))
    disks_head = [
        t(f"inventory.{k}", lang)
        for k in ("mountpoint", "device", "fstype", "size", "free", "used")
    ]
    nics_head = [t(f"inventory.{k}", lang) for k in ("nic", "mac", "link", "addresses")]
    names, total = software_list(inventory)
    capped = (
        _para(
            t(
                "inventory.software_capped",
                lang,
                shown=format_number(len(names), lang),
                total=format_number(total, lang),
            )
        )
        if total > len(names)
        else ""
    )
    software = "".join(f'<li>{_e(n)} <span class="note">{_e(v)}</span></li>' for n, v in names)
    body = (
        f"<h3>{_e(t('inventory.system', lang))}</h3>{_facts(inventory_facts(inventory, lang))}"
        f"<h3>{_e(t('inventory.disks', lang))}</h3>"
        f"{_plain_table(disks_head, filesystem_rows(inventory, lang), (14, 27, 14, 16, 16, 13))}"
        f"<h3>{_e(t('inventory.nics', lang))}</h3>"
        f"{_plain_table(nics_head, nic_rows(inventory, lang), (14, 20, 16, 50))}"
        f"<h3>{_e(t('inventory.software', lang))} — "
        f"{_e(t('inventory.software_count', lang, count=format_number(total, lang)))}</h3>"
        f'{capped}<ul class="software">{software}</ul>'
    )
    return _section("inventory.title", lang, body)


# The office report


def render_office_html(office: OfficeReport, lang: str) -> str:
    """Many hosts merged into one printable, self-contained HTML document."""
    check_lang(lang)
    title = t("office.title", lang)
    body = "".join(
        [
            _office_cover(office, lang),
            _office_hosts(office, lang),
            _office_common(office, lang),
            _office_stale(office, lang),
            _office_superseded(office, lang),
            _office_matrix(office, lang),
        ]
    )
    return _document(lang, f"{title} — {office.office}" if office.office else title, body)


def _office_cover(office: OfficeReport, lang: str) -> str:
    head = _cover_head(
        office.office,
        t("office.cover_title", lang),
        t("cover.hosts_subtitle", lang, count=format_number(len(office.hosts), lang)),
        format_date(office.generated_at, lang),
    )
    bands = _mini(
        t("office.by_band", lang),
        ((_band(b, lang), _e(format_number(n, lang))) for b, n in band_counts(office).items()),
    ) + _severity_mini(failures_by_severity(office), lang)
    average = average_score(office)
    facts = [
        (t("meta.report_date", lang), format_date(office.generated_at, lang)),
        (t("cover.hosts_count", lang), format_number(len(office.hosts), lang)),
        (t("cover.sources", lang), format_number(len(office.sources), lang)),
        (t("meta.agent", lang), office.agent_version),
    ]
    foot = t("cover.generated_by", lang, version=office.agent_version)
    return (
        f'<section class="cover">{head}'
        f"{_scorecard(average, band_of(average), t('office.average', lang), bands, lang)}"
        f"{_facts(facts)}"
        f'<div class="spacer"></div><div class="foot">{_e(foot)}</div></section>'
    )


def _office_hosts(office: OfficeReport, lang: str) -> str:
    head = [
        t("office.host", lang),
        t("host.os", lang),
        t("office.last_audit", lang),
        t("meta.mode", lang),
        t("summary.score", lang),
        t("summary.band", lang),
        t("summary.by_severity", lang),
    ]
    rows = []
    for host in hosts_worst_first(office):
        stale = (
            f'<br><span class="expired">{_e(t("office.stale_mark", lang))}</span>'
            if host.stale
            else ""
        )
        rows.append(
            [
                f"<strong>{_e(host.hostname)}</strong>",
                _e(host.os_name),
                _e(format_date(host.generated_at, lang)) + stale,
                _e(t(f"mode.{host.mode}.short", lang)),
                f'<span class="num">{_e(format_score(host.score, lang))}</span>',
                _band(host.band, lang),
                _failure_badges(host.failed_by_severity, lang),
            ]
        )
    widths = (15, 15, 14, 10, 8, 12, 26)
    return _section("office.hosts", lang, _table(head, rows, widths))


def _failure_badges(failed: dict[str, int], lang: str) -> str:
    badges = [
        _badge("sev", s, f"{severity_name(s, lang)}: {format_number(failed[s], lang)}")
        for s in SEVERITIES
        if failed.get(s)
    ]
    return " ".join(badges) or _num(0, lang)


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
            _check_cell(localized(c.title, lang), c.id),
            _severity(c.severity, lang),
            _num(c.failing_hosts, lang),
            _num(100 * c.failing_hosts / total, lang, "%"),
        ]
        for c in common_failures(office)
    ]
    body = _table(head, rows, (56, 16, 14, 14)) if rows else _para(t("office.no_failures", lang))
    return _section("office.common", lang, body)


def _office_stale(office: OfficeReport, lang: str) -> str:
    days = office.stale_days
    stale = stale_hosts(office)
    if not stale:
        return _section(
            "office.stale", lang, _para(t("office.stale_none", lang, days=days)), "follow"
        )
    head = [t("office.host", lang), t("office.last_audit", lang), t("office.days_ago", lang)]
    rows = [
        [h.hostname, format_date(h.generated_at, lang), format_number(age, lang)]
        for h, age in stale
    ]
    table = _plain_table(head, rows, (40, 35, 25))
    body = _para(t("office.stale_intro", lang, days=days)) + table
    return _section("office.stale", lang, body, "follow")


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
    body = _para(t("office.superseded_intro", lang)) + _plain_table(head, rows, (18, 22, 30, 30))
    return _section("office.superseded", lang, body, "follow")


def _matrix_legend(lang: str) -> str:
    items = [
        f'<span class="badge res-{r}">{MATRIX_SYMBOLS[r]}</span>{_e(result_name(r, lang))}'
        for r in RESULTS
    ]
    items.append(
        f'<span class="badge res-absent">{MATRIX_SYMBOLS["absent"]}</span>'
        f"{_e(t('office.not_run', lang))}"
    )
    return (
        f'<p class="legend"><strong>{_e(t("office.legend", lang))}:</strong> '
        + " &nbsp; ".join(items)
        + "</p>"
    )


def _matrix_table(office: OfficeReport, ids: list[str], lang: str) -> str:
    head = "".join(f'<th class="rot"><span>{_e(i)}</span></th>' for i in ids)
    rows = []
    for host in hosts_worst_first(office):
        cells = "".join(
            f'<td class="cell res-{_e(matrix_cell(host, i))}">'
            f"{_e(MATRIX_SYMBOLS.get(matrix_cell(host, i), '?'))}</td>"
            for i in ids
        )
        rows.append(f'<tr><td class="host">{_e(host.hostname)}</td>{cells}</tr>')
    corner = f'<th class="host">{_e(t("office.host", lang))}</th>'
    return (
        f'<table class="matrix"><thead><tr>{corner}{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _office_matrix(office: OfficeReport, lang: str) -> str:
    ids = matrix_check_ids(office)
    chunks = [ids[i : i + MATRIX_COLUMNS] for i in range(0, len(ids), MATRIX_COLUMNS)]
    body = (
        _para(t("office.matrix_intro", lang))
        + _matrix_legend(lang)
        + "".join(_matrix_table(office, chunk, lang) for chunk in chunks)
    )
    return _section("office.matrix", lang, body, "matrix")
