"""Acceptance: a real spreadsheet program opens the register. LibreOffice headless (Debian's
libreoffice-calc-nogui, installed by tests/run.sh) converts the workbook to CSV, every sheet,
and to PDF; its CSVs match ours and the PDF holds the machines."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.assets.test_register import build, written

pytestmark = pytest.mark.integration  # LibreOffice headless

# Comma, double quote, UTF-8, from row 1, default columns, default language, quoted fields
# not forced to text, special numbers detected, cells as shown, no formulas, spaces kept,
# every sheet to a file of its own
SHEETS = ("machines", "software", "peripherals", "changes")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("soffice not found: tests/run.sh installs libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed on this machine; CI installs it")


def convert(book: Path, target: str, out: Path) -> None:
    subprocess.run(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation={(out / 'profile').as_uri()}",
         "--convert-to", target, "--outdir", str(out), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip


def rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.reader(stream))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_libreoffice_reads_the_workbook_as_we_wrote_it(tmp_path: Path, lang: str) -> None:
    result = build(tmp_path / "register", lang)
    book = written(result, ".xlsx")
    out = tmp_path / "libreoffice"
    convert(book, CSV_FILTER, out)
    titles = load_workbook(book, read_only=True).sheetnames
    for key, title in zip(SHEETS, titles, strict=False):
        ours = rows(written(result, f"-{key}.csv"), "utf-8-sig")
        theirs = rows(out / f"{book.stem}-{title}.csv")
        assert len(theirs) == len(ours), key
        for mine, seen in zip(ours, theirs, strict=True):
            # our CSV quotes a text a spreadsheet would take for a formula; theirs is the text
            assert [m.removeprefix("'") if m.startswith("'=") else m for m in mine] == seen, key
    assert (
        sum(1 for r in rows(written(result, "-software.csv"), "utf-8-sig") if r[1].startswith("'="))
        == 1
    )


def test_libreoffice_prints_the_workbook(tmp_path: Path) -> None:
    book = written(build(tmp_path / "register", "vi"), ".xlsx")
    out = tmp_path / "libreoffice"
    convert(book, "pdf", out)
    pdf = out / f"{book.stem}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout  # fmt: skip
    flat = " ".join(text.split())
    for expected in ("PC-KETOAN-01", "LAP-GIAMDOC", "srv-vanban-01", "Nguyễn Thị Hoa", "Tên máy",
                     "Phòng Kế toán", "7KQ2VX3", "Cốc Cốc", "DELL P2422H", "14/05/2024"):  # fmt: skip
        assert expected in flat, expected
