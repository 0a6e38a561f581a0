"""What changed since the previous register, machine by machine.

Each register stores, per machine, the hardware fingerprint of netwatch.assets.fingerprint
plus the CPU model and RAM total its machines sheet shows, as JSON in the workbook's hidden
sheet (so the next run can compare with it even after the file was copied or opened in
Excel). A hardware change is :func:`~netwatch.assets.fingerprint.hardware_changes`'s (a
swapped disk is one replacement; what was not read on either side is no change); a machine
in only one of the two registers is added or gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from netwatch.assets.fingerprint import HardwareChange, fingerprint, hardware_changes, unread
from netwatch.assets.model import Hardware
from netwatch.audit.i18n import format_bytes
from netwatch.register.hosts import HostFacts
from netwatch.register.labels import text

SNAPSHOT_FORMAT: Final = "netwatch-asset-register"
SNAPSHOT_VERSION: Final = 2


@dataclass(frozen=True)
class Change:
    """One line of the changes sheet."""

    hostname: str
    what: str
    before: str
    after: str


class HostPrint(BaseModel):
    """What the next register compares a machine with (no secret among its fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hostname: str
    cpu: str | None = None
    ram_total: int | None = None
    hardware: Hardware  # its fingerprint


class Snapshot(BaseModel):
    """The register's machines as stored in its hidden sheet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["netwatch-asset-register"] = SNAPSHOT_FORMAT
    version: Literal[2] = SNAPSHOT_VERSION
    generated_at: str
    hosts: list[HostPrint]


def host_print(host: HostFacts) -> HostPrint:
    return HostPrint(hostname=host.hostname, cpu=host.cpu, ram_total=host.ram_total,
                     hardware=fingerprint(host.hardware))  # fmt: skip


def snapshot(hosts: list[HostFacts], generated_at: str) -> Snapshot:
    """The register's machines as the next register compares with them."""
    return Snapshot(generated_at=generated_at, hosts=[host_print(h) for h in hosts])


def _hardware_row(hostname: str, change: HardwareChange, lang: str) -> Change:
    what = text(f"change.{change.component}.{change.change}", lang)
    return Change(hostname, what, change.before or "", change.after or "")


def _ram_total_change(before: HostPrint, after: HostPrint, lang: str) -> list[Change]:
    """The RAM total's change, when both are known and measured alike: both the modules' sum
    or both what the OS sees (less than the modules: the firmware keeps some)."""
    old, new = before.ram_total, after.ram_total
    if old is None or new is None or old == new:
        return []
    if unread(before.hardware, "memory") != unread(after.hardware, "memory"):
        return []
    shown = format_bytes(old, lang), format_bytes(new, lang)
    return [Change(after.hostname, text("change.ram_total", lang), *shown)]


def host_changes(before: HostPrint, after: HostPrint, lang: str) -> list[Change]:
    """What differs between two prints of one machine (what was not read is no change)."""
    name = after.hostname
    found = hardware_changes(before.hardware, after.hardware)
    changes = [_hardware_row(name, change, lang) for change in found]
    if before.cpu and after.cpu and before.cpu != after.cpu:
        changes.append(Change(name, text("change.cpu", lang), before.cpu, after.cpu))
    return changes + _ram_total_change(before, after, lang)


def _identity(host: HostPrint) -> str:
    """The machine in a few words: its model and serial number."""
    system = host.hardware.system
    serial = f"S/N {system.serial}" if system and system.serial else ""
    return " ".join(p for p in (system.model if system else None, serial) if p)


def register_changes(previous: Snapshot, now: Snapshot, lang: str) -> list[Change]:
    """Every change from the ``previous`` register to ``now``, by hostname."""
    old = {h.hostname.casefold(): h for h in previous.hosts}
    new = {h.hostname.casefold(): h for h in now.hosts}
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            added = new[key]
            changes.append(Change(added.hostname, text("change.host_added", lang), "",
                                  _identity(added)))  # fmt: skip
        elif key not in new:
            gone = old[key]
            changes.append(Change(gone.hostname, text("change.host_missing", lang),
                                  _identity(gone), ""))  # fmt: skip
        else:
            changes += host_changes(old[key], new[key], lang)
    return changes
