"""``netwatch config check|show|schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import App, ConfigOption

app = App(help="Validate, show and describe the configuration file.", no_args_is_help=True)


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Config file to validate.", dir_okay=False)],
) -> None:
    """Validate FILE (and the web config it names): exit 0 when valid, 2 with one line per problem.

    Whatever goes wrong while checking is a problem of the file (exit 2), never a crash.
    """
    debug = cli_state(ctx).debug
    with friendly_errors(debug):
        from netwatch.agent import listen_address
        from netwatch.config.loader import load_config
        from netwatch.core.errors import UsageError, one_line
        from netwatch.core.yamlfile import ConfigError, ConfigProblem
        from netwatch.webconfig import load_web_config

        try:
            config = load_config(file)
            web_config = config.server.web_config
            secured = web_config is not None and load_web_config(web_config).secured
            listen_address(config, secured)
        except (ConfigError, UsageError):
            raise
        except Exception as exc:
            if debug:
                raise
            problem = ConfigProblem("", f"cannot be checked: {one_line(exc)}")
            raise ConfigError(str(file), [problem]) from exc
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
