"""``netwatch sd``: write a Prometheus file_sd list of the LAN hosts that run a netwatch agent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import ConfigOption
from netwatch.cli.scan_cmd import (
    CidrArgument,
    ForceOption,
    InterfaceOption,
    KnownDevicesOption,
    device_registry,
    sweep_once,
)


def sd(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="file_sd JSON file to write (replaced atomically).",
            dir_okay=False,
        ),
    ],
    cidrs: CidrArgument = None,
    port: Annotated[
        int | None,  # noqa: UP007
        typer.Option(
            "--port",
            "-p",
            min=1,
            max=65535,
            help="Agent port to check (default: collectors.lan.agent_port, 8934).",
        ),
    ] = None,
    interface: InterfaceOption = None,
    force: ForceOption = False,
    known_devices: KnownDevicesOption = None,
    config: ConfigOption = None,
) -> None:
    """Sweep the LAN once and write the hosts whose agent port answers as Prometheus targets."""
    debug = cli_state(ctx).debug
    with friendly_errors(debug):
        from netwatch.config.loader import load_config
        from netwatch.lan.sd import agents_listening, sd_groups, write_file_sd
        from netwatch.lan.state import LanState
        from netwatch.logsetup import setup_logging

        setup_logging("debug" if debug else "warning")
        settings = load_config(config).collectors.lan
        registry = device_registry(settings, LanState(), known_devices)
        result = sweep_once(settings, cidrs or [], interface, force)
        registry.apply(result)
        agent_port = port or settings.agent_port
        agents = agents_listening((obs.ip for obs in result.observations), agent_port)
        groups = sd_groups(registry.active_devices(), agents, agent_port)
        write_file_sd(output, groups)
        hosts = len({obs.mac for obs in result.observations})
        summary = f"{hosts} hosts found, agent port {agent_port}"
        typer.echo(f"wrote {len(groups)} targets to {output} ({summary})", err=True)
