"""Terminal tables that never cut a value: a table when it fits, one block per record otherwise.

Identifiers, scores, dates and other short values are never wrapped or cut. When
they and a readable width for the long columns (titles, evidence) fit the
console, the records are a table; otherwise each record is a block: its key on
a line of its own, the short values on the next, then each long value, wrapped.

Output to a pipe or a file is plain: no colour, no box-drawing characters.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

from rich.box import HEAVY_HEAD, Box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from netwatch.times import parse_utc

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, JustifyMethod, RenderableType, RenderResult

# Like rich's SIMPLE box, in ASCII: a line of dashes under the header, nothing else.
PLAIN_BOX = Box("    \n    \n -- \n    \n    \n -- \n    \n    \n", ascii=True)
LONG_MIN_WIDTH = 16  # the narrowest a wrapped column may get before records stack
INDENT = 2
SEPARATOR = " · "


@dataclass(frozen=True)
class Column:
    """One field of a record.

    ``role``: ``key`` names the record (the first line of a stacked block), ``short``
    is a value never wrapped (ids, numbers, dates), ``long`` is prose that wraps.
    ``label``: in stacked blocks, print ``header: value`` (for values that need it,
    such as two dates). ``one_line``: a long value cut to one line (the full text
    is elsewhere, e.g. behind ``--details``).
    """

    header: str
    role: Literal["key", "short", "long"] = "short"
    justify: JustifyMethod = "left"
    label: bool = False
    one_line: bool = False


def output_console(file: TextIO | None = None, width: int | None = None) -> Console:
    """A console on ``file`` (stdout): styled on a terminal, plain text anywhere else."""
    stream = file if file is not None else sys.stdout
    terminal = is_terminal(stream)
    return Console(
        file=stream,
        width=width,
        force_terminal=terminal,
        no_color=not terminal,
        highlight=False,
        emoji=False,
    )


def progress_console() -> Console | None:
    """A console on stderr for progress displays, or None when stderr is not a terminal."""
    return Console(stderr=True) if is_terminal(sys.stderr) else None


def is_terminal(stream: TextIO) -> bool:
    """True when ``stream`` is an interactive terminal."""
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _width(markup: str) -> int:
    return max((Text.from_markup(line).cell_len for line in markup.split("\n")), default=0)


def fits(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    long_min: int = LONG_MIN_WIDTH,
) -> bool:
    """True when the records fit ``width`` as a table with ``long_min`` for each long column."""
    needed = 1 + 3 * len(columns)  # the borders and one space of padding each side
    for index, column in enumerate(columns):
        if column.role == "long":
            needed += max(long_min, Text(column.header).cell_len)
        else:
            cells = [_width(row[index]) for row in rows]
            needed += max([Text(column.header).cell_len, *cells])
    return needed <= width


def records(
    console: Console,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    long_min: int = LONG_MIN_WIDTH,
) -> RenderableType:
    """The rows (rich markup cells) as a table, or as stacked blocks when it would not fit.

    ``long_min``: the narrowest a long column may be in a table (wider for paragraphs).
    """
    used = [i for i, c in enumerate(columns) if c.role == "key" or any(r[i] for r in rows)]
    columns = [columns[i] for i in used]  # a column empty in every row says nothing
    rows = [[row[i] for i in used] for row in rows]
    if fits(columns, rows, console.width, long_min):
        return _table(console, title, columns, rows)
    return Stacked(title, columns, rows)


def _table(
    console: Console, title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]
) -> Table:
    plain = not console.is_terminal
    table = Table(
        title=title or None,
        title_justify="left",
        title_style="bold",
        box=PLAIN_BOX if plain else HEAVY_HEAD,
        show_edge=not plain,
        expand=any(c.role == "long" for c in columns),
    )
    for column in columns:
        if column.role == "long":
            table.add_column(
                column.header,
                justify=column.justify,
                no_wrap=column.one_line,
                overflow="ellipsis" if column.one_line else "fold",
                min_width=LONG_MIN_WIDTH,
                ratio=1,
            )
        else:
            table.add_column(column.header, justify=column.justify, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def key_values(console: Console, title: str, pairs: Sequence[tuple[str, str]]) -> Table:
    """Labels and values (rich markup), the values wrapped to the console, never cut."""
    plain = not console.is_terminal
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False,
                  box=PLAIN_BOX if plain else HEAVY_HEAD, show_edge=not plain)  # fmt: skip
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        table.add_row(label, value)
    return table


class Stacked:
    """Records as blocks: the key, then the short values on one line, then each long value.

    Lines below the key are indented and wrapped to the console (never padded with spaces).
    """

    def __init__(
        self, title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]
    ) -> None:
        self.title = title
        self.columns = columns
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """One block per record, separated by blank lines."""
        width = max(options.max_width - INDENT, 1)
        if self.title:
            yield Text(self.title, style="bold")
        for number, row in enumerate(self.rows):
            if self.title or number:
                yield Text("")
            cells = list(zip(self.columns, row, strict=True))
            key = " ".join(cell for column, cell in cells if column.role == "key" and cell)
            if key:
                yield Text.from_markup(key, style="bold", overflow="fold")
            for text in self._details(cells, width):
                lines = text.wrap(console, width, overflow=text.overflow, no_wrap=text.no_wrap)
                for line in lines:
                    line.rstrip()
                    yield Text(" " * INDENT) + line
        if self.rows:
            yield Text("")  # the block ends before whatever follows

    @staticmethod
    def _details(cells: list[tuple[Column, str]], width: int) -> list[Text]:
        texts: list[Text] = []
        for column, cell in cells:  # short values packed into lines, broken between values
            if column.role != "short" or not cell:
                continue
            value = Text.from_markup(f"{column.header}: {cell}" if column.label else cell)
            value.overflow = "fold"
            if texts and texts[-1].cell_len + len(SEPARATOR) + value.cell_len <= width:
                texts[-1].append(SEPARATOR)
                texts[-1].append_text(value)
            else:
                texts.append(value)
        for column, cell in cells:
            if column.role == "long" and cell:
                for paragraph in cell.split("\n"):
                    text = Text.from_markup(
                        f"{column.header}: {paragraph}" if column.label else paragraph
                    )
                    text.overflow = "ellipsis" if column.one_line else "fold"
                    text.no_wrap = column.one_line
                    texts.append(text)
        return texts


def packed(head: str, items: Sequence[str], width: int) -> str:
    """``head`` and ``items`` (markup) joined by `` · ``, broken into lines only between items.

    ``Pass 40 · Fail 9 · Error 1`` never leaves a count on another line than its name.
    """
    lines = [head]
    for index, item in enumerate(items):
        glue = " " if index == 0 else SEPARATOR
        if index and _width(lines[-1]) + len(glue) + _width(item) > width:
            lines.append(" " * INDENT + item)
        else:
            lines[-1] += glue + item
    return "\n".join(lines)


def short_time(value: float | str) -> str:
    """A Unix time or an ISO 8601 UTC time as local ``2024-06-20 03:00``; other text unchanged."""
    if not isinstance(value, str):
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(value))
    try:
        moment = parse_utc(value).timestamp()
    except (ValueError, OverflowError):
        return value
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))
