"""``netwatch report merge|render``: office-wide reports and re-rendering saved JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import (
    App,
    ApproverOption,
    ConfigOption,
    LangOption,
    PreparerOption,
    SoftwareOption,
)

if TYPE_CHECKING:
    from netwatch.audit.model import OfficeReport

app = App(help="Merge and re-render saved audit reports.", no_args_is_help=True)

OutputOption = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="Directory for the reports (created when missing).", file_okay=False
    ),
]


@app.command()
def merge(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Host audit reports (JSON).", dir_okay=False)],
    output: OutputOption,
    lang: LangOption = "en",
    office: Annotated[
        str,
        typer.Option(
            "--office", help="Office name for the cover (default: config, else the reports')."
        ),
    ] = "",
    preparer: PreparerOption = "",
    approver: ApproverOption = "",
    config: ConfigOption = None,
    stale_days: Annotated[
        int,
        typer.Option(
            "--stale-days", min=0, max=36500, help="List hosts audited longer ago than this."
        ),
    ] = 30,
) -> None:
    """Merge host reports into one office report (JSON, HTML, Markdown); newest per host wins."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.audit.load import load_host_report
        from netwatch.audit.merge import merge_reports
        from netwatch.audit.output import check_output_dir, render_all, report_stem, write_documents
        from netwatch.cli.audit_view import print_office
        from netwatch.config.loader import load_config

        check_output_dir(output)
        signed = load_config(config).report  # the options win over the configured names
        reports = [(str(path), load_host_report(path)) for path in files]
        merged = merge_reports(reports, office=office or signed.office, stale_days=stale_days,
                               preparer=preparer or signed.preparer,
                               approver=approver or signed.approver)  # fmt: skip
        written = write_documents(output, report_stem(merged), render_all(merged, lang))
        _note_superseded(merged)
        print_office(merged, lang, written)


def _note_superseded(merged: OfficeReport) -> None:
    for item in merged.superseded:
        typer.echo(f"netwatch: note: {item.source}: an older report of {item.hostname} "
                   f"({item.generated_at}); merged {item.kept} instead", err=True)  # fmt: skip


@app.command()
def render(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A saved host or office report (JSON).", dir_okay=False)
    ],
    output: OutputOption,
    lang: LangOption = "en",
    software: SoftwareOption = "summary",
) -> None:
    """Re-render a saved JSON report as HTML and Markdown, without running any check."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.audit.load import load_report
        from netwatch.audit.output import (
            RENDERED_FORMATS,
            check_output_dir,
            render_all,
            report_stem,
            write_documents,
        )
        from netwatch.cli.audit_view import print_written

        check_output_dir(output)
        report = load_report(file)
        documents = render_all(report, lang, RENDERED_FORMATS, software)
        print_written(write_documents(output, report_stem(report), documents), lang)


@app.command()
def assets(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="Host audit reports or inventory documents (JSON).", dir_okay=False),
    ],
    output: OutputOption,
    lang: LangOption = "en",
    previous: Annotated[
        Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option(
            "--previous",
            help="The previous register (its workbook, or the folder holding it) to list "
            "what changed.",
        ),
    ] = None,
    assets_csv: Annotated[
        Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option(
            "--assets-csv",
            help="The office's asset list: serial or MAC -> asset tag, department, room, "
            "owner, purchase date (docs/assets.md).",
            dir_okay=False,
        ),
    ] = None,
    office: Annotated[
        str, typer.Option("--office", help="Office name for the register (default: config).")
    ] = "",
    preparer: PreparerOption = "",
    approver: ApproverOption = "",
    config: ConfigOption = None,
    glpi: Annotated[
        bool,
        typer.Option(
            "--glpi",
            help="Also write <hostname>.glpi.json per machine: GLPI's native inventory "
            "format, for GLPI 10's import (docs/assets.md).",
        ),
    ] = False,
) -> None:
    """Build the office's asset register: an XLSX workbook, a CSV per sheet, a printable
    HTML summary (and PDF when Chromium is installed); with --glpi, a GLPI inventory of
    each machine."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.config.loader import load_config
        from netwatch.register.build import RegisterRequest, build_register
        from netwatch.register.glpi import write_glpi

        signed = load_config(config).report  # the options win over the configured names
        request = RegisterRequest(
            files, output, lang, office or signed.office, preparer or signed.preparer,
            approver or signed.approver, previous, assets_csv,
        )  # fmt: skip
        result = build_register(request)
        if glpi:
            result.paths += write_glpi(files, output)
        for host in result.superseded:
            typer.echo(f"netwatch: note: {host.source}: an older report of {host.hostname} "
                       f"({host.reported_at}); a newer one was used", err=True)  # fmt: skip
        if result.pdf_problem:
            typer.echo(f"netwatch: note: no PDF: {result.pdf_problem}", err=True)
        changes = f", {len(result.changes)} changes" if previous else ""
        typer.echo(f"{result.machines} machines{changes}")
        for path in result.paths:
            typer.echo(str(path))
