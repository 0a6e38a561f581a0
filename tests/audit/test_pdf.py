"""Acceptance: the HTML reports print to PDF in headless Chromium, offline, with the right text.

The first page of each PDF is kept as a PNG for review, in ``NETWATCH_TEST_ARTIFACTS``
(default: a folder under the system temporary directory, never the checkout).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from netwatch.audit.i18n import t
from netwatch.audit.render_html import render_host_html, render_office_html
from tests.audit.test_render_html import load_host, load_office

pytestmark = pytest.mark.integration  # headless Chromium

ARTIFACTS = Path(
    os.environ.get("NETWATCH_TEST_ARTIFACTS")
    or Path(tempfile.gettempdir()) / "netwatch-test-artifacts"
)
A4_PORTRAIT = (595, 842)  # points, rounded


def tool(*names: str) -> str:
    """The first of ``names`` on PATH; tests/run.sh installs them (chromium, poppler-utils)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' or '.join(names)} not found: run bash tests/run.sh (it installs it)")


def print_pdf(document: str, directory: Path, name: str) -> Path:
    """``document`` printed to PDF by headless Chromium, with no network and no profile."""
    html = directory / f"{name}.html"
    html.write_text(document, encoding="utf-8")
    pdf = directory / f"{name}.pdf"
    subprocess.run(
        [tool("chromium", "chromium-browser"), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={directory / 'profile'}",
         "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert pdf.stat().st_size > 10_000
    return pdf


def pdf_text(pdf: Path) -> str:
    """The PDF's text in reading order (a table cell's lines together), whitespace-normalised
    (pdftotext breaks long titles across lines)."""
    result = subprocess.run([tool("pdftotext"), str(pdf), "-"], check=True,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    return " ".join(result.stdout.split())


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """Each page's size in points, rounded."""
    result = subprocess.run([tool("pdfinfo"), "-f", "1", "-l", "999", str(pdf)], check=True,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", result.stdout)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


def page_texts(pdf: Path) -> list[str]:
    """Each page's text (pdftotext ends every page with a form feed)."""
    result = subprocess.run([tool("pdftotext"), "-layout", str(pdf), "-"], check=True,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    return result.stdout.split("\f")[:-1]


def assert_no_near_empty_page(pdf: Path) -> None:
    """Every page but the first and the last holds at least 15% of the fullest page's text."""
    sizes = [len("".join(text.split())) for text in page_texts(pdf)]
    for number, size in enumerate(sizes[1:-1], start=2):
        assert size >= 0.15 * max(sizes), f"page {number}: {size} characters of {sizes}"


def first_page_png(pdf: Path, name: str) -> Path:
    """Page 1 rendered at 100 dpi into ARTIFACTS (A4: 827 x 1169 pixels)."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run([tool("pdftoppm"), "-png", "-r", "100", "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(stem)], check=True, timeout=60)  # fmt: skip
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 10_000
    return png


def test_host_report_pdf_in_vietnamese(tmp_path: Path) -> None:
    report = load_host("weak").model_copy(update={"preparer": "Lê Văn Bình"})
    pdf = print_pdf(render_host_html(report, "vi"), tmp_path, "host-vi")
    text = pdf_text(pdf)
    folded = text.casefold()
    assert t("report.title", "vi").casefold() in folded
    assert report.host.hostname in text
    assert report.office.casefold() in folded
    failing = [r for r in report.results if r.result in ("fail", "error", "waived")]
    assert len(failing) == 14
    for record in failing:
        assert " ".join(record.title.vi.split()) in text, record.id
    assert "22/11/2026 08:08 (UTC)" in text and "50,5" in text
    assert text.count("50,5") == 2, "the score once on the cover, once in the changes"
    assert "Trang 2 / " in text
    for key in ("sign.prepared_by", "sign.approved_by", "sign.prepared_hint", "sign.seal"):
        assert t(key, "vi").casefold() in folded, key
    assert "Lê Văn Bình" in text
    sizes = page_sizes(pdf)
    assert 2 <= len(sizes) <= 8 and set(sizes) == {A4_PORTRAIT}, sizes
    assert_no_near_empty_page(pdf)
    first_page_png(pdf, "audit-host-vi-cover")


@pytest.mark.parametrize("software", ["none", "full"])
def test_host_report_pdf_software_appendix(tmp_path: Path, software: str) -> None:
    report = load_host("weak")
    assert report.inventory is not None
    pdf = print_pdf(render_host_html(report, "en", software), tmp_path, f"host-{software}")
    text = pdf_text(pdf)
    listed = sorted(p.name for p in report.inventory.software)
    assert (listed[-1] in text) == (software == "full")
    assert (t("inventory.software", "en") in text) == (software == "full")
    assert_no_near_empty_page(pdf)


def test_full_width_tables_keep_their_right_border(tmp_path: Path) -> None:
    """The right border of the widest table is inside the page: the rightmost dark pixel
    column of page 1 is left of the right margin (15 mm; 100 dpi: 59 px) less a hair."""
    pdf = print_pdf(render_host_html(load_host("weak"), "vi"), tmp_path, "border")
    ppm = tmp_path / "page"
    subprocess.run([tool("pdftoppm"), "-gray", "-r", "100", "-f", "2", "-l", "2", "-singlefile",
                    str(pdf), str(ppm)], check=True, timeout=60)  # fmt: skip
    width, height, pixels = read_pgm(ppm.with_suffix(".pgm"))
    right_edge = max(
        (x for y in range(height) for x in range(width - 1, -1, -1)
         if pixels[y * width + x] < 230),
        default=0,
    )  # fmt: skip
    margin = round(15 / 25.4 * 100)
    assert width - margin - 3 <= right_edge <= width - margin + 1, (right_edge, width)


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """A binary PGM (P5, 8 bits) as width, height and pixel bytes."""
    data = path.read_bytes()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255"
    return int(fields[1]), int(fields[2]), fields[4]


def test_office_report_pdf_has_a_landscape_matrix(tmp_path: Path) -> None:
    office = load_office()
    pdf = print_pdf(render_office_html(office, "en"), tmp_path, "office-en")
    text = pdf_text(pdf)
    assert t("office.title", "en").casefold() in text.casefold()
    for host in office.hosts:
        assert host.hostname in text
    sizes = page_sizes(pdf)
    assert sizes[0] == A4_PORTRAIT
    assert sizes[-1] == A4_PORTRAIT[::-1], sizes
    first_page_png(pdf, "audit-office-en-cover")
