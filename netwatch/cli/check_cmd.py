"""``netwatch check``: probe the configured services once, or ad-hoc URLs and ports."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.inventory_cmd import OutputFormat
from netwatch.cli.options import ConfigOption, LangOption


def check(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Argument(help="Services to probe (default: all configured).", show_default=False),
    ] = None,
    config: ConfigOption = None,
    url: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--url", help="Probe this URL with the http prober (repeatable)."),
    ] = None,
    tcp: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--tcp", help="Probe this HOST:PORT with a TCP connect (repeatable)."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = OutputFormat.table,
    lang: LangOption = "en",
) -> None:
    """Probe services once: exit 0 when all are up, 1 when some are down, 2 on config errors."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.cli.check_render import print_json, print_table
        from netwatch.cli.tables import is_terminal
        from netwatch.collectors.services import build_jobs
        from netwatch.config.loader import load_config
        from netwatch.core.errors import UsageError
        from netwatch.probes.check import run_once, select_services

        settings = load_config(config)
        services = select_services(settings, names or [], url or [], tcp or [])
        if not services:
            raise UsageError("no services to probe: list them under services: in the config, "
                             "or use --url / --tcp")  # fmt: skip
        jobs = build_jobs(services, settings.collectors.services)
        started = time.time()
        shown = output_format is OutputFormat.table and is_terminal(sys.stderr)
        outcomes = run_once(jobs, settings.collectors.services.max_concurrency, progress=shown)
        if output_format is OutputFormat.json:
            print_json(outcomes, started)
        else:
            print_table(outcomes, lang)
        if not all(result.success for _, result in outcomes):
            raise typer.Exit(int(ExitCode.FINDINGS))
