"""The office register (``netwatch report assets``): many hosts' reports into one workbook,
a CSV per sheet and a printable summary, with the changes since the previous register.

Everything is read and checked before anything is written; files are written as the audit
reports are (netwatch.audit.output: new names, never replacing a file, owner-only).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from netwatch.audit.output import check_output_dir, write_new
from netwatch.register.assignments import load_asset_csv
from netwatch.register.changes import Change, register_changes, snapshot
from netwatch.register.hosts import HostFacts, load_host, newest_per_host
from netwatch.register.pdf import print_pdf
from netwatch.register.sheets import build_sheets, machines
from netwatch.register.summary_html import render_summary
from netwatch.register.workbook import csv_bytes, read_snapshot, workbook_bytes
from netwatch.times import parse_utc, utc_iso


@dataclass(frozen=True)
class RegisterRequest:
    """What to build: the input files and the options of ``report assets``."""

    files: list[Path]
    output: Path
    lang: str = "en"
    office: str = ""
    preparer: str = ""
    approver: str = ""
    previous: Path | None = None
    assets_csv: Path | None = None
    pdf: bool = True


@dataclass
class RegisterResult:
    """What was written and what the reader should know."""

    paths: list[Path] = field(default_factory=list)
    machines: int = 0
    changes: list[Change] = field(default_factory=list)
    superseded: list[HostFacts] = field(default_factory=list)
    pdf_problem: str = ""


def _write(directory: Path, stem: str, extension: str, data: bytes, result: RegisterResult) -> None:
    path, _ = write_new(directory, stem, extension, data)
    result.paths.append(path)


def build_register(request: RegisterRequest, now: str | None = None) -> RegisterResult:
    """Read every input, then write the workbook, the CSVs, the HTML and (with Chromium)
    the PDF into ``request.output``."""
    check_output_dir(request.output)
    assets = load_asset_csv(request.assets_csv) if request.assets_csv else None
    previous = read_snapshot(request.previous) if request.previous else None
    hosts, superseded = newest_per_host([load_host(path) for path in request.files])
    generated_at = now or utc_iso()
    register = machines(hosts, assets)
    fingerprints = snapshot(hosts, generated_at)
    lang = request.lang
    changes = register_changes(previous, fingerprints, lang) if previous else []
    sheets = build_sheets(register, changes, request.office, lang)
    previous_at = previous.generated_at if previous else None
    html = render_summary(
        register, changes, office=request.office, generated_at=generated_at, previous=previous_at,
        preparer=request.preparer, approver=request.approver, lang=lang,
    )  # fmt: skip
    book = workbook_bytes(sheets, fingerprints, lang)
    result = RegisterResult(machines=len(hosts), changes=changes, superseded=superseded)
    output = request.output
    output.mkdir(parents=True, exist_ok=True)
    stem = "netwatch-assets-" + parse_utc(generated_at).strftime("%Y%m%d-%H%M%S")
    _write(output, stem, "xlsx", book, result)
    for sheet in sheets:
        _write(output, f"{stem}-{sheet.key}", "csv", csv_bytes(sheet, lang), result)
    _write(output, stem, "html", html.encode("utf-8"), result)
    if request.pdf:
        result.pdf_problem = _pdf(output, stem, result)
    return result


def _pdf(output: Path, stem: str, result: RegisterResult) -> str:
    """Print the summary just written; why not, when it could not be."""
    with tempfile.TemporaryDirectory(prefix="netwatch-assets-") as work:
        pdf = Path(work) / f"{stem}.pdf"
        problem = print_pdf(result.paths[-1], pdf)
        if not problem:
            _write(output, stem, "pdf", pdf.read_bytes(), result)
    return problem
