"""``netwatch config check|show|schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import ConfigOption

app = typer.Typer(help="Validate, show and describe the configuration file.", no_args_is_help=True)


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Config file to validate.", dir_okay=False)],
) -> None:
    """Validate FILE: exit 0 when valid, 2 with one line per problem when not."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.agent import listen_address
        from netwatch.config.loader import load_config

        config = load_config(file)
        listen_address(config)
        typer.echo(f"{file}: OK")


@app.command()
def show(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Print the effective configuration (defaults merged with the file), secrets masked."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.config.loader import load_config
        from netwatch.config.render import render_yaml

        typer.echo(render_yaml(load_config(config)), nl=False)


@app.command()
def schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of the config file (for editor completion and validation)."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.config.render import render_schema

        typer.echo(render_schema())
