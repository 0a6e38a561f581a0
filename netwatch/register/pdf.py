"""The register's summary printed to PDF by headless Chromium, when one is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT = 180


def browser() -> str | None:
    """A headless-capable Chromium on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path) -> str:
    """Print ``html`` to ``pdf`` with headless Chromium, offline and with a throwaway
    profile; '' when done, else why not (no browser, or the browser failed)."""
    program = browser()
    if program is None:
        return "no Chromium found (install chromium to get the PDF)"
    with tempfile.TemporaryDirectory(prefix="netwatch-pdf-") as profile:
        command = [program, "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf}", html.resolve().as_uri()]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses root with its sandbox
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=PDF_TIMEOUT)  # noqa: S603 - fixed argv
        except (OSError, subprocess.SubprocessError) as exc:
            return f"Chromium could not print it: {type(exc).__name__}"
    return "" if pdf.is_file() and pdf.stat().st_size > 0 else "Chromium wrote no PDF"
