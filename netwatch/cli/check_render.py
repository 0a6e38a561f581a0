"""Print ``netwatch check`` results as a table or JSON."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import typer

from netwatch.i18n import label
from netwatch.probes.record import as_record, cert_days_left, status
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


WORDS = {
    "title": label("Service checks"),
    "service": label("Service"),
    "kind": label("Kind"),
    "target": label("Target"),
    "status": label("Status"),
    "latency": label("Latency"),
    "cert": label("Cert days"),
    "detail": label("Detail"),
    "up": label("UP"),
    "warning": label("WARNING"),
    "down": label("DOWN"),
    "expiring": label("expires soon"),
    "summary": label("{up} up, {down} down"),
}


def print_table(
    outcomes: list[tuple[ProbeJob, ProbeResult]],
    lang: str = "en",
    console: Console | None = None,
    now: float | None = None,
) -> None:
    """The results, down services first: a table when it fits, one block per service otherwise.

    An ICMP probe's latency is its echo round trip; a certificate the probe warned about
    is marked as expiring soon, and the warnings join the detail.
    """
    from rich.markup import escape

    from netwatch.audit.i18n import probe_reason_name
    from netwatch.cli.tables import Column, output_console, records
    from netwatch.i18n import render

    console = console or output_console()
    now = time.time() if now is None else now
    word = {key: text.get(lang) for key, text in WORDS.items()}
    columns = (
        Column(word["service"], "key"), Column(word["kind"]), Column(word["target"]),
        Column(word["status"]), Column(word["latency"], justify="right"),
        Column(word["cert"], justify="right", label=True), Column(word["detail"], "long"),
    )  # fmt: skip
    style = {"up": "green", "warning": "yellow", "down": "red"}
    rows = []
    for job, result in sorted(outcomes, key=lambda pair: (pair[1].success, pair[0].service)):
        state = status(result)
        label = f"[{style[state]}]{word[state]}[/]"
        if state == "down":
            label += f" ({escape(probe_reason_name(result.reason, lang))})"
        days = cert_days_left(result, now)
        cert = "" if days is None else f"{days:.0f}"
        if cert and "cert_expiring" in result.warnings:
            cert = f"[red]{cert} ({word['expiring']})[/]"
        detail = render(result.detail_message or result.detail, lang)
        warned = [render(text, lang) for text in result.warnings.values()]
        facts = [render(text, lang) for text in result.info_messages.values()]
        notes = [detail or result.info.get("http_version", ""), *warned, *facts]
        rows.append([escape(job.service), job.kind, escape(display_target(job.target)), label,
                     _milliseconds(result, lang), cert,
                     escape("; ".join(n for n in notes if n))])  # fmt: skip
    console.print(records(console, word["title"], columns, rows))
    down = sum(1 for _, r in outcomes if not r.success)
    console.print(WORDS["summary"].get(lang).format(up=len(outcomes) - down, down=down))


def _milliseconds(result: ProbeResult, lang: str) -> str:
    """The echo round trip of an ICMP probe, else the probe's duration: ``0.5 ms``, ``41 ms``."""
    from netwatch.audit.i18n import format_number

    seconds = result.values.get("icmp_rtt_seconds", result.duration)
    value = seconds * 1000
    return f"{format_number(value, lang, 1 if value < 10 else 0)} ms"
