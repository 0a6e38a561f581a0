"""Print ``netwatch check`` results as a table or JSON."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import typer

from netwatch.posture.model import Text
from netwatch.probes.record import as_record, cert_days_left
from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.targets import display_target
from netwatch.times import utc_iso

if TYPE_CHECKING:
    from rich.console import Console


def print_json(outcomes: list[tuple[ProbeJob, ProbeResult]], started: float) -> None:
    """The results as one JSON document on stdout."""
    now = time.time()
    document = {
        "checked_at": utc_iso(started),
        "up": sum(1 for _, r in outcomes if r.success),
        "down": sum(1 for _, r in outcomes if not r.success),
        "results": [as_record(job, result, now) for job, result in outcomes],
    }
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


CERT_WARNING_DAYS = 14  # the default warning threshold of the certificate checks
WORDS = {
    "title": Text("Service checks", "Kiểm tra dịch vụ"),
    "service": Text("Service", "Dịch vụ"),
    "kind": Text("Kind", "Kiểu"),
    "target": Text("Target", "Địa chỉ"),
    "status": Text("Status", "Trạng thái"),
    "latency": Text("Latency", "Thời gian"),
    "cert": Text("Cert days", "Chứng thư (ngày)"),
    "detail": Text("Detail", "Chi tiết"),
    "up": Text("UP", "HOẠT ĐỘNG"),
    "down": Text("DOWN", "LỖI"),
    "expiring": Text("expires soon", "sắp hết hạn"),
    "summary": Text("{up} up, {down} down", "{up} hoạt động, {down} lỗi"),
}


def print_table(
    outcomes: list[tuple[ProbeJob, ProbeResult]],
    lang: str = "en",
    console: Console | None = None,
    now: float | None = None,
) -> None:
    """The results, down services first: a table when it fits, one block per service otherwise."""
    from rich.markup import escape

    from netwatch.cli.tables import Column, output_console, records

    console = console or output_console()
    now = time.time() if now is None else now
    word = {key: text.get(lang) for key, text in WORDS.items()}
    columns = (
        Column(word["service"], "key"), Column(word["kind"]), Column(word["target"]),
        Column(word["status"]), Column(word["latency"], justify="right"),
        Column(word["cert"], justify="right", label=True), Column(word["detail"], "long"),
    )  # fmt: skip
    rows = []
    for job, result in sorted(outcomes, key=lambda pair: (pair[1].success, pair[0].service)):
        days = cert_days_left(result, now)
        status = f"[green]{word['up']}[/]" if result.success else (
            f"[red]{word['down']}[/] ({escape(result.reason)})")  # fmt: skip
        cert = ""
        if days is not None:
            soon = days < CERT_WARNING_DAYS
            cert = f"[red]{days:.0f} ({word['expiring']})[/]" if soon else f"{days:.0f}"
        detail = result.detail or result.info.get("http_version", "")
        rows.append([escape(job.service), job.kind, escape(display_target(job.target)), status,
                     f"{result.duration * 1000:.0f} ms", cert, escape(detail)])  # fmt: skip
    console.print(records(console, word["title"], columns, rows))
    down = sum(1 for _, r in outcomes if not r.success)
    console.print(WORDS["summary"].get(lang).format(up=len(outcomes) - down, down=down))
