"""``netwatch inventory``: the host inventory on the terminal or as JSON."""

from __future__ import annotations

import enum
import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import ConfigOption, Software, SoftwareOption

if TYPE_CHECKING:
    from rich.console import Console

UNAVAILABLE = "unavailable (see below)"


class OutputFormat(str, enum.Enum):
    """How to print results."""

    table = "table"
    json = "json"


def inventory(
    ctx: typer.Context,
    config: ConfigOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = OutputFormat.table,
    software: SoftwareOption = "full",
) -> None:
    """Show the host inventory: OS, CPU, memory, disks, NICs, sessions and installed software."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.config.loader import load_config
        from netwatch.hostaccess import HostAccess
        from netwatch.inventory.snapshot import gather_inventory

        settings = load_config(config)
        data = gather_inventory(
            HostAccess(),
            exclude_fstypes=list(settings.collectors.filesystem.exclude_fstypes),
            exclude_mountpoints=settings.collectors.filesystem.exclude_mountpoints,
            exclude_interfaces=settings.collectors.network.exclude_interfaces,
            software_timeout=settings.collectors.software.timeout,
        )
        data = software_view(data, software)
        if output_format is OutputFormat.json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print_tables(data)


def software_view(data: dict[str, Any], software: Software) -> dict[str, Any]:
    """The inventory with its package list (full), only the count of packages by package
    manager (summary: ``software_counts``) or no software at all (none)."""
    if software == "full":
        return data
    shown = {key: value for key, value in data.items() if key != "software"}
    if software == "summary":
        managers = Counter(package["manager"] for package in data["software"])
        shown["software_counts"] = dict(managers.most_common())
    return shown


def _software_fact(data: dict[str, Any]) -> str:
    """The Software line of the Host table."""
    if "software" in data:
        return f"{len(data['software'])} packages"
    counts: dict[str, int] | None = data.get("software_counts")
    if counts is None:
        return "not listed (--software none)"
    by_manager = ", ".join(f"{manager} {count}" for manager, count in counts.items())
    return f"{sum(counts.values())} packages ({by_manager})"


def _size(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return str(value)


def print_tables(data: dict[str, Any], console: Console | None = None) -> None:
    """Render the inventory, each table fitted to the console; unreadable items say so."""
    from rich.markup import escape

    from netwatch.cli.tables import Column, key_values, output_console, records, short_time
    from netwatch.inventory.storage import used_percent

    console = console or output_console()
    host, cpu, memory = data["host"] or {}, data["cpu"], data["memory"]
    boot = data["boot_time"]
    facts = [
        ("Hostname", host.get("hostname", "")),
        ("FQDN", host.get("fqdn", "")),
        ("OS", f"{host.get('os_name', '')} {host.get('os_version', '')}".strip()),
        ("Kernel", host.get("kernel", "")),
        ("Architecture", host.get("arch", "")),
        ("Machine ID", host.get("machine_id", "")),
        ("Booted", short_time(boot) if boot is not None else UNAVAILABLE),
        ("CPU", f"{cpu['model']} ({cpu['physical_cores']} cores, {cpu['logical_cores']} threads)"
         if cpu else UNAVAILABLE),
        ("Memory", f"{_size(memory['total'])} ({_size(memory['available'])} available)"
         if memory else UNAVAILABLE),
        ("Swap", f"{_size(memory['swap_total'])} ({_size(memory['swap_free'])} free)"
         if memory else UNAVAILABLE),
        ("Sessions", str(len(data["sessions"]))),
        ("Software", _software_fact(data)),
    ]  # fmt: skip
    pairs = [(label, escape(str(value))) for label, value in facts]
    pairs += [(f"Unavailable: {f['item']}", f"[yellow]{escape(f['error'])}[/]")
              for f in data.get("errors", [])]  # fmt: skip
    console.print(key_values(console, "Host", pairs))

    columns: tuple[Column, ...] = (Column("Mountpoint", "key"), Column("Device"), Column("Type"),
               Column("Size", justify="right"), Column("Available", justify="right"),
               Column("Used %", justify="right"))  # fmt: skip
    rows = []
    for fs in data["filesystems"]:
        share = used_percent(fs["size"], fs["free"], fs["available"])  # as df counts it
        rows.append([escape(fs["mountpoint"]), escape(fs["device"]), fs["fstype"],
                     _size(fs["size"]), _size(fs["available"]),
                     "" if share is None else f"{share}%"])  # fmt: skip
    console.print(records(console, "Filesystems", columns, rows))

    columns = (Column("Name", "key"), Column("MAC"), Column("Up"), Column("Speed"),
               Column("Addresses", "long"))  # fmt: skip
    rows = []
    for nic in data["network_interfaces"]:
        addresses = ", ".join(f"{a['address']}/{a['prefix']}" for a in nic["addresses"])
        speed = f"{nic['speed_mbps']} Mb/s" if nic["speed_mbps"] else "-"
        rows.append([escape(nic["name"]), nic["mac"], "yes" if nic["up"] else "no", speed,
                     addresses])  # fmt: skip
    console.print(records(console, "Network interfaces", columns, rows))

    if "software" not in data:
        return
    columns = (Column("Name", "long"), Column("Version"), Column("Arch"), Column("Manager"))
    rows = [[escape(p["name"]), escape(p["version"]), p["arch"], p["manager"]]
            for p in data["software"]]  # fmt: skip
    console.print(records(console, f"Installed software ({len(rows)})", columns, rows))
