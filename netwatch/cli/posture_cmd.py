"""``netwatch posture``: run the security posture checks once and show the verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.inventory_cmd import OutputFormat
from netwatch.cli.options import LangOption
from netwatch.cli.tables import output_console

if TYPE_CHECKING:
    from rich.console import Console

    from netwatch.posture.model import CheckResult
    from netwatch.posture.score import Score


class _Headings(TypedDict):
    """The table's words in one language."""

    title: str
    columns: tuple[str, ...]
    score: str
    details: str


STATUS_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "waived": "yellow",
    "not_applicable": "dim",
    "error": "magenta",
}
ORDER = {"fail": 0, "error": 1, "waived": 2, "pass": 3, "not_applicable": 4}
PARAGRAPH_WIDTH = 40  # evidence and remediation read as paragraphs, not narrow columns
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def headings(lang: str) -> _Headings:
    """The table's words in ``lang`` (netwatch.i18n is imported here, not for ``--help``)."""
    from netwatch.i18n import label

    columns = (
        label("Result"),
        label("Severity", context="terminal"),
        label("Check", context="terminal"),
        label("Title"),
        label("Evidence / reason"),
    )
    return {
        "title": label("Security posture").get(lang),
        "columns": tuple(column.get(lang) for column in columns),
        "score": label("Score").get(lang),
        "details": label("Details: evidence and remediation").get(lang),
    }


def posture(
    ctx: typer.Context,
    policy: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--policy", "-p", help="Policy file (default: built-in baseline).", dir_okay=False
        ),  # fmt: skip
    ] = None,
    root: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--root", help="Audit a mounted Linux filesystem instead of this host.", file_okay=False
        ),  # fmt: skip
    ] = None,
    lang: LangOption = "en",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = OutputFormat.table,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=32, help="Checks running at the same time.")
    ] = 4,
    details: Annotated[
        bool, typer.Option("--details", help="Show every finding's evidence and remediation.")
    ] = False,
) -> None:
    """Run the posture checks once: exit 0 when nothing failed, 1 when checks failed."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.audit.build import checks_to_run
        from netwatch.cli.audit_view import AuditProgress
        from netwatch.core.errors import UsageError
        from netwatch.hostaccess import HostAccess
        from netwatch.posture.policy import load_policy
        from netwatch.posture.runner import host_platform, run_policy
        from netwatch.posture.score import compute_score
        from netwatch.posture.serialize import posture_document

        if root is not None and not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
        access = HostAccess.for_root(root)
        loaded = load_policy(policy)
        platform = "linux" if root else host_platform(access)
        with AuditProgress(lang) as progress:
            on_result = progress.checks(checks_to_run(loaded, platform))
            results = run_policy(loaded, access, platform, concurrency, on_result=on_result)
        score = compute_score(results)
        if output_format is OutputFormat.json:
            document = posture_document(loaded.name, results, str(root) if root else None)
            typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            print_results(output_console(), results, score, lang, details)
        if score.counts["fail"]:
            raise typer.Exit(int(ExitCode.FINDINGS))


def print_results(
    console: Console, results: list[CheckResult], score: Score, lang: str, details: bool = False
) -> None:
    """Every verdict, worst first, then the score; ``details`` adds evidence and remediation."""
    from rich.markup import escape

    from netwatch.audit.i18n import result_name, severity_name
    from netwatch.cli.tables import Column, records
    from netwatch.posture.score import result_label

    words = headings(lang)
    result, severity, check, title, evidence = words["columns"]
    columns = (Column(result), Column(severity), Column(check, "key"), Column(title, "long"),
               Column(evidence, "long", one_line=True))  # fmt: skip
    ordered = sorted(
        results,
        key=lambda r: (ORDER[result_label(r)], SEVERITY_ORDER[r.severity.value], r.meta.id),
    )
    rows = []
    for item in ordered:
        label = result_label(item)
        status = f"[{STATUS_STYLE[label]}]{escape(result_name(label, lang))}[/]"
        lines = [] if label == "pass" else _evidence_lines(item, lang)
        title = escape(item.meta.title.get(lang))
        first = escape(lines[0] if lines else "")
        rows.append([status, severity_name(item.severity.value, lang), item.meta.id, title, first])
    console.print(records(console, words["title"], columns, rows))
    if details:
        _print_details(console, [r for r in ordered if result_label(r) != "pass"], lang)
    console.print(score_line(score, lang, console.width))


def score_line(score: Score, lang: str, width: int) -> str:
    """``Score 61.7/100 (Fair); Pass 40 · Fail 9 · ...`` in ``lang``, as the audit prints it."""
    from netwatch.audit.i18n import format_score, result_name
    from netwatch.cli.tables import packed

    counts = [f"{result_name(name, lang)} {count}" for name, count in score.counts.items()]
    value = format_score(score.value, lang)
    return packed(
        f"{headings(lang)['score']} {value}/100 ({score.band_text(lang)});", counts, width
    )


def _evidence_lines(result: CheckResult, lang: str) -> list[str]:
    """The reason, then each evidence item as ``source: observed (expected: ...)``."""
    from netwatch.audit.i18n import evidence_source, t
    from netwatch.i18n import render

    outcome = result.outcome
    lines = [render(outcome.reason, lang)] if outcome.reason else []
    for item in outcome.evidence:
        line = f"{evidence_source(item.source, lang)}: {render(item.observed, lang)}"
        if item.expected:
            line += f" ({t('evidence.expected', lang)}: {render(item.expected, lang)})"
        lines.append(line)
    return lines


def _print_details(console: Console, results: list[CheckResult], lang: str) -> None:
    from rich.markup import escape

    from netwatch.audit.i18n import t
    from netwatch.cli.tables import Column, records

    if not results:
        return
    console.print()
    columns = (Column(headings(lang)["columns"][2], "key"),
               Column(t("finding.evidence", lang), "long", label=True),
               Column(t("finding.remediation", lang), "long", label=True))  # fmt: skip
    rows = []
    for result in results:
        lines = _evidence_lines(result, lang) or [t("finding.no_evidence", lang)]
        evidence = "\n".join(escape(line) for line in lines)
        rows.append([result.meta.id, evidence, escape(result.meta.remediation.get(lang))])
    title = headings(lang)["details"]
    console.print(records(console, title, columns, rows, long_min=PARAGRAPH_WIDTH))
