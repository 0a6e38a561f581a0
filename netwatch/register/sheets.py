"""The register's sheets as typed rows: machines, software, monitors and printers, changes.

Every value is text, a number, a date or a time (never formatted into text here), so the
workbook stores numbers as numbers and dates as dates; the CSV writes them as shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from netwatch.assets.model import Assignment, Hardware, Membership
from netwatch.audit.i18n import format_bytes
from netwatch.register.assignments import AssetMap, merged
from netwatch.register.changes import Change
from netwatch.register.hosts import HostFacts
from netwatch.register.labels import known, text
from netwatch.times import parse_utc

Kind = Literal["text", "number", "date", "datetime"]
Cell = str | int | float | dt.date | dt.datetime | None
GIB = 1024**3


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``key`` names its CSV file, ``title`` is its name in the reader's language."""

    key: str
    title: str
    columns: tuple[Column, ...]
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class Machine:
    """A machine of the register with where it belongs."""

    host: HostFacts
    assignment: Assignment


MACHINE_COLUMNS = (
    Column("hostname"), Column("office"), Column("department"), Column("room"),
    Column("owner"), Column("asset_tag"), Column("manufacturer"), Column("model"),
    Column("serial"), Column("uuid"), Column("chassis"), Column("cpu"),
    Column("ram_gib", "number"), Column("ram_modules"), Column("disks"), Column("os_name"),
    Column("os_version"), Column("windows_product"), Column("windows_status"),
    Column("windows_channel"), Column("office_product"), Column("office_status"),
    Column("office_channel"), Column("antivirus"), Column("membership"), Column("last_user"),
    Column("frequent_user"), Column("bios_version"), Column("bios_date", "date"),
    Column("secure_boot"), Column("tpm"), Column("purchase_date", "date"),
    Column("report_date", "datetime"),
)  # fmt: skip
SOFTWARE_COLUMNS = (Column("hostname"), Column("package"), Column("version"),
                    Column("publisher"), Column("source"), Column("arch"))  # fmt: skip
PERIPHERAL_COLUMNS = (
    Column("hostname"), Column("kind"), Column("name"), Column("maker"), Column("serial"),
    Column("connection"), Column("default"), Column("year", "number"), Column("driver"),
    Column("location"),
)  # fmt: skip
CHANGE_COLUMNS = (Column("hostname"), Column("what"), Column("before"), Column("after"))


def machines(hosts: list[HostFacts], assets: AssetMap | None) -> list[Machine]:
    """Each host with its assignment: the office CSV's, else the machine's own."""
    result = []
    for host in hosts:
        system = host.hardware.system
        macs = [nic.mac for nic in host.inventory.network_interfaces if nic.mac]
        office = assets.find(system.serial if system else None, macs) if assets else None
        result.append(Machine(host, merged(host.hardware.assignment, office)))
    return result


def _date(value: str | None) -> dt.date | None:
    """An ISO date (or the date of an ISO time); None when absent or not a date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _time(value: str) -> dt.datetime | None:
    """An ISO time as a naive UTC datetime (a spreadsheet has no time zones)."""
    try:
        return parse_utc(value).astimezone(dt.timezone.utc).replace(tzinfo=None)
    except ValueError:
        return None


def _choice(kind: str, value: str | None, lang: str) -> str:
    """A known value in the reader's language; another one as written."""
    if not value:
        return ""
    key = f"{kind}.{value.casefold()}"
    return text(key, lang) if known(key) else value


def _flag(value: bool | None, lang: str, yes: str = "yes", no: str = "no") -> str:
    return "" if value is None else text(yes if value else no, lang)


def _ram_modules(hw: Hardware, lang: str) -> str:
    return "; ".join(
        " ".join(
            part
            for part in (
                f"{m.slot}:" if m.slot else "",
                format_bytes(m.size, lang) if m.size is not None else "",
                f"{m.speed_mts} MT/s" if m.speed_mts else "",
            )
            if part
        )
        for m in hw.memory_modules
    )


def _disks(hw: Hardware, lang: str) -> str:
    described = []
    for d in hw.disks:
        facts = [d.kind.upper() if d.kind != "unknown" else "", (d.bus or "").upper(),
                 format_bytes(d.size, lang) if d.size is not None else "",
                 f"S/N {d.serial}" if d.serial else ""]  # fmt: skip
        inside = ", ".join(f for f in facts if f)
        described.append(f"{d.model or d.name or '?'}" + (f" ({inside})" if inside else ""))
    return "; ".join(described)


def _antivirus(hw: Hardware, lang: str) -> str:
    names = []
    for product in hw.antivirus:
        if product.enabled is False:
            names.append(text("antivirus.off", lang, name=product.name))
        elif product.up_to_date is False:
            names.append(text("antivirus.outdated", lang, name=product.name))
        else:
            names.append(product.name)
    return ", ".join(names)


def _membership(member: Membership | None, lang: str) -> str:
    if member is None:
        return ""
    if member.domain and member.joined is not False:
        return text("membership.domain", lang, name=member.domain)
    if member.workgroup:
        return text("membership.workgroup", lang, name=member.workgroup)
    return ""


def _tpm(hw: Hardware, lang: str) -> str:
    tpm = hw.tpm
    if tpm is None or tpm.present is None:
        return ""
    if not tpm.present:
        return text("tpm.none", lang)
    return tpm.version or text("yes", lang)


def _ram_gib(host: HostFacts) -> float | None:
    total = host.ram_total
    return None if total is None else round(total / GIB, 1)


def _licences(hw: Hardware, windows: bool, lang: str) -> tuple[str, str, str, str, str, str]:
    """Windows edition, activation and channel; Office products, activation and channel."""
    licence = hw.windows_licence
    if licence:
        own = (licence.product or "", _choice("status", licence.status, lang),
               _choice("channel", licence.channel, lang))  # fmt: skip
    else:
        own = ("", text("not_windows", lang) if not windows else "", "")
    offices = hw.office_licences
    return (
        *own,
        "; ".join(_joined(o.product, o.version) for o in offices),
        "; ".join(_choice("status", o.status, lang) for o in offices),
        "; ".join(_choice("channel", o.channel, lang) for o in offices),
    )


def _joined(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def machine_row(machine: Machine, office: str, lang: str) -> tuple[Cell, ...]:
    """One row of the machines sheet, in MACHINE_COLUMNS' order."""
    host, where = machine.host, machine.assignment
    hw = host.hardware
    system, firmware, usage = hw.system, hw.firmware, hw.usage
    family = host.inventory.host.os_family if host.inventory.host else ""
    windows = family == "windows" or host.os_name.casefold().startswith("windows")
    return (
        host.hostname, office, where.department, where.room, where.owner, where.asset_tag,
        system.manufacturer if system else None, system.model if system else None,
        system.serial if system else None, system.uuid if system else None,
        _choice("chassis", system.chassis if system else None, lang),
        host.cpu, _ram_gib(host), _ram_modules(hw, lang), _disks(hw, lang),
        host.os_name, host.os_version, *_licences(hw, windows, lang), _antivirus(hw, lang),
        _membership(hw.membership, lang), usage.last_user if usage else None,
        usage.frequent_user if usage else None, firmware.version if firmware else None,
        _date(firmware.date if firmware else None),
        _flag(firmware.secure_boot if firmware else None, lang, "on", "off"), _tpm(hw, lang),
        _date(where.purchase_date), _time(host.reported_at),
    )  # fmt: skip


def software_rows(hosts: list[HostFacts]) -> list[tuple[Cell, ...]]:
    return [
        (host.hostname, p.name, p.version, p.vendor, p.manager, p.arch)
        for host in hosts
        for p in sorted(host.inventory.software, key=lambda p: (p.name.casefold(), p.version))
    ]


def peripheral_rows(hosts: list[HostFacts], lang: str) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for host in hosts:
        hw = host.hardware
        rows += [
            (host.hostname, text("kind.monitor", lang), m.model, m.maker, m.serial,
             m.connector, "", m.year, None, None)
            for m in hw.monitors
        ]  # fmt: skip
        rows += [
            (host.hostname, text("kind.printer", lang), p.name, None, None,
             _choice("connection", p.connection, lang), _flag(p.default or None, lang),
             None, p.driver, p.location)
            for p in hw.printers
        ]  # fmt: skip
    return rows


def change_rows(changes: list[Change]) -> list[tuple[Cell, ...]]:
    return [(c.hostname, c.what, c.before, c.after) for c in changes]


def _sheet(key: str, columns: tuple[Column, ...], rows: list[tuple[Cell, ...]], lang: str) -> Sheet:
    headers = tuple(text(f"col.{c.key}", lang) for c in columns)
    return Sheet(key, text(f"sheet.{key}", lang), columns, headers, rows)


def build_sheets(
    register: list[Machine], changes: list[Change], office: str, lang: str
) -> list[Sheet]:
    """The four sheets of the register."""
    hosts = [m.host for m in register]
    return [
        _sheet("machines", MACHINE_COLUMNS, [machine_row(m, office, lang) for m in register], lang),
        _sheet("software", SOFTWARE_COLUMNS, software_rows(hosts), lang),
        _sheet("peripherals", PERIPHERAL_COLUMNS, peripheral_rows(hosts, lang), lang),
        _sheet("changes", CHANGE_COLUMNS, change_rows(changes), lang),
    ]
