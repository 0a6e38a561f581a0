"""Self-contained printable HTML reports: inline CSS, no external assets, A4 pages.

What a report says comes from netwatch.audit.view; this module lays it out: escaping,
classes and colours, column widths, page breaks.
"""

from __future__ import annotations

import re
from html import escape

from netwatch.audit import view
from netwatch.audit.i18n import t
from netwatch.audit.model import AuditReport, OfficeReport

MATRIX_COLUMNS = 40

# Column widths (percent of the page) of each kind of table
_WIDTHS = {
    "index": (64, 18, 18),
    "changes": (47, 19, 17, 17),
    "evidence": (32, 40, 28),
    "waivers": (27, 31, 20, 11, 11),
    "framework": (64, 36),
    "others": (40, 13, 16, 31),
    "services": (14, 8, 24, 11, 22, 10, 11),
    "disks": (13, 23, 10, 13, 13, 13, 15),
    "managers": (60, 40),
    "publishers": (60, 40),
    "notable": (28, 44, 28),
    "nics": (14, 20, 16, 50),
    "hosts": (15, 15, 14, 10, 8, 12, 26),
    "common": (56, 16, 14, 14),
    "stale": (40, 35, 25),
    "superseded": (18, 22, 30, 30),
}
# Page breaks: sections follow each other on the page (no page left near-empty); the
# office report's host list starts a page, the matrix gets landscape pages
_SECTION_CLASSES = {"hosts": "newpage", "matrix": "matrix"}
_PARA_CLASSES = {"note": "note", "plain": "", "alert": "expired"}
# Marked text; code is evidence, set in monospace by table.evidence
_MARKS = {
    "num": '<span class="num">{}</span>',
    "code": "{}",
    "strong": "<strong>{}</strong>",
    "alert": '<span class="expired">{}</span>',
}

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
h2{font-size:14pt;margin:7mm 0 3mm;padding-bottom:1.5mm;
 border-bottom:1.5pt solid #153e75;break-after:avoid}
section.newpage h2,section.matrix h2{break-before:page;margin-top:0}
section.cover+section h2{margin-top:0}
p.collapsed{margin:5mm 0 2mm;font-size:10pt}
p.collapsed strong{color:#153e75}
h3{font-size:11pt;margin:4mm 0 1.5mm;break-after:avoid}
h4{font-size:9.5pt;margin:3mm 0 1.5mm;break-after:avoid}
p{margin:0 0 2.5mm}
.note{color:#5b6470}
table{width:100%;box-sizing:border-box;border-collapse:collapse;margin:1.5mm 0 4mm}
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
.cover{display:flex;flex-direction:column}
.cover .office{font-size:12.5pt;font-weight:700;text-transform:uppercase;color:#153e75;
 text-align:center;letter-spacing:.02em;padding-bottom:2mm}
.cover .rule{width:45mm;border-top:1pt solid #153e75;margin:0 auto 8mm}
.cover h1{font-size:22pt;text-transform:uppercase;text-align:center;margin:0 0 5mm;
 letter-spacing:.01em;text-wrap:balance}
.cover .subtitle{font-size:14pt;text-align:center;margin:0 0 1.5mm;font-weight:700}
.cover .date{text-align:center;color:#5b6470;margin:0 0 6mm}
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
table.findings{font-size:7.9pt;line-height:1.3}
table.findings td{padding:.8mm 1.3mm}
table.findings .ctl{color:#5b6470;font-size:6.6pt;margin-top:.5mm}
table.findings td.check{border-left:1.2mm solid var(--c)}
table.findings .title{font-weight:700;margin:.6mm 0 .3mm}
table.findings .d{margin:0 0 .8mm}
table.findings .lbl{font-weight:700;color:#153e75}
ul.evidence{margin:.3mm 0 0;padding:0;list-style:none;font-family:"DejaVu Sans Mono",
 "Noto Sans Mono",monospace;font-size:6.9pt;line-height:1.3;overflow-wrap:anywhere}
ul.evidence li{margin:0 0 .5mm}
ul.evidence .src{color:#5b6470}
ul.evidence .want{color:#1e7b3a}
.finding{break-inside:avoid;border:.5pt solid #d5dbe3;border-left:1.5mm solid var(--c);
 border-radius:1mm;padding:1.5mm 2.5mm .5mm;margin:0 0 2.5mm;font-size:8.6pt;line-height:1.35}
.finding h3{margin:.8mm 0 1.2mm;color:#1c2430;font-size:10pt}
.finding .id{color:#5b6470;margin-left:1.5mm}
.finding dl{display:grid;grid-template-columns:27mm minmax(0,1fr);gap:1mm 2.5mm;margin:0 0 1mm}
.finding dt{font-weight:700;color:#153e75}
.finding dd{margin:0;min-width:0}
.finding table{margin:0}
.finding ul{margin:0;padding-left:4mm}
.fw{font-weight:700}
ul.checks{margin:0;padding:0;list-style:none}
ul.checks li{margin:0 0 1mm;break-inside:avoid}
table.evidence{margin:0}
table.evidence td{font-family:"DejaVu Sans Mono","Noto Sans Mono",monospace;font-size:7.2pt;
 white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;padding:.6mm 1.4mm}
table.evidence th{font-size:7.2pt;padding:.6mm 1.4mm}
table.framework,table.others,table.disks,table.nics,table.managers,table.publishers,
table.notable,table.services,table.waivers,table.changes{font-size:8.4pt}
table.framework td,table.others td{padding:.7mm 1.6mm}
.signature{break-inside:avoid;margin:2mm 0 3mm}
.signature .date{text-align:right;font-style:italic;margin:0 0 2mm}
.signature .parties{display:flex;gap:10mm}
.signature .party{flex:1;text-align:center}
.signature .role{font-weight:700;text-transform:uppercase;color:#153e75}
.signature .hint{font-style:italic;color:#5b6470;font-size:8.5pt}
.signature .space{height:21mm;display:flex;align-items:center;justify-content:center}
.signature .seal{width:19mm;height:19mm;border:.8pt dashed #9aa3ae;border-radius:50%;
 display:flex;align-items:center;justify-content:center;color:#9aa3ae;font-size:8pt}
.signature .name{font-weight:700;min-height:5mm;border-top:.5pt dotted #9aa3ae;
 margin:0 8mm;padding-top:1mm}
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


def page_html(lang: str, title: str, body: str) -> str:
    """The whole page; ``title`` is also the running footer of printed pages."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_css(lang, title)}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def render_host_html(report: AuditReport, lang: str, software: str = "summary") -> str:
    """One host's audit as a printable, self-contained HTML document."""
    return _render(view.host_view(report, lang, software))


def render_office_html(office: OfficeReport, lang: str) -> str:
    """Many hosts merged into one printable, self-contained HTML document."""
    return _render(view.office_view(office, lang))


def _render(report: view.Report) -> str:
    body = _cover(report.cover) + "".join(section_html(s) for s in report.sections)
    return page_html(report.lang, report.title, body)


def _cover(cover: view.Cover) -> str:
    office = f'<div class="office">{_e(cover.office)}</div>' if cover.office else ""
    title = "<br>".join(_e(line) for line in cover.title.splitlines())
    notice = cover.notice
    banner = (
        f'<div class="offline"><strong>{_e(notice.label)}</strong><br>{_e(notice.text)}</div>'
        if notice
        else ""
    )
    identity = f"<h4>{_e(cover.identity)}</h4>" if cover.identity else ""
    notes = "".join(_block(p) for p in cover.notes)
    return (
        f'<section class="cover">{office}<div class="rule"></div><h1>{title}</h1>'
        f'<p class="subtitle">{_e(cover.subtitle)}</p><p class="date">{_e(cover.date)}</p>'
        f"{_score(cover.score)}{notes}{banner}{identity}{_facts(cover.facts)}"
        f'<div class="spacer"></div><div class="foot">{_e(cover.foot)}</div></section>'
    )


def section_html(section: view.Section) -> str:
    cls = _SECTION_CLASSES.get(section.key, "")
    if not section.blocks:
        line = f"<strong>{_e(section.title)}:</strong> {_e(section.note)}"
        return f'<section class="{cls}"><p class="collapsed">{line}</p></section>'
    body = "".join(_block(b) for b in section.blocks)
    return f'<section class="{cls}"><h2>{_e(section.title)}</h2>{body}</section>'


def _block(block: view.Block) -> str:
    if isinstance(block, view.Para):
        return f'<p class="{_PARA_CLASSES[block.tone]}">{_e(block.text)}</p>'
    if isinstance(block, view.Heading):
        return f"<h3>{_e(block.text)}</h3>"
    if isinstance(block, view.TableData):
        return _table(block)
    if isinstance(block, view.Facts):
        return _facts(block.rows)
    if isinstance(block, view.Score):
        return _score(block)
    if isinstance(block, view.Findings):
        return _findings(block)
    if isinstance(block, view.Software):
        items = "".join(
            f'<li>{_e(n)} <span class="note">{_e(v)}</span></li>' for n, v in block.packages
        )
        return f'<ul class="software">{items}</ul>'
    if isinstance(block, view.Signature):
        return _signature(block)
    return _matrix(block)


def _signature(block: view.Signature) -> str:
    """Who signs, side by side: role, how to sign, room to sign (a seal ring), the name."""
    parties = "".join(
        f'<div class="party"><div class="role">{_e(p.role)}</div>'
        f'<div class="hint">{_e(p.hint)}</div><div class="space">'
        + (f'<div class="seal">{_e(p.seal)}</div>' if p.seal else "")
        + f'</div><div class="name">{_e(p.name)}</div></div>'
        for p in block.parties
    )
    return (
        f'<div class="signature"><p class="date">{_e(block.date_line)}</p>'
        f'<div class="parties">{parties}</div></div>'
    )


def _table(table: view.TableData) -> str:
    """A fixed-layout table, its columns sized by the table's kind."""
    cols = "".join(f'<col style="width:{w}%">' for w in _WIDTHS[table.kind])
    head = "".join(f"<th>{_e(h)}</th>" for h in table.head)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return (
        f'<table class="fixed {table.kind}"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _cell(cell: view.Cell) -> str:
    if isinstance(cell, str):
        return _e(cell)
    if isinstance(cell, view.Badge):
        return _badge(cell)
    if isinstance(cell, view.CheckRef):
        if cell.inline:
            return f'<code class="id">{_e(cell.id)}</code> {_e(cell.title)}'
        return f'{_e(cell.title)}<br><code class="id">{_e(cell.id)}</code>'
    if isinstance(cell, view.Mark):
        return _MARKS[cell.role].format(_e(cell.text))
    if isinstance(cell, view.Flagged):
        return f"{_e(cell.text)}<br>{_cell(view.Mark('alert', cell.flag))}"
    if isinstance(cell, view.CheckList):
        if not cell.checks:
            return f'<span class="note">{_e(cell.empty)}</span>'
        items = "".join(f"<li>{_badge(r)} {_cell(c)}</li>" for r, c in cell.checks)
        return f'<ul class="checks">{items}</ul>'
    return " ".join(_badge(b) for b in cell)


def _badge(badge: view.Badge) -> str:
    return f'<span class="badge {badge.kind}-{_e(badge.key)}">{_e(badge.text)}</span>'


def _facts(rows: tuple[tuple[str, str], ...]) -> str:
    """A two-column label/value table."""
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def _counts(counts: view.Counts) -> str:
    """A small borderless table of badges and counts, with a caption."""
    body = "".join(f"<tr><th>{_badge(b)}</th><td>{_e(n)}</td></tr>" for b, n in counts.rows)
    caption = f"<caption>{_e(counts.caption)}</caption>"
    return f'<table class="counts">{caption}<tbody>{body}</tbody></table>'


def _score(score: view.Score) -> str:
    """The score in a box coloured by band, with the counts next to it."""
    return (
        f'<div class="scorecard"><div class="scorebox band-{_e(score.band.key)}">'
        f'<div class="of">{_e(score.label)}</div>'
        f'<div class="big">{_e(score.value)}</div>'
        f'<div class="of">{_e(score.out_of)}</div>'
        f"{_badge(score.band)}</div>{''.join(_counts(c) for c in score.counts)}</div>"
    )


def _findings(findings: view.Findings) -> str:
    """One row per finding: the check, what was found, what to do."""
    head = "".join(f"<th>{_e(h)}</th>" for h in findings.head)
    rows = "".join(
        f'<tr class="sev-{_e(f.severity.key)}"><td class="check">{_badge(f.severity)} '
        f'{_badge(f.result)}<div class="title">{_e(f.title)}</div>'
        f'<code class="id">{_e(f.id)}</code>'
        + (f'<div class="ctl">{_e(f.controls)}</div>' if f.controls else "")
        + "</td>"
        f"<td>{_labelled(f.found)}</td><td>{_labelled(f.action)}</td></tr>"
        for f in findings.rows
    )
    return (
        '<table class="fixed findings"><colgroup><col style="width:23%"><col style="width:39%">'
        f'<col style="width:38%"></colgroup><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
        "</table>"
    )


def _labelled(details: tuple[tuple[str, view.Detail], ...]) -> str:
    """Details one after another, each led by its label."""
    parts = []
    for label, value in details:
        lead = f'<span class="lbl">{_e(label)}:</span> ' if label else ""
        parts.append(f'<div class="d">{lead}{_detail(value)}</div>')
    return "".join(parts)


def _detail(value: view.Detail) -> str:
    if isinstance(value, view.Inline):
        return _inline(value.text)
    if isinstance(value, view.TableData):
        return _evidence_lines(value)
    if isinstance(value, view.WaiverNote):
        return f"{_e(value.text)} ({_cell(value.state)})"
    return _e(value)


def _evidence_lines(table: view.TableData) -> str:
    """Evidence rows as lines: where, what was there, what was expected."""
    lines = []
    for source, observed, expected in table.rows:
        wanted = f' <span class="want">→ {_cell(expected)}</span>' if _cell(expected) else ""
        lines.append(f'<li><span class="src">{_cell(source)}</span> {_cell(observed)}{wanted}</li>')
    return f'<ul class="evidence">{"".join(lines)}</ul>'


def _matrix(matrix: view.Matrix) -> str:
    """Intro, legend, and the matrix cut into tables of MATRIX_COLUMNS checks."""
    legend = " &nbsp; ".join(f"{_badge(symbol)}{_e(text)}" for symbol, text in matrix.legend)
    tables = "".join(
        _matrix_table(matrix, slice(start, start + MATRIX_COLUMNS))
        for start in range(0, len(matrix.checks), MATRIX_COLUMNS)
    )
    return (
        f'<p class="note">{_e(matrix.intro)}</p>'
        f'<p class="legend"><strong>{_e(matrix.legend_label)}:</strong> {legend}</p>{tables}'
    )


def _matrix_table(matrix: view.Matrix, columns: slice) -> str:
    head = "".join(f'<th class="rot"><span>{_e(c.id)}</span></th>' for c in matrix.checks[columns])
    rows = "".join(
        f'<tr><td class="host">{_e(host)}</td>'
        + "".join(
            f'<td class="cell {b.kind}-{_e(b.key)}">{_e(b.text)}</td>' for b in symbols[columns]
        )
        + "</tr>"
        for host, symbols in matrix.rows
    )
    return (
        f'<table class="matrix"><thead><tr><th class="host">{_e(matrix.corner)}</th>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )
