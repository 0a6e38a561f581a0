"""The register as an XLSX workbook and as CSV files, and the previous register read back.

Each sheet has a bold frozen header row, an auto filter and columns as wide as their
content (capped); numbers are numbers and dates are dates with a date format. The
fingerprints the next run compares with are JSON in a hidden sheet. A CSV is UTF-8 with a
BOM (Excel then reads Vietnamese correctly), values written as the workbook shows them; a
text that a spreadsheet would take for a formula starts with an apostrophe there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from pydantic import ValidationError

from netwatch.core.errors import UsageError
from netwatch.core.yamlfile import printable
from netwatch.register.changes import SNAPSHOT_FORMAT, SNAPSHOT_VERSION, Snapshot
from netwatch.register.sheets import Cell, Column, Sheet

DATA_SHEET = "netwatch-data"
CHANGED = "the hidden data sheet was changed: cannot compare with it"
CHUNK = 30_000  # characters of JSON per cell (a cell holds at most 32,767)
MIN_WIDTH, MAX_WIDTH = 8, 60
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # no XML 1.0 file can hold them
# Excel number formats and the same as strftime patterns, per language
DATE_FORMATS = {"en": ("yyyy-mm-dd", "%Y-%m-%d"), "vi": ("dd/mm/yyyy", "%d/%m/%Y")}
TIME_FORMATS = {"en": ("yyyy-mm-dd hh:mm", "%Y-%m-%d %H:%M"),
                "vi": ("dd/mm/yyyy hh:mm", "%d/%m/%Y %H:%M")}  # fmt: skip


def shown(value: Cell, column: Column, lang: str) -> str:
    """``value`` as the workbook shows it (and the CSV writes it)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(TIME_FORMATS[lang][1])
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMATS[lang][1])
    if isinstance(value, float):
        return f"{value:.10g}"
    return CONTROL.sub("", str(value))


def _widths(sheet: Sheet, lang: str) -> list[float]:
    """Each column's width in characters: its longest value or header, within bounds."""
    widths = [len(h) for h in sheet.headers]
    for row in sheet.rows:
        for index, (value, column) in enumerate(zip(row, sheet.columns, strict=True)):
            widths[index] = max(widths[index], len(shown(value, column, lang)))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def _cell(sheet: Any, value: Cell, column: Column, lang: str) -> Any:
    """The value to append: as it is, or a cell with a date format or forced to text."""
    if isinstance(value, str):
        value = CONTROL.sub("", value)
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a text starting with '=' stays text, never a formula
        return cell
    if column.kind in ("date", "datetime") and value is not None:
        cell = WriteOnlyCell(sheet, value=value)
        formats = DATE_FORMATS if column.kind == "date" else TIME_FORMATS
        cell.number_format = formats[lang][0]
        return cell
    return value


def _write_sheet(book: Any, sheet: Sheet, lang: str) -> None:
    out = book.create_sheet(sheet.title)
    for index, width in enumerate(_widths(sheet, lang), start=1):
        out.column_dimensions[get_column_letter(index)].width = width
    out.freeze_panes = "B2" if sheet.key == "machines" else "A2"
    extent = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
    out.auto_filter.ref = extent
    # Written as the sheet's <dimension>: a reader then need not scan the sheet for its size
    out.calculate_dimension = lambda: extent
    bold = Font(bold=True)
    header = []
    for title in sheet.headers:
        cell = WriteOnlyCell(out, value=title)
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    out.append(header)
    for row in sheet.rows:
        out.append([_cell(out, v, c, lang) for v, c in zip(row, sheet.columns, strict=True)])


def workbook_bytes(sheets: list[Sheet], snapshot: Snapshot, lang: str) -> bytes:
    """The XLSX file: the sheets, then the hidden sheet of fingerprints."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book, sheet, lang)
    data = book.create_sheet(DATA_SHEET)
    data.sheet_state = "hidden"
    document = json.dumps(
        snapshot.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    )
    data.append([SNAPSHOT_FORMAT])
    for start in range(0, len(document), CHUNK):
        data.append([document[start : start + CHUNK]])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_bytes(sheet: Sheet, lang: str) -> bytes:
    """The sheet as CSV: UTF-8 with a BOM, CRLF line ends, header row first."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow(
            _csv_text(shown(v, c, lang)) if isinstance(v, str) else shown(v, c, lang)
            for v, c in zip(row, sheet.columns, strict=True)
        )
    return stream.getvalue().encode("utf-8-sig")


class PreviousRegisterError(UsageError):
    """--previous names no register netwatch can compare with."""


def _fail(path: Path, problem: str) -> PreviousRegisterError:
    return PreviousRegisterError(printable(f"--previous {path}: {problem}"))


def newest_register(directory: Path) -> Path:
    """The newest register workbook netwatch wrote in ``directory``."""
    found = sorted(directory.glob("netwatch-assets-*.xlsx"), key=lambda p: p.stat().st_mtime_ns)
    if not found:
        raise _fail(directory, "no register workbook (netwatch-assets-*.xlsx) in this folder")
    return found[-1]


def _data_sheet(path: Path) -> str:
    """The JSON text of the workbook's hidden sheet."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _fail(path, f"not a workbook netwatch can read ({exc})") from None
    try:
        if DATA_SHEET not in book.sheetnames:
            raise _fail(path, "not a register written by netwatch (no hidden data sheet)")
        values = [row[0] for row in book[DATA_SHEET].iter_rows(values_only=True) if row]
    finally:
        book.close()
    if not values or values[0] != SNAPSHOT_FORMAT:
        raise _fail(path, CHANGED)
    return "".join(str(v) for v in values[1:] if v is not None)


def read_snapshot(path: Path) -> Snapshot:
    """The machines stored in a register workbook (or the newest one in a folder)."""
    if path.is_dir():
        path = newest_register(path)
    try:
        document = json.loads(_data_sheet(path))
    except ValueError:
        raise _fail(path, CHANGED) from None
    version = document.get("version") if isinstance(document, dict) else None
    if version == 1:
        raise _fail(path, "written by an older netwatch, whose hardware record cannot be "
                          "compared; build this register without --previous (the next one "
                          "compares with it)")  # fmt: skip
    if version != SNAPSHOT_VERSION:
        raise _fail(path, "written by another netwatch version: cannot compare with it")
    try:
        return Snapshot.model_validate(document)
    except ValidationError:
        raise _fail(path, CHANGED) from None
