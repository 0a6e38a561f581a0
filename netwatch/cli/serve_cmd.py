"""``netwatch serve``: run the agent and export metrics over HTTP."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, fail, friendly_errors
from netwatch.cli.options import ConfigOption


class LogLevel(str, enum.Enum):
    """Least severe level logged."""

    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class LogFormat(str, enum.Enum):
    """How log lines are written."""

    text = "text"
    json = "json"


def serve(
    ctx: typer.Context,
    config: ConfigOption = None,
    listen: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            "--listen", "-l", metavar="HOST:PORT", help="Where to listen (default 127.0.0.1:8934)."
        ),
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
        typer.Option("--enable", "-e", metavar="NAME", help="Enable a collector (repeatable)."),
    ] = None,
    disable: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--disable", "-d", metavar="NAME", help="Disable a collector (repeatable)."),
    ] = None,
    log_level: Annotated[
        LogLevel | None,  # noqa: UP007
        typer.Option("--log-level", help="Overrides log.level (default info)."),
    ] = None,
    log_format: Annotated[
        LogFormat | None,  # noqa: UP007
        typer.Option(
            "--log-format",
            help="text (one line per event) or json (one object per line); overrides "
            "log.format (default text).",
        ),
    ] = None,
) -> None:
    """Run the agent: serve /metrics until SIGTERM or Ctrl-C; SIGHUP reloads the config.

    The web config (TLS, basic auth) is also re-read whenever its files change. When
    its memory stays over server.max_rss the agent stops cleanly with exit code 75,
    for systemd or Windows service recovery to restart it.
    """
    debug = cli_state(ctx).debug
    with friendly_errors(debug):
        from netwatch.agent import with_overrides
        from netwatch.config.loader import load_config
        from netwatch.hostaccess import HostAccess
        from netwatch.logsetup import flush_logs, setup_logging
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
        level = "debug" if debug else log_level.value if log_level else settings.log.level
        fmt = log_format.value if log_format else settings.log.format
        setup_logging(level, fmt, settings.log.repeat_limit)
        try:
            service = AgentService(settings, effective, HostAccess())
        except OSError as exc:
            fail(f"cannot listen on {settings.server.listen}: {exc.strerror or exc}",
                 ExitCode.RUNTIME)  # fmt: skip
        try:
            stopped = service.run()
        finally:
            flush_logs()
        if stopped == "memory":  # logged by the service
            raise typer.Exit(int(ExitCode.RESTART))
