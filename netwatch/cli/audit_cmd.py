"""``netwatch audit``: inventory, posture checks and service probes once, as a report."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.inventory_cmd import OutputFormat
from netwatch.cli.options import (
    ApproverOption,
    ConfigOption,
    LangOption,
    PreparerOption,
    Software,
    SoftwareOption,
)

if TYPE_CHECKING:
    from netwatch.audit.model import AuditReport


class FailOn(str, enum.Enum):
    """The lowest severity of a failed check that makes the exit code 1 (most severe first)."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


def findings_at_or_above(report: AuditReport, fail_on: FailOn) -> int:
    """Failed (unwaived) checks of severity ``fail_on`` or worse."""
    levels = list(FailOn)
    counted = levels[: levels.index(fail_on) + 1]
    return sum(report.score.failed_by_severity.get(level.value, 0) for level in counted)


def audit(
    ctx: typer.Context,
    policy: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--policy", "-p", help="Policy file (default: built-in baseline).", dir_okay=False
        ),
    ] = None,
    services: Annotated[
        bool, typer.Option("--services", help="Also probe the configured services once.")
    ] = False,
    config: ConfigOption = None,
    root: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--root",
            help="Audit a mounted Linux filesystem (offline, files only).",
            file_okay=False,
        ),
    ] = None,
    office: Annotated[
        str, typer.Option("--office", help="Office name for the cover (default: config report:).")
    ] = "",
    preparer: PreparerOption = "",
    approver: ApproverOption = "",
    software: SoftwareOption = "summary",
    output: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--output", "-o", help="Write JSON, HTML and Markdown reports here.", file_okay=False
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table: summary for people; json: the report."),
    ] = OutputFormat.table,
    lang: LangOption = "en",
    baseline: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--baseline", help="A previous JSON report of this host: adds changes.", dir_okay=False
        ),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on a failed check this severe or worse.")
    ] = FailOn.low,
) -> None:
    """Audit this host once: exit 0 no failure at or above --fail-on, 1 failures, 2 usage error.

    Service probe results are reported but do not change the exit code.
    """
    with friendly_errors(cli_state(ctx).debug):
        names = (office, preparer, approver)
        report, written = _run(
            policy, services, config, root, names, output, lang, baseline, software
        )
        if output_format is OutputFormat.json:
            from netwatch.audit.output import report_json

            typer.echo(report_json(report), nl=False)
            for path in written:
                typer.echo(f"netwatch: wrote {path}", err=True)
        else:
            from netwatch.cli.audit_view import print_summary

            print_summary(report, lang, written)
        if findings_at_or_above(report, fail_on):
            raise typer.Exit(int(ExitCode.FINDINGS))


def _run(
    policy: Path | None,
    services: bool,
    config: Path | None,
    root: Path | None,
    names: tuple[str, str, str],
    output: Path | None,
    lang: str,
    baseline: Path | None,
    software: Software,
) -> tuple[AuditReport, list[Path]]:
    """Validate everything first, then audit; the report and the files written."""
    from netwatch.audit.baseline import check_same_host, with_changes
    from netwatch.audit.build import (
        audit_facts,
        audit_platform,
        build_report,
        checks_to_run,
        host_identity,
        host_inventory,
        probe_services,
    )
    from netwatch.audit.load import load_host_report
    from netwatch.audit.output import check_output_dir, render_all, report_stem, write_documents
    from netwatch.cli.audit_view import AuditProgress
    from netwatch.config.loader import load_config
    from netwatch.core.errors import UsageError
    from netwatch.hostaccess import HostAccess
    from netwatch.posture.policy import load_policy

    if root is not None:
        if not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
        if services:
            raise UsageError("--services probes from this machine: it cannot be used with --root")
        root = root.resolve()
    if output is not None:
        check_output_dir(output)
    settings = load_config(config)
    loaded = load_policy(policy)
    previous = load_host_report(baseline) if baseline is not None else None
    # An image is never the running system, even mounted at / (commands describe this machine).
    access = HostAccess.for_root(root)
    facts = audit_facts(access, settings)  # os-release, packages... read once per audit
    identity = host_identity(facts, root)
    if previous is not None:
        check_same_host(previous, identity, str(baseline))
    with AuditProgress(lang) as progress:
        with progress.step("progress.inventory"):
            inventory = host_inventory(facts, root, settings)
        probed = None
        if services:
            with progress.step("progress.services"):
                probed = probe_services(settings)
        total = checks_to_run(loaded, audit_platform(access, root))
        office, preparer, approver = names
        signed = settings.report  # the options win over the configured names
        report = build_report(loaded, facts, identity, root=root,
                              office=office or signed.office,
                              preparer=preparer or signed.preparer,
                              approver=approver or signed.approver,
                              inventory=inventory, services=probed,
                              on_result=progress.checks(total))  # fmt: skip
    if previous is not None:
        report = with_changes(report, previous, str(baseline))
    written: list[Path] = []
    if output is not None:
        documents = render_all(report, lang, software=software)
        written = write_documents(output, report_stem(report), documents)
    return report, written
