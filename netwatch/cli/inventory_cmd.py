"""``netwatch inventory``: the host inventory on the terminal or as JSON."""

from __future__ import annotations

import enum
import json
from collections import Counter
from functools import cache, partial
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import friendly_errors
from netwatch.cli.options import ConfigOption, LangOption, Software, SoftwareOption

if TYPE_CHECKING:
    from rich.console import Console

    from netwatch.i18n import Label


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
    lang: LangOption = "en",
) -> None:
    """Show the host inventory: OS, CPU, memory, disks, NICs, sessions and installed software."""
    with friendly_errors(cli_state(ctx).debug):
        from pathlib import Path

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
            assignment=settings.asset.assignment(),
            memory_file=Path(settings.collectors.hardware.memory_file),
        )
        data = software_view(data, software)
        if output_format is OutputFormat.json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print_tables(data, lang=lang)


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


def _software_fact(data: dict[str, Any], lang: str) -> str:
    """The Software line of the Host table."""
    if "software" in data:
        return _say("packages", lang, count=len(data["software"]))
    counts: dict[str, int] | None = data.get("software_counts")
    if counts is None:
        return _say("not_listed", lang)
    by_manager = ", ".join(f"{manager} {count}" for manager, count in counts.items())
    return _say("packages_by", lang, count=sum(counts.values()), managers=by_manager)


@cache
def _words() -> dict[str, Label]:
    """The inventory view's words (netwatch.i18n is imported here, not for ``--help``)."""
    from netwatch.i18n import label

    return {
        "unavailable": label("unavailable (see below)"),
        "hostname": label("Hostname"),
        "os": label("OS"),
        "kernel": label("Kernel"),
        "arch": label("Architecture"),
        "machine_id": label("Machine ID"),
        "booted": label("Booted"),
        "cpu": label("{model} ({cores} cores, {threads} threads)"),
        "memory": label("Memory"),
        "memory_value": label("{total} ({available} available)"),
        "swap": label("Swap"),
        "swap_value": label("{total} ({free} free)"),
        "sessions": label("Sessions"),
        "software": label("Software"),
        "packages": label("{count} packages"),
        "packages_by": label("{count} packages ({managers})"),
        "not_listed": label("not listed (--software none)"),
        "failed_item": label("Unavailable: {item}"),
        "host": label("Host"),
        "mountpoint": label("Mountpoint"),
        "device": label("Device"),
        "type": label("Type"),
        "size": label("Size"),
        "available": label("Available"),
        "used": label("Used %"),
        "filesystems": label("Filesystems"),
        "name": label("Name"),
        "up": label("Up", context="network link"),
        "speed": label("Speed"),
        "addresses": label("Addresses"),
        "interfaces": label("Network interfaces"),
        "yes": label("yes"),
        "no": label("no"),
        "version": label("Version"),
        "manager": label("Manager"),
        "arch_short": label("Arch"),
        "installed": label("Installed software ({count})"),
    }


def _say(key: str, lang: str, **values: str | int) -> str:
    return _words()[key].fill(**values).render(lang)


def _size(value: float, lang: str) -> str:
    from netwatch.i18n import localize_number

    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return (
                localize_number(f"{value:.1f} {unit}", lang) if unit != "B" else f"{int(value)} B"
            )
        value /= 1024
    return str(value)


def print_tables(data: dict[str, Any], console: Console | None = None, lang: str = "en") -> None:
    """Render the inventory, each table fitted to the console; unreadable items say so."""
    from rich.markup import escape

    from netwatch.cli.tables import (
        LONG_MIN_WIDTH,
        Column,
        key_values,
        output_console,
        records,
        short_time,
    )
    from netwatch.inventory.storage import used_percent

    console = console or output_console()
    say = partial(_say, lang=lang)
    host, cpu, memory = data["host"] or {}, data["cpu"], data["memory"]
    boot, unavailable = data["boot_time"], say("unavailable")
    facts = [
        (say("hostname"), host.get("hostname", "")),
        ("FQDN", host.get("fqdn", "")),
        (say("os"), f"{host.get('os_name', '')} {host.get('os_version', '')}".strip()),
        (say("kernel"), host.get("kernel", "")),
        (say("arch"), host.get("arch", "")),
        (say("machine_id"), host.get("machine_id", "")),
        (say("booted"), short_time(boot) if boot is not None else unavailable),
        ("CPU", say("cpu", model=cpu["model"], cores=cpu["physical_cores"],
                    threads=cpu["logical_cores"]) if cpu else unavailable),
        (say("memory"), say("memory_value", total=_size(memory["total"], lang),
                            available=_size(memory["available"], lang)) if memory else unavailable),
        (say("swap"), say("swap_value", total=_size(memory["swap_total"], lang),
                          free=_size(memory["swap_free"], lang)) if memory else unavailable),
        (say("sessions"), str(len(data["sessions"]))),
        (say("software"), _software_fact(data, lang)),
    ]  # fmt: skip
    pairs = [(label, escape(str(value))) for label, value in facts]
    pairs += [(say("failed_item", item=f["item"]), f"[yellow]{escape(f['error'])}[/]")
              for f in data.get("errors", [])]  # fmt: skip
    console.print(key_values(console, say("host"), pairs))

    columns: tuple[Column, ...] = (Column(say("mountpoint"), "key"), Column(say("device")),
               Column(say("type")), Column(say("size"), justify="right"),
               Column(say("available"), justify="right"),
               Column(say("used"), justify="right"))  # fmt: skip
    rows = []
    for fs in data["filesystems"]:
        share = used_percent(fs["size"], fs["free"], fs["available"])  # as df counts it
        rows.append([escape(fs["mountpoint"]), escape(fs["device"]), fs["fstype"],
                     _size(fs["size"], lang), _size(fs["available"], lang),
                     "" if share is None else f"{share}%"])  # fmt: skip
    console.print(records(console, say("filesystems"), columns, rows))

    columns = (Column(say("name"), "key"), Column("MAC"), Column(say("up"), label=True),
               Column(say("speed"), label=True), Column(say("addresses"), "long"))  # fmt: skip
    rows, widest = [], LONG_MIN_WIDTH  # an address is never broken across lines
    for nic in data["network_interfaces"]:
        each = [f"{a['address']}/{a['prefix']}" for a in nic["addresses"]]
        widest = max([widest, *(len(a) + 1 for a in each)])
        addresses = ", ".join(each)
        speed = f"{nic['speed_mbps']} Mb/s" if nic["speed_mbps"] else "-"
        rows.append([escape(nic["name"]), nic["mac"], say("yes") if nic["up"] else say("no"),
                     speed, addresses])  # fmt: skip
    console.print(records(console, say("interfaces"), columns, rows, long_min=widest))

    if data.get("hardware"):
        from netwatch.cli.hardware_view import print_hardware

        print_hardware(console, data["hardware"], lang)

    if "software" not in data:
        return
    columns = (Column(say("name"), "long"), Column(say("version")), Column(say("arch_short")),
               Column(say("manager")))  # fmt: skip
    rows = [[escape(p["name"]), escape(p["version"]), p["arch"], p["manager"]]
            for p in data["software"]]  # fmt: skip
    console.print(records(console, say("installed", count=len(rows)), columns, rows))
