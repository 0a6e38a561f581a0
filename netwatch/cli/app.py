"""The root ``netwatch`` command; sub-commands live in their own modules.

Heavy modules (pydantic models, psutil, prometheus_client) are imported inside
the commands, so ``netwatch --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netwatch import __version__
from netwatch.cli import (
    audit_cmd,
    check_cmd,
    config_cmd,
    inventory_cmd,
    posture_cmd,
    report_cmd,
    scan_cmd,
    sd_cmd,
    serve_cmd,
    service_cmd,
    tls_cmd,
    webconfig_cmd,
)
from netwatch.cli.context import CliState
from netwatch.cli.options import App
from netwatch.cli.streams import make_output_safe

app = App(
    name="netwatch",
    help="Monitoring agent for office networks: host inventory, service health, security "
    "posture and LAN discovery as Prometheus metrics.\n\n"
    "Exit codes: 0 ok, 1 findings, 2 usage or config error, 3 runtime error, "
    "75 serve stopped itself over server.max_rss, 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"netwatch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks and debug logs.", envvar="NETWATCH_DEBUG"),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the netwatch version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Monitoring agent for office networks."""
    ctx.obj = CliState(debug=debug)


@app.command()
def version() -> None:
    """Print the netwatch version."""
    typer.echo(f"netwatch {__version__}")


app.command(name="serve")(serve_cmd.serve)
app.command(name="inventory")(inventory_cmd.inventory)
app.command(name="check")(check_cmd.check)
app.command(name="posture")(posture_cmd.posture)
app.command(name="scan")(scan_cmd.scan)
app.command(name="sd")(sd_cmd.sd)
app.command(name="audit")(audit_cmd.audit)
app.add_typer(config_cmd.app, name="config")
app.add_typer(report_cmd.app, name="report")
app.add_typer(service_cmd.app, name="service")
app.command(name="windows-service", hidden=True)(service_cmd.windows_service)
app.add_typer(tls_cmd.app, name="tls")
app.add_typer(webconfig_cmd.app, name="web-config")
app.command(name="hash-password")(webconfig_cmd.hash_password)


def main() -> None:
    """Console-script entry point."""
    make_output_safe()
    app()
