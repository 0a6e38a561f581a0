"""The register's printable summary as HTML (printed to PDF by netwatch.register.pdf).

Laid out with the audit report's page, styles and signature block (netwatch.audit.view
and render_html): counts by department, operating system, activation and type, the
changes since the previous register, the list of machines, then who prepared and approves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape

from netwatch import __version__
from netwatch.audit import view
from netwatch.audit.i18n import format_date, format_number
from netwatch.audit.render_html import page_html, section_html
from netwatch.register.changes import Change
from netwatch.register.labels import text
from netwatch.register.sheets import MACHINE_COLUMNS, Cell, Machine, machine_row

CHANGES_SHOWN = 60


def _e(value: object) -> str:
    return escape(str(value))


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: int = -1) -> str:
    """A plain table; the column at ``numeric`` is right-aligned numbers."""
    heads = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td><span class="num">{_e(c)}</span></td>' if i == numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"


def _counts(title: str, key: str, values: Iterable[str], lang: str) -> str:
    """A heading and a table of how many machines have each value, most first."""
    unassigned = text("summary.unassigned", lang)
    counted = Counter(v or unassigned for v in values)
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    rows = [(name, format_number(n, lang)) for name, n in ranked]
    head = (text(f"col.{key}", lang), text("summary.count", lang))
    return f"<h3>{_e(title)}</h3>{_table(head, rows, numeric=1)}"


def _cover(office: str, machines: int, generated_at: str, previous: str | None, changes: int,
           lang: str) -> str:  # fmt: skip
    date = format_date(generated_at, lang)
    count = format_number(machines, lang)
    facts = (
        (text("summary.date", lang), date),
        (text("summary.machines", lang), count),
        (text("summary.previous", lang),
         format_date(previous, lang) if previous else text("summary.previous_none", lang)),
        (text("summary.changes_count", lang), format_number(changes, lang) if previous else "—"),
    )  # fmt: skip
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    head = f'<div class="office">{_e(office)}</div>' if office else ""
    return (
        f'<section class="cover">{head}<div class="rule"></div>'
        f"<h1>{_e(text('summary.title', lang))}</h1>"
        f'<p class="subtitle">{_e(text("summary.subtitle", lang, count=count))}</p>'
        f'<p class="date">{_e(date)}</p><table class="facts"><tbody>{rows}</tbody></table>'
        f'<div class="foot">{_e(text("summary.footer", lang, version=__version__))}</div></section>'
    )


def _changes(changes: list[Change], previous: str | None, lang: str) -> str:
    title = f"<h2>{_e(text('summary.changes', lang))}</h2>"
    if previous is None or not changes:
        note = text("summary.no_previous" if previous is None else "summary.no_changes", lang)
        return f'<section>{title}<p class="note">{_e(note)}</p></section>'
    head = [text(f"col.{key}", lang) for key in ("hostname", "what", "before", "after")]
    rows = [(c.hostname, c.what, c.before, c.after) for c in changes[:CHANGES_SHOWN]]
    more = len(changes) - CHANGES_SHOWN
    more_note = text("summary.more_changes", lang, count=format_number(more, lang))
    note = f'<p class="note">{_e(more_note)}</p>' if more > 0 else ""
    return f"<section>{title}{_table(head, rows)}{note}</section>"


LIST_COLUMNS = ("hostname", "department", "room", "owner", "asset_tag", "model", "serial")
COLUMN = {column.key: index for index, column in enumerate(MACHINE_COLUMNS)}


def _machine_list(rows: list[tuple[Cell, ...]], lang: str) -> str:
    shown = [[str(row[COLUMN[key]] or "") for key in LIST_COLUMNS] for row in rows]
    head = [text(f"col.{key}", lang) for key in LIST_COLUMNS]
    title = text("summary.machine_list", lang)
    return f'<section class="newpage"><h2>{_e(title)}</h2>{_table(head, shown)}</section>'


def _windows_status(machine: Machine, lang: str) -> str:
    licence = machine.host.hardware.windows_licence
    return text(f"status.{licence.status}", lang) if licence else text("not_windows", lang)


def render_summary(
    machines: list[Machine],
    changes: list[Change],
    *,
    office: str,
    generated_at: str,
    previous: str | None,
    preparer: str,
    approver: str,
    lang: str,
) -> str:
    """The printable summary of the register as a self-contained HTML document."""
    rows = [machine_row(m, office, lang) for m in machines]

    def column(key: str) -> list[str]:
        return [str(row[COLUMN[key]] or "") for row in rows]

    os_names = [" ".join(p for p in (m.host.os_name, m.host.os_version) if p) for m in machines]
    counts = (
        _counts(text("summary.by_department", lang), "department", column("department"), lang)
        + _counts(text("summary.by_os", lang), "os_name", os_names, lang)
        + _counts(text("summary.by_activation", lang), "windows_status",
                  [_windows_status(m, lang) for m in machines], lang)
        + _counts(text("summary.by_chassis", lang), "chassis", column("chassis"), lang)
    )  # fmt: skip
    body = (
        _cover(office, len(machines), generated_at, previous, len(changes), lang)
        + f"<section><h2>{_e(text('summary.machines', lang))}</h2>{counts}</section>"
        + _changes(changes, previous, lang)
        + section_html(view.signature_section(preparer, approver, lang))
        + _machine_list(rows, lang)
    )
    title = text("summary.title", lang)
    return page_html(lang, f"{title} — {office}" if office else title, body)
