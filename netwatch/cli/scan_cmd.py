"""``netwatch scan``: sweep the LAN once and show every device, flagging what needs a look."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.inventory_cmd import OutputFormat
from netwatch.cli.options import ConfigOption, LangOption

if TYPE_CHECKING:
    from rich.console import Console

    from netwatch.collectors.lan import LanSettings
    from netwatch.i18n import Label
    from netwatch.lan.devices import DeviceRegistry
    from netwatch.lan.model import SweepResult
    from netwatch.lan.state import LanState

CidrArgument = Annotated[
    list[str] | None,  # noqa: UP007
    typer.Argument(
        help="Subnets to sweep, e.g. 192.168.1.0/24 (default: the subnets of the up, private "
        "interfaces).",
        show_default=False,
    ),
]
InterfaceOption = Annotated[
    str | None,  # noqa: UP007
    typer.Option("--interface", "-i", help="Sweep this interface's subnet, or send from it."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Sweep subnets larger than the cap (/22 by default).")
]
KnownDevicesOption = Annotated[
    Path | None,  # noqa: UP007
    typer.Option(
        "--known-devices",
        help="Known-devices file (see configs/devices.example.yaml).",
        dir_okay=False,
    ),
]
FLAG_STYLE = {"new": "cyan", "changed_mac": "red", "flip_flop": "red", "conflict": "red"}


@cache
def _words() -> dict[str, Label]:
    """The scan view's words (netwatch.i18n is imported here, not when ``--help`` runs)."""
    from netwatch.i18n import label

    return {
        "flag.new": label("NEW"),
        "flag.changed_mac": label("MAC CHANGED"),
        "flag.flip_flop": label("FLIP-FLOP"),
        "flag.conflict": label("CONFLICT"),
        "title": label("LAN devices on {subnets}: {method}"),
        "method.arp": label("raw ARP"),
        "method.neighbours": label("neighbour table (unprivileged fallback)"),
        "vendor": label("Vendor"),
        "name": label("Name"),
        "known": label("Known"),
        "yes": label("yes"),
        "no": label("NO"),
        "first_seen": label("First seen"),
        "last_seen": label("Last seen"),
        "flags": label("Flags"),
        "event.ip_conflict": label("IP conflict"),
        "event.gone": label("Gone"),
        "note": label("note"),
        "devices": label("{count} devices"),
        "devices.one": label("1 device"),
        "unknown": label("{count} unknown"),
        "conflicts": label("{count} IP conflicts"),
        "conflicts.one": label("1 IP conflict"),
        "sweep": label("sweep {seconds} s"),
    }


def sweep_once(
    settings: LanSettings, cidrs: list[str], interface: str | None, force: bool
) -> SweepResult:
    """Choose the subnets and sweep them with a progress bar on stderr.

    Bad input (invalid CIDR, unknown interface, subnet over the cap) is a
    :class:`UsageError`: one line, exit code 2.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from netwatch.cli.tables import progress_console
    from netwatch.core.errors import UsageError
    from netwatch.lan.sweep import sweep
    from netwatch.lan.targets import TargetError, choose_networks

    try:
        networks = choose_networks(
            cidrs or settings.cidrs, interface or settings.interface, settings.max_prefix, force
        )
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    subnets = ", ".join(str(network) for _, network in networks)
    columns = (TextColumn(f"sweeping {subnets}"), BarColumn(), MofNCompleteColumn())
    console = progress_console()  # None off a terminal: no progress display at all
    with Progress(*columns, console=console, transient=True, disable=console is None) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return sweep(networks, settings.sweep, progress)


def device_registry(
    settings: LanSettings, state: LanState, known_devices: Path | None
) -> DeviceRegistry:
    """A registry over ``state`` with the known devices (flag or config) and vendor names."""
    from netwatch.lan.devices import DeviceRegistry
    from netwatch.lan.known import load_known_devices
    from netwatch.lan.vendors import VendorLookup

    known = load_known_devices(known_devices or settings.known_devices)
    return DeviceRegistry(state, known, VendorLookup(settings.vendors_file), settings.gone_after)


def _say(key: str, lang: str, count: int | None = None, **values: object) -> str:
    """A word of the scan view in ``lang``; ``count`` picks the singular key when it is 1."""
    words = _words()
    if count == 1 and f"{key}.one" in words:
        return words[f"{key}.one"].get(lang)
    text = words[key].get(lang)
    return text.format(count=count, **values) if count is not None or values else text


def print_table(report: dict[str, Any], lang: str = "en", console: Console | None = None) -> None:
    """The devices found (a table when it fits, one block per device otherwise) and a summary."""
    from rich.markup import escape

    from netwatch.audit.i18n import format_number
    from netwatch.cli.tables import Column, output_console, records, short_time

    console = console or output_console()
    method = _say("method.arp" if report["privileged"] else "method.neighbours", lang)
    title = _say("title", lang, subnets=", ".join(report["subnets"]), method=method)
    columns = (
        Column("IP", "key"), Column("MAC"), Column(_say("vendor", lang), "long", label=True),
        Column(_say("name", lang), "long", label=True), Column(_say("known", lang), label=True),
        Column(_say("first_seen", lang), label=True), Column(_say("last_seen", lang), label=True),
        Column(_say("flags", lang)),
    )  # fmt: skip
    rows = []
    yes, no = _say("yes", lang), _say("no", lang)
    for row in report["devices"]:
        known = f"[green]{yes}[/]" if row["known"] else f"[yellow]{no}[/]"
        flags = ", ".join(f"[{FLAG_STYLE[flag]}]{_say(f'flag.{flag}', lang)}[/]"
                          for flag in row["flags"])  # fmt: skip
        seen = short_time(row["first_seen"]), short_time(row["last_seen"])
        rows.append([row["ip"], row["mac"], escape(row["vendor"]), escape(row["name"]), known,
                     *seen, flags])  # fmt: skip
    console.print(records(console, title, columns, rows))
    for event in report["events"]:
        if event["kind"] in ("ip_conflict", "gone"):
            kind = _say(f"event.{event['kind']}", lang)
            console.print(f"{kind}: {escape(event['detail'])}")
    for note in report["notes"]:
        console.print(f"[yellow]{_say('note', lang)}:[/] {escape(note)}")
    summary = report["summary"]
    seconds = format_number(report["duration_seconds"], lang, 1)
    counts = (_say(key, lang, summary[key]) for key in ("devices", "unknown", "conflicts"))
    console.print(f"{', '.join(counts)}; {_say('sweep', lang, seconds=seconds)}")


def scan(
    ctx: typer.Context,
    cidrs: CidrArgument = None,
    interface: InterfaceOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = OutputFormat.table,
    force: ForceOption = False,
    known_devices: KnownDevicesOption = None,
    state: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--state",
            help="State file remembering devices between scans (default: none: every device "
            "is new).",
            dir_okay=False,
        ),
    ] = None,
    config: ConfigOption = None,
    lang: LangOption = "en",
) -> None:
    """Sweep the LAN once: exit 0 when all is known, 1 on unknown devices or IP conflicts."""
    debug = cli_state(ctx).debug
    with friendly_errors(debug):
        from netwatch.config.loader import load_config
        from netwatch.core.errors import UsageError
        from netwatch.lan.report import scan_report
        from netwatch.lan.state import LanState, load_state, save_state
        from netwatch.logsetup import setup_logging

        setup_logging("debug" if debug else "warning")
        settings = load_config(config).collectors.lan
        try:
            lan_state = load_state(state) if state else LanState()
        except OSError as exc:
            raise UsageError(f"cannot read state file {state}: {exc.strerror or exc}") from None
        registry = device_registry(settings, lan_state, known_devices)
        result = sweep_once(settings, cidrs or [], interface, force)
        events = registry.apply(result)
        if state:
            save_state(lan_state, state)
        if output_format is OutputFormat.json:  # ISO 8601 times, flags as keys, English
            report = scan_report(registry, result, events)
            typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            report = scan_report(registry, result, events, lang)
            print_table(report, lang)
        if report["summary"]["unknown"] or report["summary"]["conflicts"]:
            raise typer.Exit(int(ExitCode.FINDINGS))
