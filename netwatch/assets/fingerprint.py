"""A host's hardware fingerprint and what changed between two of them.

The fingerprint is the identity-bearing part of :class:`Hardware`: the system's maker,
model, serial and UUID, the firmware, the TPM, RAM modules, disks (model, serial, size;
USB disks come and go, so they are left out), monitors (maker, model, serial), GPUs and
printers. Disk health, the default printer and the like are not identity.

What is not known is never a change: a field that is None on either side is not compared,
nor is a part list the reader could not read (named in ``needs_privilege``, or empty for
RAM and disks, which a running machine always has). A part is recognised by what it is,
not where it sits: RAM modules moved between slots, or a disk renamed, change nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

from netwatch.assets.model import (
    Firmware,
    Gpu,
    Hardware,
    MemoryModule,
    Monitor,
    OpenRecord,
    PhysicalDisk,
    Printer,
    SystemIdentity,
    Tpm,
)

Component = Literal["system", "firmware", "tpm", "memory", "disk", "monitor", "gpu", "printer"]
ChangeKind = Literal["added", "removed", "replaced", "changed"]
COMPONENTS: tuple[Component, ...] = get_args(Component)
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)

R = TypeVar("R", bound=OpenRecord)


class HardwareChange(BaseModel):
    """One change: which component, how, and short descriptions of the part before and after
    (None for a part added or removed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    component: Component
    change: ChangeKind
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class _Parts:
    """How one list of parts is fingerprinted and compared."""

    component: Component
    field: str  # the Hardware field (and its name in needs_privilege)
    kind: type[OpenRecord]
    identity: tuple[str, ...]  # what the part is
    slot: str | None  # where it sits: a part gone and another in its place is a replacement
    always_present: bool  # an empty list means "not read", not "none"


_SYSTEM_FIELDS = ("manufacturer", "model", "serial", "uuid")
_FIRMWARE_FIELDS = ("vendor", "version", "date")
_TPM_FIELDS = ("present", "version", "manufacturer")
_PARTS = (
    _Parts("memory", "memory_modules", MemoryModule,
           ("size", "manufacturer", "part_number", "serial"), "slot", always_present=True),
    _Parts("disk", "disks", PhysicalDisk, ("model", "serial", "size"), "name",
           always_present=True),
    _Parts("monitor", "monitors", Monitor, ("maker", "model", "serial"), "connector",
           always_present=False),
    _Parts("gpu", "gpus", Gpu, ("vendor", "name"), None, always_present=False),
    _Parts("printer", "printers", Printer, ("name",), None, always_present=False),
)  # fmt: skip
POSSIBLE_CHANGES: tuple[tuple[Component, ChangeKind], ...] = (
    ("system", "changed"),
    ("firmware", "changed"),
    ("tpm", "added"),
    ("tpm", "removed"),
    ("tpm", "changed"),
    *((p.component, kind) for p in _PARTS for kind in ("added", "removed", "replaced")
      if kind != "replaced" or p.slot is not None),
)  # fmt: skip
"""Every (component, change) :func:`hardware_changes` can report, for the counters."""


def _pick(record: R | None, kind: type[R], fields: Sequence[str]) -> R | None:
    if record is None:
        return None
    return kind(**{name: getattr(record, name) for name in fields})


def fingerprint(hardware: Hardware) -> Hardware:
    """The identity-bearing parts of ``hardware`` (what the change memory keeps)."""
    lists = {
        parts.field: [_pick_part(item, parts) for item in getattr(hardware, parts.field)
                      if not (isinstance(item, PhysicalDisk) and item.bus == "usb")]
        for parts in _PARTS
    }  # fmt: skip
    return Hardware(
        system=_pick(hardware.system, SystemIdentity, _SYSTEM_FIELDS),
        firmware=_pick(hardware.firmware, Firmware, _FIRMWARE_FIELDS),
        tpm=_pick(hardware.tpm, Tpm, _TPM_FIELDS),
        **lists,  # type: ignore[arg-type]
        needs_privilege=[p.field for p in _PARTS if p.field in hardware.needs_privilege],
        unread=[p.field for p in _PARTS if p.field in hardware.unread],
    )


def _pick_part(record: OpenRecord, parts: _Parts) -> OpenRecord:
    fields = parts.identity + ((parts.slot,) if parts.slot else ())
    return parts.kind(**{name: getattr(record, name) for name in fields})


def _unread(hardware: Hardware, parts: _Parts) -> bool:
    items = getattr(hardware, parts.field)
    not_read = parts.field in hardware.needs_privilege or parts.field in hardware.unread
    return not_read or (parts.always_present and not items)


def unread(hardware: Hardware, component: Component) -> bool:
    """True when the reader could not read this list of parts (so it says nothing)."""
    return any(_unread(hardware, parts) for parts in _PARTS if parts.component == component)


def remembered(previous: Hardware | None, current: Hardware) -> Hardware:
    """The fingerprint to keep after ``current``: what it read, and from ``previous`` what
    it could not (a field None now, a part list unread now), so nothing known is forgotten."""
    now = fingerprint(current)
    if previous is None:
        return now
    kept: dict[str, object] = {
        "system": _merged(previous.system, now.system, _SYSTEM_FIELDS),
        "firmware": _merged(previous.firmware, now.firmware, _FIRMWARE_FIELDS),
        "tpm": _merged(previous.tpm, now.tpm, _TPM_FIELDS),
    }
    denied, unread = [], []
    for parts in _PARTS:
        source = previous if _unread(now, parts) else now
        kept[parts.field] = getattr(source, parts.field)
        if parts.field in source.needs_privilege:
            denied.append(parts.field)
        elif parts.field in source.unread:
            unread.append(parts.field)
    return Hardware(**kept, needs_privilege=denied, unread=unread)  # type: ignore[arg-type]


def _merged(old: R | None, new: R | None, fields: Sequence[str]) -> R | None:
    if old is None or new is None:
        return new or old
    values = {name: _first_known(getattr(new, name), getattr(old, name)) for name in fields}
    return type(new)(**values)


def _first_known(*values: object) -> object:
    return next((value for value in values if value is not None), None)


def hardware_changes(before: Hardware, after: Hardware) -> list[HardwareChange]:
    """What changed from ``before`` to ``after`` (fingerprinted first), component by
    component in :data:`COMPONENTS` order."""
    old, new = fingerprint(before), fingerprint(after)
    changes = _record_change("system", old.system, new.system, _SYSTEM_FIELDS, _describe_system)
    changes += _record_change(
        "firmware", old.firmware, new.firmware, _FIRMWARE_FIELDS, _describe_firmware
    )
    changes += _tpm_changes(old.tpm, new.tpm)
    for parts in _PARTS:
        if not (_unread(old, parts) or _unread(new, parts)):
            changes += _part_changes(parts, getattr(old, parts.field), getattr(new, parts.field))
    return changes


def _differing(old: OpenRecord, new: OpenRecord, fields: Sequence[str]) -> list[str]:
    """Fields known on both sides whose values differ."""
    pairs = ((name, getattr(old, name), getattr(new, name)) for name in fields)
    return [name for name, a, b in pairs if a is not None and b is not None and a != b]


def _record_change(
    component: Component,
    old: R | None,
    new: R | None,
    fields: Sequence[str],
    describe: Callable[[R, Sequence[str]], str],
) -> list[HardwareChange]:
    if old is None or new is None:
        return []
    differing = _differing(old, new, fields)
    if not differing:
        return []
    before, after = describe(old, differing), describe(new, differing)
    return [HardwareChange(component=component, change="changed", before=before, after=after)]


def _tpm_changes(old: Tpm | None, new: Tpm | None) -> list[HardwareChange]:
    if old is None or new is None:
        return []
    if old.present is not None and new.present is not None and old.present != new.present:
        kind: ChangeKind = "added" if new.present else "removed"
        return [HardwareChange(component="tpm", change=kind,
                               before=_describe_tpm(old) if old.present else None,
                               after=_describe_tpm(new) if new.present else None)]  # fmt: skip
    if old.present is False or new.present is False:
        return []
    return _record_change(
        "tpm", old, new, ("version", "manufacturer"), lambda t, _: _describe_tpm(t)
    )


def _part_changes(
    parts: _Parts, old: Sequence[OpenRecord], new: Sequence[OpenRecord]
) -> list[HardwareChange]:
    """Parts gone and parts new, compared by the identity fields known on both sides; a gone
    part and a new one in the same slot make one replacement."""
    fields = [
        name
        for name in parts.identity
        if any(getattr(i, name) is not None for i in old)
        and any(getattr(i, name) is not None for i in new)
    ]

    def key(item: OpenRecord) -> tuple[object, ...]:
        return tuple(getattr(item, name) for name in fields)

    gone = _beyond(old, Counter(key(i) for i in new), key)
    arrived = _beyond(new, Counter(key(i) for i in old), key)
    changes = []
    for item in gone:
        slot = getattr(item, parts.slot) if parts.slot else None
        twin = next((i for i in arrived if slot and getattr(i, parts.slot or "") == slot), None)
        if twin is not None:
            arrived.remove(twin)
        change: ChangeKind = "removed" if twin is None else "replaced"
        after = None if twin is None else describe_part(twin)
        changes.append(HardwareChange(component=parts.component, change=change,
                                      before=describe_part(item), after=after))  # fmt: skip
    changes += [
        HardwareChange(component=parts.component, change="added", after=describe_part(item))
        for item in arrived
    ]
    return changes


def _beyond(
    items: Sequence[OpenRecord],
    other: Counter[tuple[object, ...]],
    key: Callable[[OpenRecord], tuple[object, ...]],
) -> list[OpenRecord]:
    """The items of ``items`` that ``other`` (counts by key) has no match for."""
    left = Counter(other)
    extra = []
    for item in items:
        if left[key(item)] > 0:
            left[key(item)] -= 1
        else:
            extra.append(item)
    return extra


# Short descriptions: what an officer reads in the audit's changes and the register, in any
# language: values only, with the international marks S/N and UUID (no English words).


def _size(value: int | None, unit: int, name: str) -> str | None:
    if value is None:
        return None
    return f"{value / unit:.0f} {name}" if value >= unit else f"{value} B"


def _joined(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")) or "?"


_SYSTEM_MARKS = {"serial": "S/N ", "uuid": "UUID "}


def _describe_system(system: SystemIdentity, fields: Sequence[str]) -> str:
    return ", ".join(f"{_SYSTEM_MARKS.get(name, '')}{getattr(system, name)}" for name in fields)


def _describe_firmware(firmware: Firmware, fields: Sequence[str]) -> str:
    return _joined(firmware.vendor, firmware.version, f"({firmware.date})" if firmware.date else "")


def _describe_tpm(tpm: Tpm, fields: Sequence[str] = ()) -> str:
    return _joined("TPM", tpm.version, tpm.manufacturer)


def describe_part(item: OpenRecord) -> str:
    """A part in a few words: a RAM module, disk, monitor, GPU or printer."""
    if isinstance(item, MemoryModule):
        serial = f"S/N {item.serial}" if item.serial else ""
        what = _joined(_size(item.size, 1024**3, "GiB"), item.manufacturer, item.part_number,
                       serial)  # fmt: skip
        return f"{item.slot}: {what}" if item.slot else what
    if isinstance(item, PhysicalDisk):
        serial = f"S/N {item.serial}" if item.serial else ""
        return _joined(item.model, _size(item.size, 1024**3, "GiB"), serial,
                       f"({item.name})" if item.name else "")  # fmt: skip
    if isinstance(item, Monitor):
        serial = f"S/N {item.serial}" if item.serial else ""
        return _joined(item.maker, item.model, serial)
    if isinstance(item, Gpu):
        return _joined(item.vendor, item.name)
    if isinstance(item, Printer):
        return _joined(item.name)
    raise TypeError(f"not a hardware part: {type(item).__name__}")
