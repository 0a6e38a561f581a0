"""Print ``netwatch check`` results as a table or JSON."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import typer

from netwatch.probes.record import as_record, cert_days_left
from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.targets import display_target
from netwatch.times import utc_iso

if TYPE_CHECKING:
    from rich.console import JustifyMethod


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


def print_table(outcomes: list[tuple[ProbeJob, ProbeResult]]) -> None:
    """The results as a rich table, down services first."""
    from rich.console import Console
    from rich.table import Table

    now = time.time()
    table = Table(title="Service checks", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("Service", "left"), ("Kind", "left"), ("Target", "left"), ("Status", "left"),
        ("Latency", "right"), ("Cert days", "right"), ("Detail", "left"),
    )  # fmt: skip
    for column, justify in columns:
        table.add_column(column, justify=justify)
    ordered = sorted(outcomes, key=lambda pair: (pair[1].success, pair[0].service))
    for job, result in ordered:
        days = cert_days_left(result, now)
        status = "[green]UP[/]" if result.success else f"[red]DOWN[/] ({result.reason})"
        detail = result.detail or result.info.get("http_version", "")
        table.add_row(
            job.service, job.kind, display_target(job.target), status,
            f"{result.duration * 1000:.0f} ms",
            "" if days is None else f"[{'red' if days < 14 else 'default'}]{days:.0f}[/]",
            detail,
        )  # fmt: skip
    console = Console()
    console.print(table)
    down = sum(1 for _, r in outcomes if not r.success)
    console.print(f"{len(outcomes) - down} up, {down} down")
