"""``netwatch web-config check`` and ``netwatch hash-password``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, fail, friendly_errors
from netwatch.cli.options import App

if TYPE_CHECKING:
    from netwatch.webconfig import WebConfig

app = App(
    help="Check the endpoint's web config (TLS, client certificates, basic auth, headers).",
    no_args_is_help=True,
)


def summary(config: WebConfig) -> list[str]:
    """What the web config turns on, one line each."""
    tls = config.tls
    if tls is None:
        lines = ["TLS: off"]
    else:
        lines = [
            f"TLS: on ({tls.min_version} to {tls.max_version}), certificate {tls.cert_file}",
            f"client certificates: {tls.client_auth_type}",
        ]
    users = len(config.basic_auth_users)
    lines.append(f"basic auth: {f'{users} user(s)' if users else 'off'}")
    lines.append(f"extra headers: {len(config.headers)}")
    return lines


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Web config file to check.", dir_okay=False)],
) -> None:
    """Check FILE and every file it names: exit 0 with a summary, 2 with each problem."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.webconfig import load_web_config

        config = load_web_config(file)
        typer.echo(f"{file}: OK")
        for line in summary(config):
            typer.echo(f"  {line}")


def _read_password() -> str:
    """The password: asked twice without echo on a terminal, else one line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            fail("the passwords do not match", ExitCode.USAGE)
        return first
    line = sys.stdin.readline(4096)
    return line[:-1] if line.endswith("\n") else line


def hash_password(
    ctx: typer.Context,
    cost: Annotated[
        int,
        typer.Option("--cost", min=4, max=15, help="bcrypt cost: each step doubles the time."),
    ] = 10,
) -> None:
    """Print the bcrypt hash of a password for basic_auth_users in the web config.

    On a terminal the password is asked twice without echo; otherwise the first line of
    standard input is the password.
    """
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.webconfig.basicauth import hash_password as make_hash

        password = _read_password().removesuffix("\r")
        try:
            hashed = make_hash(password, cost)
        except ValueError as exc:
            fail(str(exc), ExitCode.USAGE)
        typer.echo(hashed)
