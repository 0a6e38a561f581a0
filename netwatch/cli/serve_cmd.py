"""``netwatch serve``: run the agent and export metrics over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, fail, friendly_errors
from netwatch.cli.options import ConfigOption


def serve(
    ctx: typer.Context,
    config: ConfigOption = None,
    listen: Annotated[
        str | None,  # noqa: UP007
        typer.Option("--listen", "-l", help="HOST:PORT to listen on [default: 127.0.0.1:8934]."),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow plain HTTP on a non-loopback address (anyone on the LAN can read it).",
        ),
    ] = False,
    web_config: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            "--web-config",
            metavar="FILE",
            help="TLS, client certificates and basic auth in the Prometheus exporter-toolkit "
            "format (see docs/security.md); overrides server.web_config.",
        ),
    ] = None,
    enable: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--enable", "-e", help="Enable a collector (repeatable)."),
    ] = None,
    disable: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--disable", "-d", help="Disable a collector (repeatable)."),
    ] = None,
) -> None:
    """Run the agent: serve /metrics until SIGTERM or Ctrl-C; SIGHUP reloads the config.

    The web config (TLS, basic auth) is also re-read whenever its files change.
    """
    debug = cli_state(ctx).debug
    with friendly_errors(debug):
        from netwatch.agent import with_overrides
        from netwatch.config.loader import load_config
        from netwatch.hostaccess import HostAccess
        from netwatch.logsetup import setup_logging
        from netwatch.service import AgentService

        def effective() -> Any:
            return with_overrides(
                load_config(config),
                listen=listen,
                insecure=insecure or None,
                web_config=web_config,
                enable=enable or (),
                disable=disable or (),
            )

        settings = effective()
        setup_logging("debug" if debug else settings.log.level, settings.log.format)
        try:
            service = AgentService(settings, effective, HostAccess())
        except OSError as exc:
            fail(f"cannot listen on {settings.server.listen}: {exc.strerror or exc}",
                 ExitCode.RUNTIME)  # fmt: skip
        service.run()
