"""``netwatch posture``: run the security posture checks once and show the verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.inventory_cmd import OutputFormat

if TYPE_CHECKING:
    from netwatch.posture.model import CheckResult
    from netwatch.posture.score import Score


class _Headings(TypedDict):
    """The table's words in one language."""

    title: str
    columns: tuple[str, ...]
    score: str


HEADINGS: dict[str, _Headings] = {
    "en": {
        "title": "Security posture",
        "columns": ("Result", "Severity", "Check", "Title", "Evidence / reason"),
        "score": "Score",
    },
    "vi": {
        "title": "Tình trạng an toàn thông tin",
        "columns": ("Kết quả", "Mức độ", "Mã kiểm tra", "Nội dung", "Bằng chứng / lý do"),
        "score": "Điểm",
    },
}
STATUS_STYLE = {
    "pass": "[green]PASS[/]",
    "fail": "[red]FAIL[/]",
    "waived": "[yellow]WAIVED[/]",
    "not_applicable": "[dim]N/A[/]",
    "error": "[magenta]ERROR[/]",
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
    lang: Annotated[str, typer.Option("--lang", help="en or vi.")] = "en",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = OutputFormat.table,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=32, help="Checks running at the same time.")
    ] = 4,
) -> None:
    """Run the posture checks once: exit 0 when nothing failed, 1 when checks failed."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.core.errors import UsageError
        from netwatch.hostaccess import HostAccess
        from netwatch.posture.policy import load_policy
        from netwatch.posture.runner import run_policy
        from netwatch.posture.score import compute_score
        from netwatch.posture.serialize import posture_document

        if lang not in ("en", "vi"):
            raise UsageError(f"--lang {lang}: use en or vi")
        if root is not None and not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
        access = HostAccess.for_root(root)
        loaded = load_policy(policy)
        results = run_policy(
            loaded, access, concurrency=concurrency, platform="linux" if root else None
        )
        score = compute_score(results)
        if output_format is OutputFormat.json:
            document = posture_document(loaded.name, results, str(root) if root else None)
            typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            _print_table(results, score, lang)
        if score.counts["fail"]:
            raise typer.Exit(int(ExitCode.FINDINGS))


def _print_table(results: list[CheckResult], score: Score, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from netwatch.posture.score import result_label

    order = {"fail": 0, "error": 1, "waived": 2, "pass": 3, "not_applicable": 4}
    severity_order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    words = HEADINGS[lang]
    table = Table(title=words["title"], title_justify="left")
    for column in words["columns"]:
        table.add_column(column)
    for result in sorted(
        results, key=lambda r: (order[result_label(r)], severity_order[r.severity.value], r.meta.id)
    ):
        label = result_label(result)
        evidence = result.outcome.reason or "; ".join(
            f"{e.source}: {e.observed}" for e in result.outcome.evidence[:2]
        )
        table.add_row(STATUS_STYLE[label], result.severity.value, result.meta.id,
                      result.meta.title.get(lang), evidence)  # fmt: skip
    console = Console()
    console.print(table)
    counts = ", ".join(f"{name} {count}" for name, count in score.counts.items())
    console.print(f"{words['score']} {score.value:.0f}/100 ({score.band_text(lang)}); {counts}")
