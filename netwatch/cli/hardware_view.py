"""The ``hardware`` section of ``netwatch inventory`` on the terminal: identity, then parts."""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from netwatch.i18n import Label


@cache
def _words() -> dict[str, Label]:
    """The hardware view's words (netwatch.i18n is imported here, not for ``--help``)."""
    from netwatch.i18n import label

    return {
        "title": label("Hardware and licences"),
        "system": label("Manufacturer and model"),
        "serial": label("Serial number"),
        "secure_boot": label("Secure Boot"),
        "tpm": label("TPM"),
        "windows": label("Windows licence"),
        "office": label("Office licence"),
        "membership": label("Domain or workgroup"),
        "usage": label("Last user"),
        "assignment": label("Asset tag, department, room"),
        "needs_privilege": label("Needs administrator rights"),
        "on": label("on"),
        "off": label("off"),
        "absent": label("absent"),
        "parts": label("Parts"),
        "kind": label("Part"),
        "name": label("Name"),
        "detail": label("Detail"),
        "memory": label("RAM"),
        "disk": label("Disk"),
        "monitor": label("Monitor"),
        "printer": label("Printer"),
        "gpu": label("Graphics"),
        "default": label("default"),
        "connection.network": label("network printer"),
        "connection.local": label("local printer"),
        "connection.virtual": label("virtual printer"),
        "connection.unknown": label("unknown connection"),
        "status.licensed": label("activated"),
        "status.unlicensed": label("not activated"),
        "status.grace": label("grace period"),
        "status.notification": label("notification mode"),
        "status.unknown": label("unknown"),
    }


def _say(key: str, lang: str) -> str:
    return _words()[key].get(lang)


def _joined(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


def _size(value: int | None, lang: str) -> str:
    from netwatch.audit.i18n import format_bytes

    return format_bytes(value, lang) if value is not None else ""


def identity_rows(hardware: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) of the machine's identity, licences and who uses it (empty ones left out)."""
    say = partial(_say, lang=lang)
    system, firmware, tpm = (hardware.get(k) or {} for k in ("system", "firmware", "tpm"))
    rows = [
        (say("system"), _joined(system.get("manufacturer"), system.get("model"))),
        (say("serial"), system.get("serial") or ""),
        ("BIOS/UEFI", _joined(firmware.get("vendor"), firmware.get("version"),
                                  firmware.get("date"), "UEFI" if firmware.get("uefi") else "")),
        (say("secure_boot"), _flag(firmware.get("secure_boot"), lang)),
        (say("tpm"), _joined(tpm.get("version")) if tpm.get("present") else
         (say("absent") if tpm.get("present") is False else "")),
    ]  # fmt: skip
    windows = hardware.get("windows_licence")
    if windows:
        status = say(f"status.{windows.get('status', 'unknown')}")
        rows.append((say("windows"), _joined(windows.get("product"), f"({status})")))
    for office in hardware.get("office_licences") or []:
        status = say(f"status.{office.get('status', 'unknown')}")
        rows.append((say("office"), _joined(office.get("product"), f"({status})")))
    membership = hardware.get("membership") or {}
    rows.append((say("membership"), membership.get("domain") or membership.get("workgroup") or ""))
    usage = hardware.get("usage") or {}
    rows.append((say("usage"), usage.get("last_user") or ""))
    assignment = hardware.get("assignment") or {}
    place = (assignment.get(k) for k in ("asset_tag", "department", "room"))
    rows.append((say("assignment"), ", ".join(p for p in place if p)))
    rows.append((say("needs_privilege"), ", ".join(hardware.get("needs_privilege") or [])))
    return [(name, value) for name, value in rows if value]


def _flag(value: bool | None, lang: str) -> str:
    return "" if value is None else _say("on" if value else "off", lang)


def part_rows(hardware: dict[str, Any], lang: str) -> list[list[str]]:
    """[part, name, detail] for each RAM module, disk, monitor, printer and graphics card."""
    say = partial(_say, lang=lang)
    rows = []
    for module in hardware.get("memory_modules") or []:
        speed = f"{module['speed_mts']} MT/s" if module.get("speed_mts") else ""
        size = _size(module.get("size"), lang)
        rows.append([say("memory"), module.get("slot", ""),
                     _joined(size, speed, module.get("manufacturer"))])  # fmt: skip
    for disk in hardware.get("disks") or []:
        kind = disk.get("kind") if disk.get("kind") != "unknown" else ""
        rows.append([say("disk"), _joined(disk.get("name"), disk.get("model")),
                     _joined(_size(disk.get("size"), lang), kind.upper() if kind else "",
                             disk.get("bus"), disk.get("serial"))])  # fmt: skip
    for monitor in hardware.get("monitors") or []:
        rows.append([say("monitor"), _joined(monitor.get("maker"), monitor.get("model")),
                     _joined(monitor.get("serial"), monitor.get("year"))])  # fmt: skip
    for printer in hardware.get("printers") or []:
        default = f"({say('default')})" if printer.get("default") else ""
        connection = say(f"connection.{printer.get('connection', 'unknown')}")
        rows.append([say("printer"), printer.get("name", ""), _joined(connection, default)])
    for gpu in hardware.get("gpus") or []:
        rows.append([say("gpu"), gpu.get("name") or "", gpu.get("vendor") or ""])
    return rows


def print_hardware(console: Console, hardware: dict[str, Any], lang: str) -> None:
    """The hardware tables, each fitted to the console."""
    from rich.markup import escape

    from netwatch.cli.tables import Column, key_values, records

    say = partial(_say, lang=lang)
    pairs = [(name, escape(str(value))) for name, value in identity_rows(hardware, lang)]
    console.print(key_values(console, say("title"), pairs))
    rows = [[escape(cell) for cell in row] for row in part_rows(hardware, lang)]
    if rows:
        columns = (Column(say("kind")), Column(say("name"), "key"), Column(say("detail"), "long"))
        console.print(records(console, say("parts"), columns, rows))
