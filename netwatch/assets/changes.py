"""What changed since the previous register: each machine's hardware fingerprint, compared.

The fingerprint is plain JSON (stored in the workbook's hidden sheet, so the next run can
compare with it even after the file was copied or opened in Excel): identity, firmware
version, RAM modules, disks, monitors, printers and GPUs. A component that changed is a
removal and an addition (a swapped disk: its old serial removed, the new one added).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netwatch.assets.hosts import HostFacts
from netwatch.assets.labels import text
from netwatch.audit.i18n import format_bytes

SNAPSHOT_FORMAT = "netwatch-asset-register"
SNAPSHOT_VERSION = 1
IDENTITY = ("manufacturer", "model", "serial", "uuid", "cpu", "bios_version")
PARTS = ("memory", "disks", "monitors", "printers", "gpus")
_PART_CHANGES = {"memory": "ram", "disks": "disk", "monitors": "monitor",
                 "printers": "printer", "gpus": "gpu"}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One line of the changes sheet."""

    hostname: str
    what: str
    before: str
    after: str


def ram_total(host: HostFacts) -> int | None:
    """Bytes of RAM: the modules' sum when they were read, else what the OS sees."""
    sizes = [m.size for m in host.hardware.memory_modules if m.size is not None]
    if sizes:
        return sum(sizes)
    memory = host.inventory.memory
    return memory.total if memory else None


def fingerprint(host: HostFacts) -> dict[str, Any]:
    """The facts of ``host`` that the next register compares with (no secret among them)."""
    hw = host.hardware
    system, firmware, cpu = hw.system, hw.firmware, host.inventory.cpu
    return {
        "hostname": host.hostname,
        "manufacturer": system.manufacturer if system else None,
        "model": system.model if system else None,
        "serial": system.serial if system else None,
        "uuid": system.uuid if system else None,
        "cpu": cpu.model if cpu else None,
        "bios_version": firmware.version if firmware else None,
        "ram_total": ram_total(host),
        "memory": [{"slot": m.slot, "size": m.size, "serial": m.serial}
                   for m in hw.memory_modules],
        "disks": [{"model": d.model, "serial": d.serial, "size": d.size} for d in hw.disks],
        "monitors": [{"maker": m.maker, "model": m.model, "serial": m.serial}
                     for m in hw.monitors],
        "printers": [{"name": p.name} for p in hw.printers],
        "gpus": [{"name": g.name} for g in hw.gpus],
    }  # fmt: skip


def snapshot(hosts: list[HostFacts], generated_at: str) -> dict[str, Any]:
    """The register's fingerprints as one JSON document."""
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "generated_at": generated_at,
        "hosts": [fingerprint(h) for h in hosts],
    }


def _size(value: Any, lang: str) -> str:
    return format_bytes(value, lang) if isinstance(value, int) else ""


def _serial(value: Any) -> str:
    return f"S/N {value}" if value else ""


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


_DESCRIBE: dict[str, Callable[[dict[str, Any], str], str]] = {
    "memory": lambda m, lang: _joined(f"{m.get('slot') or '?'}:", _size(m.get("size"), lang),
                                      _serial(m.get("serial"))),
    "disks": lambda d, lang: _joined(d.get("model") or "?", _size(d.get("size"), lang),
                                     _serial(d.get("serial"))),
    "monitors": lambda m, lang: _joined(m.get("maker") or "", m.get("model") or "?",
                                        _serial(m.get("serial"))),
    "printers": lambda p, lang: str(p.get("name") or "?"),
    "gpus": lambda g, lang: str(g.get("name") or "?"),
}  # fmt: skip


def _items(print_: dict[str, Any], part: str, lang: str) -> Counter[str]:
    items = print_.get(part)
    if not isinstance(items, list):
        return Counter()
    return Counter(_DESCRIBE[part](i, lang) for i in items if isinstance(i, dict))


def _value(print_: dict[str, Any], key: str, lang: str) -> str:
    value = print_.get(key)
    if key == "ram_total":
        return _size(value, lang)
    return value if isinstance(value, str) else ""


def host_changes(before: dict[str, Any], after: dict[str, Any], lang: str) -> list[Change]:
    """What differs between two fingerprints of one machine."""
    name = str(after.get("hostname", ""))
    changes = [
        Change(
            name, text(f"change.{key}", lang), _value(before, key, lang), _value(after, key, lang)
        )
        for key in (*IDENTITY, "ram_total")
        if _value(before, key, lang) != _value(after, key, lang)
    ]
    for part in PARTS:
        old, new = _items(before, part, lang), _items(after, part, lang)
        kind = _PART_CHANGES[part]
        removed = text(f"change.{kind}_removed", lang)
        added = text(f"change.{kind}_added", lang)
        changes += [Change(name, removed, item, "") for item in sorted((old - new).elements())]
        changes += [Change(name, added, "", item) for item in sorted((new - old).elements())]
    return changes


def _key(print_: dict[str, Any]) -> str:
    return str(print_.get("hostname", "")).casefold()


def register_changes(previous: dict[str, Any], now: dict[str, Any], lang: str) -> list[Change]:
    """Every change from the ``previous`` snapshot to ``now``, by hostname."""
    old = {_key(p): p for p in previous.get("hosts", []) if isinstance(p, dict)}
    new = {_key(p): p for p in now["hosts"]}
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            after = new[key]
            shown = _joined(after.get("model") or "", _serial(after.get("serial")))
            changes.append(Change(after["hostname"], text("change.host_added", lang), "", shown))
        elif key not in new:
            gone = old[key]
            was = _joined(str(gone.get("model") or ""), _serial(gone.get("serial")))
            what = text("change.host_missing", lang)
            changes.append(Change(str(gone.get("hostname", "")), what, was, ""))
        else:
            changes += host_changes(old[key], new[key], lang)
    return changes
