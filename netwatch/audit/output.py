"""Write reports atomically under timestamped names; an existing file is never replaced.

Each file is written to a temporary file in the target directory, flushed to
disk, then hard-linked to its final name: the link fails when the name is
taken, so ``-2``, ``-3`` ... are tried instead. Files are readable by their
owner only (a report lists a host's weaknesses).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path

from netwatch.audit.model import AuditReport, OfficeReport
from netwatch.audit.render_html import render_host_html, render_office_html
from netwatch.audit.render_markdown import render_host_markdown, render_office_markdown
from netwatch.core.errors import UsageError
from netwatch.times import parse_utc

ALL_FORMATS = ("json", "html", "md")
RENDERED_FORMATS = ("html", "md")
# link(2) refused by the filesystem (FAT/exFAT USB sticks, some network shares).
NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOSYS}


def report_json(report: AuditReport | OfficeReport) -> str:
    """The report as its published JSON document."""
    return report.model_dump_json(by_alias=True, indent=2) + "\n"


def render(
    report: AuditReport | OfficeReport, lang: str, fmt: str, software: str = "summary"
) -> str:
    """The report as ``json``, ``html`` or ``md`` text in ``lang``; ``software``: the host
    report's software appendix (full, summary or none; the JSON always lists it all)."""
    if fmt == "json":
        return report_json(report)
    html = fmt == "html"
    if isinstance(report, OfficeReport):
        return render_office_html(report, lang) if html else render_office_markdown(report, lang)
    if html:
        return render_host_html(report, lang, software)
    return render_host_markdown(report, lang, software)


def render_all(
    report: AuditReport | OfficeReport,
    lang: str,
    formats: tuple[str, ...] = ALL_FORMATS,
    software: str = "summary",
) -> dict[str, str]:
    """Every requested format, rendered before anything is written; keyed by file extension."""
    return {fmt: render(report, lang, fmt, software) for fmt in formats}


def safe_name(name: str) -> str:
    """A hostname reduced to characters that are safe in a file name everywhere."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "host"


def report_stem(report: AuditReport | OfficeReport) -> str:
    """``netwatch-audit-<hostname>-<YYYYMMDD-HHMMSS>`` or ``netwatch-office-<...>`` (UTC)."""
    stamp = parse_utc(report.generated_at).strftime("%Y%m%d-%H%M%S")
    if isinstance(report, OfficeReport):
        return f"netwatch-office-{stamp}"
    return f"netwatch-audit-{safe_name(report.host.hostname)}-{stamp}"


def check_output_dir(directory: Path) -> None:
    """Raise :class:`UsageError` unless reports can be written in ``directory``: it is a
    directory, or can be created in its nearest existing parent, and this user may write
    there. Commands call it before any work, so a wrong folder fails at once."""
    existing = directory
    while not os.path.exists(existing) and existing.parent != existing:  # never raises
        existing = existing.parent
    if not os.path.isdir(existing):
        where = "" if existing == directory else f"{existing} "
        raise UsageError(f"--output {directory}: {where}is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        action = "write in it" if existing == directory else f"create it in {existing}"
        raise UsageError(f"--output {directory}: cannot {action}: permission denied")


def write_documents(directory: Path, stem: str, documents: dict[str, str]) -> list[Path]:
    """Write ``{extension: text}`` as ``<stem>.<extension>`` files; returns the paths written.

    The directory is created when missing. Files of one call share a suffix
    (``-2`` ...) unless another writer takes a name in between.
    """
    check_output_dir(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    number = 1
    for extension, text in documents.items():
        path, number = write_new(directory, stem, extension, text.encode("utf-8"), number)
        paths.append(path)
    return paths


def _name(stem: str, number: int, extension: str) -> str:
    return f"{stem}.{extension}" if number == 1 else f"{stem}-{number}.{extension}"


def write_new(
    directory: Path, stem: str, extension: str, data: bytes, number: int = 1
) -> tuple[Path, int]:
    """Write ``data`` to the first free name from ``number`` on; the path and its number."""
    handle, temp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        while True:
            target = directory / _name(stem, number, extension)
            try:
                _publish(temp, target)
            except FileExistsError:
                number += 1
                continue
            _sync_directory(directory)
            return target, number
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _publish(temp: str, target: Path) -> None:
    """Give the complete temporary file its final name; FileExistsError when taken."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        # No hard links here: claim the name exclusively, then move the file over the claim.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(temp, target)


def _sync_directory(directory: Path) -> None:
    """Make the new name durable (POSIX; best effort where directories cannot be synced)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
