"""Markdown reports (GitHub-flavoured tables) with the same content as the HTML reports.

What a report says comes from netwatch.audit.view; this module only writes it as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from netwatch.audit import view
from netwatch.audit.model import AuditReport, OfficeReport

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
    """Escaped text whose `back-quoted` parts stay code spans (spaces around them kept)."""
    parts = re.split(r"`([^`]+)`", " ".join(str(text).split()))
    return "".join(_code(p) if i % 2 else _spaced(p) for i, p in enumerate(parts))


def _spaced(text: str) -> str:
    """``text`` escaped, with its leading and trailing space (between code spans) kept."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and text.strip() else ""
    return lead + _md(text) + trail


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GFM table: ``head`` is plain text, cells are Markdown (pipes get escaped here)."""

    def cell(value: str) -> str:
        return re.sub(r"(?<!\\)\|", r"\\|", value) or " "

    lines = ["| " + " | ".join(_md(h) for h in head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _grid(table: view.TableData) -> str:
    return _table(table.head, ([_cell(c) for c in row] for row in table.rows))


def _bold(text: str) -> str:
    return f"**{_md(text)}**"


_MARKS = {"num": _md, "code": _code, "strong": _bold, "alert": _bold}


def _facts(rows: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"- **{_md(label)}:** {_md(value)}" for label, value in rows) + "\n"


def _heading(level: int, text: str) -> str:
    return f"{'#' * level} {_inline(text)}\n"


def _join(parts: Iterable[str]) -> str:
    return "\n".join(part for part in parts if part)


def render_host_markdown(report: AuditReport, lang: str, software: str = "summary") -> str:
    """One host's audit as Markdown."""
    doc = view.host_view(report, lang, software)
    cover, notice = doc.cover, doc.cover.notice
    head = _join(
        [
            _heading(1, doc.title),
            _bold(cover.office) + "\n" if cover.office else "",
            _md(cover.date) + "\n",
            _score(cover.score),
            *(_block(note) for note in cover.notes),
            f"> **{_md(notice.label)}:** {_md(notice.text)}\n" if notice else "",
            _heading(3, cover.identity),
            _facts(cover.facts),
            _md(cover.foot) + "\n",
        ]
    )
    return _join([head, *(_section(s) for s in doc.sections)])


def render_office_markdown(office: OfficeReport, lang: str) -> str:
    """Many hosts merged into one Markdown report."""
    doc = view.office_view(office, lang)
    cover = doc.cover
    head = _join(
        [
            _heading(1, doc.title),
            _facts(cover.facts),
            _score(cover.score),
            _md(cover.foot) + "\n",
        ]
    )
    return _join([head, *(_section(s) for s in doc.sections)])


def _section(section: view.Section) -> str:
    if not section.blocks:
        return f"**{_md(section.title)}:** {_md(section.note)}\n"
    return _join([_heading(2, section.title), *(_block(b) for b in section.blocks)])


def _block(block: view.Block) -> str:
    if isinstance(block, view.Para):
        return (_bold if block.tone == "alert" else _md)(block.text) + "\n"
    if isinstance(block, view.Heading):
        return _heading(3, block.text)
    if isinstance(block, view.TableData):
        return _grid(block)
    if isinstance(block, view.Facts):
        return _facts(block.rows)
    if isinstance(block, view.Score):
        return _score(block)
    if isinstance(block, view.Findings):
        return _join(_finding(f) for f in block.rows)
    if isinstance(block, view.Software):
        return ", ".join(_code(f"{n} {v}".strip()) for n, v in block.packages) + "\n"
    if isinstance(block, view.Signature):
        return _signature(block)
    return _matrix(block)


def _signature(block: view.Signature) -> str:
    """Each party on a line: role, how to sign, the name or a line to write it on."""
    lines = [_md(block.date_line) + "\n"]
    for party in block.parties:
        seal = f" — {_md(party.seal)}: ( )" if party.seal else ""
        name = _md(party.name) if party.name else "\\_" * 24
        lines.append(f"- **{_md(party.role)}** {_md(party.hint)}: {name}{seal}")
    return "\n".join(lines) + "\n"


def _cell(cell: view.Cell) -> str:
    if isinstance(cell, str):
        return _inline(cell)
    if isinstance(cell, view.Badge):
        return _md(cell.text)
    if isinstance(cell, view.CheckRef):
        if cell.inline:
            return f"{_code(cell.id)} {_inline(cell.title)}"
        return f"{_inline(cell.title)} ({_code(cell.id)})"
    if isinstance(cell, view.Mark):
        return _MARKS[cell.role](cell.text)
    if isinstance(cell, view.Flagged):
        return f"{_md(cell.text)} ({_md(cell.flag)})"
    if isinstance(cell, view.CheckList):
        checks = "<br>".join(f"{_md(r.text)}: {_cell(c)}" for r, c in cell.checks)
        return checks or _md(cell.empty)
    return " · ".join(_md(b.text) for b in cell)


def _score(score: view.Score) -> str:
    line = (
        f"**{_md(score.label)}: {_md(score.value)}** {_md(score.out_of)} — "
        f"**{_md(score.band.text)}**\n"
    )
    tables = (
        _table([c.caption, c.count_label], ([_md(b.text), _md(n)] for b, n in c.rows))
        for c in score.counts
    )
    return _join([line, *tables])


def _finding(finding: view.Finding) -> str:
    return _join(
        [
            _heading(3, finding.title),
            f"{_bold(finding.severity.text)} · {_bold(finding.result.text)} · "
            f"{_code(finding.id)}\n",
            *(_detail(label, value) for label, value in (*finding.found, *finding.action)),
        ]
    )


def _detail(label: str, value: view.Detail) -> str:
    """A bold label and its value as one paragraph (a table follows its label); a note
    with no label (evidence rows left out) as it is."""
    if not label:
        return _md(str(value)) + "\n"
    if isinstance(value, view.TableData):
        return _join([f"**{_md(label)}:** \n", _grid(value)])
    if isinstance(value, view.Inline):
        text = _inline(value.text)
    elif isinstance(value, view.WaiverNote):
        text = f"{_md(value.text)} ({_cell(value.state)})"
    else:
        text = _inline(value)
    return f"**{_md(label)}:** {text}\n"


def _matrix(matrix: view.Matrix) -> str:
    """Numbered columns (a key below) keep the Markdown matrix narrow."""
    legend = " · ".join(f"{symbol.text} {_md(text)}" for symbol, text in matrix.legend)
    head = [matrix.corner, *(str(n) for n in range(1, len(matrix.checks) + 1))]
    rows = ([_md(host), *(s.text for s in symbols)] for host, symbols in matrix.rows)
    key = "\n".join(f"{n}. {_cell(c)}" for n, c in enumerate(matrix.checks, 1))
    return _join([f"**{_md(matrix.legend_label)}:** {legend}\n", _table(head, rows), key + "\n"])
