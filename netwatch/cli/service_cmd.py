"""``netwatch service install|uninstall|start|stop|status``: the agent as an OS service."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, fail, friendly_errors
from netwatch.cli.options import App

if TYPE_CHECKING:
    from netwatch.install.request import ServiceRequest
    from netwatch.install.steps import Step

app = App(
    help="Run netwatch as a service: systemd on Linux, the service manager on Windows. "
    "Every step is a fixed command; --dry-run prints them and changes nothing.",
    no_args_is_help=True,
)

ServiceConfigOption = Annotated[
    Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
    typer.Option(
        "--config",
        "-c",
        help="The config file the service runs with [default: /etc/netwatch/netwatch.yaml; "
        "on Windows %ProgramData%\\netwatch\\netwatch.yaml].",
        dir_okay=False,
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the steps (and files) only; change nothing.")
]
UnitDirOption = Annotated[
    Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
    typer.Option(
        "--unit-dir",
        help="Linux: where the systemd unit goes [default: /etc/systemd/system].",
        file_okay=False,
    ),
]


@app.command()
def install(
    ctx: typer.Context,
    config: ServiceConfigOption = None,
    allow_from: Annotated[
        str | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option(
            "--allow-from",
            metavar="ADDR[,ADDR]",
            help="Windows: the addresses or networks (CIDR) the firewall rule lets reach the "
            "agent's port, e.g. the Prometheus server. On Linux use the host firewall.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    unit_dir: UnitDirOption = None,
) -> None:
    """Install the service, started at boot; then run: netwatch service start.

    A missing config file gets the embedded defaults; an existing one is kept.
    """
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.install.backend import service_backend

        networks = parse_allow_from(allow_from)
        if networks and sys.platform != "win32":
            typer.echo(
                "netwatch: note: --allow-from sets the Windows firewall rule; on Linux limit "
                "the port with the host firewall or a web config (docs/service.md)",
                err=True,
            )
        request = _install_request(_config_path(config), networks)
        backend = service_backend(_unit_dir(unit_dir))
        _carry_out(backend.install(request), dry_run, "installed; start it with: "
                   "netwatch service start")  # fmt: skip


@app.command()
def uninstall(
    ctx: typer.Context,
    config: ServiceConfigOption = None,
    purge: Annotated[
        bool,
        typer.Option(
            "--purge", help="Also remove the config file, the state, the logs and the user."
        ),
    ] = False,
    dry_run: DryRunOption = False,
    unit_dir: UnitDirOption = None,
) -> None:
    """Stop and remove the service; the config and state stay unless --purge."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.core.selfcommand import netwatch_argv
        from netwatch.install.backend import service_backend
        from netwatch.install.request import ServiceRequest

        # The config is not read: a broken file must not stand in the way of removal.
        request = ServiceRequest(
            program=tuple(netwatch_argv()),
            config_path=_config_path(config),
            listen_port=0,
            purge=purge,
        )
        backend = service_backend(_unit_dir(unit_dir))
        _carry_out(backend.uninstall(request), dry_run, "uninstalled")


@app.command()
def start(
    ctx: typer.Context, config: ServiceConfigOption = None, dry_run: DryRunOption = False
) -> None:
    """Start the service; its config file is checked first."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.install.backend import service_backend

        steps = _checked_first(_config_path(config), service_backend().start())
        _carry_out(steps, dry_run, "started")


@app.command()
def reload(
    ctx: typer.Context, config: ServiceConfigOption = None, dry_run: DryRunOption = False
) -> None:
    """Re-read the config file in the running service; a bad file is refused first."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.install.backend import service_backend

        steps = _checked_first(_config_path(config), service_backend().reload())
        _carry_out(steps, dry_run, "reloaded")


@app.command()
def stop(ctx: typer.Context, dry_run: DryRunOption = False) -> None:
    """Stop the service (it starts again at boot while installed)."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.install.backend import service_backend

        _carry_out(service_backend().stop(), dry_run, "stopped")


@app.command()
def status(ctx: typer.Context) -> None:
    """Print the service's state: exit 0 running, 3 stopped, 4 not installed or unknown.

    These are the LSB status codes, as init scripts and monitoring tools expect.
    """
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.install.backend import service_backend

        state = service_backend().status()
        typer.echo(f"netwatch: {state.text}")
    raise typer.Exit(state.code)


@app.command()
def unit(
    ctx: typer.Context,
    config: ServiceConfigOption = None,
    lan: Annotated[
        bool | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option(
            "--lan/--no-lan",
            help="LAN discovery on or off (CAP_NET_RAW) without reading the config file "
            "[default: as the config file says].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Linux: print the systemd unit that install would write (for packages and reviews)."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.core.errors import UsageError

        if sys.platform == "win32":
            raise UsageError(
                "the systemd unit is for Linux; see netwatch service install --dry-run"
            )
        from netwatch.core.selfcommand import netwatch_argv
        from netwatch.install.request import ServiceRequest
        from netwatch.install.systemd import unit_text

        path = _config_path(config)
        if lan is None:
            request = _install_request(path, ())
        else:
            request = ServiceRequest(tuple(netwatch_argv()), path, 0, lan_discovery=lan)
        typer.echo(unit_text(request), nl=False)


def parse_allow_from(text: str | None) -> tuple[str, ...]:
    """``ADDR[,ADDR]`` as normalised networks (``10.0.0.5/32``); UsageError naming a bad one."""
    import ipaddress

    from netwatch.core.errors import UsageError

    if text is None:
        return ()
    networks = []
    for item in text.split(","):
        part = item.strip()
        try:
            networks.append(str(ipaddress.ip_network(part)))
        except ValueError as exc:
            raise UsageError(
                f"--allow-from: {part!r} is not an IP address or network (CIDR): {exc}"
            ) from None
    return tuple(networks)


def _config_path(config: Path | None) -> Path:
    from netwatch.install.backend import default_config_path

    return (config or default_config_path()).absolute()


def _checked_first(config_path: Path, steps: list[Step]) -> list[Step]:
    """``steps`` with a check of the config file after their preconditions: a start or
    reload stops there on a file the agent would refuse."""
    from netwatch.core.selfcommand import netwatch_argv
    from netwatch.install.steps import Command, Require

    check = Command(tuple(netwatch_argv("config", "check", str(config_path))),
                    why="the agent would refuse a bad config file")  # fmt: skip
    first = next((n for n, step in enumerate(steps) if not isinstance(step, Require)), len(steps))
    return [*steps[:first], check, *steps[first:]]


def _unit_dir(unit_dir: Path | None) -> Path | None:
    if unit_dir is not None and sys.platform == "win32":
        from netwatch.core.errors import UsageError

        raise UsageError("--unit-dir is for systemd (Linux) only")
    return unit_dir.absolute() if unit_dir is not None else None


def _install_request(config_path: Path, allow_from: tuple[str, ...]) -> ServiceRequest:
    """What to install: the listen port and LAN discovery come from the config file (or
    the defaults while there is none)."""
    from netwatch.config.loader import load_config
    from netwatch.core.selfcommand import netwatch_argv
    from netwatch.core.settings import split_listen_address
    from netwatch.install.request import ServiceRequest

    config = load_config(config_path if config_path.exists() else None)
    _, port = split_listen_address(config.server.listen)
    return ServiceRequest(
        program=tuple(netwatch_argv()),
        config_path=config_path,
        listen_port=port,
        allow_from=allow_from,
        lan_discovery=bool(getattr(config.collectors, "lan").enabled),  # noqa: B009 - from a plugin
    )


def _carry_out(steps: list[Step], dry_run: bool, done: str) -> None:
    """Print the plan and the files it writes (``dry_run``), or run it step by step."""
    from netwatch.install.steps import StepFailed, WriteFile, describe_plan, run_plan

    if dry_run:
        typer.echo("netwatch: --dry-run: nothing is changed. The plan:")
        typer.echo(describe_plan(steps))
        for step in steps:
            if isinstance(step, WriteFile):
                typer.echo(f"\n--- {step.path} ---")
                typer.echo(step.content.decode("utf-8", "replace"), nl=False)
        return
    try:
        run_plan(steps, on_done=lambda n, step: typer.echo(f"{n:>2}. {step.describe()}"))
    except StepFailed as exc:
        fail(str(exc), ExitCode.RUNTIME)
    typer.echo(f"netwatch: {done}")


def windows_service(
    config: Annotated[Path, typer.Option("--config", "-c", dir_okay=False)],
) -> None:
    """Run as the Windows service (the service control manager starts this)."""
    if sys.platform != "win32":
        fail("windows-service runs under the Windows service manager; use: netwatch serve",
             ExitCode.USAGE)  # fmt: skip
    from netwatch.winservice import main as service_main

    raise typer.Exit(service_main(config))
