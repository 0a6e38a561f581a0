"""Walk a raw SMBIOS structure table (DMTF DSP0134) and decode its memory devices (type 17).

The table is what Linux exposes as ``/sys/firmware/dmi/tables/DMI`` (root only) and
Windows keeps in the registry: structures back to back, each a formatted area (type,
length, handle, then fields) followed by its strings, each NUL-terminated, the set ending
with an extra NUL. String fields hold a 1-based index into that set (0: no string).
A truncated or garbled table ends the walk where it stops making sense: never an exception.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEADER_SIZE = 4
END_OF_TABLE = 127
MEMORY_DEVICE = 17
SIZE_UNKNOWN = 0xFFFF
SIZE_EXTENDED = 0x7FFF
SIZE_IN_KB = 0x8000
SPEED_EXTENDED = 0xFFFF
# Strings firmware writes where it knows nothing.
PLACEHOLDERS = frozenset(
    {
        "",
        "not specified",
        "not available",
        "unknown",
        "none",
        "n/a",
        "na",
        "no dimm",
        "empty",
        "to be filled by o.e.m.",
        "default string",
        "serial#",
        "partnum#",
        "manufacturer00",
        "manufacturer0",
        "part number",
        "serial number",
        "00000000",
        "0000000000000000",
        "ffffffff",
    }
)


@dataclass(frozen=True)
class Structure:
    """One SMBIOS structure: its formatted area (header included) and its strings."""

    type: int
    handle: int
    data: bytes
    strings: tuple[str, ...]

    def byte(self, offset: int) -> int | None:
        """The BYTE at ``offset``, None when the formatted area is shorter (an older version)."""
        return self.data[offset] if offset < len(self.data) else None

    def word(self, offset: int) -> int | None:
        """The little-endian WORD at ``offset``, or None."""
        if offset + 2 > len(self.data):
            return None
        return int(struct.unpack_from("<H", self.data, offset)[0])

    def dword(self, offset: int) -> int | None:
        """The little-endian DWORD at ``offset``, or None."""
        if offset + 4 > len(self.data):
            return None
        return int(struct.unpack_from("<I", self.data, offset)[0])

    def string(self, offset: int) -> str | None:
        """The string a STRING field at ``offset`` points to, None when absent or a placeholder."""
        index = self.byte(offset)
        if not index or index > len(self.strings):
            return None
        text = self.strings[index - 1].strip()
        return None if text.lower() in PLACEHOLDERS else text


def structures(table: bytes) -> Iterator[Structure]:
    """The structures of ``table`` in order, up to the end-of-table one or the first bad one."""
    offset = 0
    while offset + HEADER_SIZE <= len(table):
        kind, length, handle = struct.unpack_from("<BBH", table, offset)
        if length < HEADER_SIZE or offset + length > len(table):
            return
        end = table.find(b"\x00\x00", offset + length)
        if end < 0:
            return
        area = table[offset + length : end]
        strings = tuple(s.decode("latin-1") for s in area.split(b"\x00")) if area else ()
        yield Structure(kind, handle, table[offset : offset + length], strings)
        if kind == END_OF_TABLE:
            return
        offset = end + 2


@dataclass(frozen=True)
class MemoryDevice:
    """A populated memory slot (``size`` bytes, ``speed_mts`` the rated MT/s)."""

    slot: str
    size: int | None
    speed_mts: int | None
    manufacturer: str | None
    part_number: str | None
    serial: str | None


def memory_size(device: Structure) -> int | None:
    """Bytes in the module: 0 for an empty slot, None when unknown (SMBIOS 2.1 to 3.x)."""
    size = device.word(0x0C)
    if size is None or size == SIZE_UNKNOWN:
        return None
    if size == SIZE_EXTENDED:
        extended = device.dword(0x1C)
        return None if extended is None else (extended & 0x7FFFFFFF) * 1024 * 1024
    if size & SIZE_IN_KB:
        return (size & 0x7FFF) * 1024
    return size * 1024 * 1024


def memory_speed(device: Structure) -> int | None:
    """The module's rated speed in MT/s (the extended field from SMBIOS 3.3), None: unknown."""
    speed = device.word(0x15)
    if speed == SPEED_EXTENDED:
        speed = device.dword(0x54)
    return speed or None


def memory_devices(table: bytes) -> list[MemoryDevice]:
    """The populated memory slots of the table, in table order."""
    found = []
    for device in structures(table):
        if device.type != MEMORY_DEVICE:
            continue
        size = memory_size(device)
        if size == 0:
            continue  # no module in this slot
        found.append(
            MemoryDevice(
                slot=device.string(0x10) or device.string(0x11) or "",
                size=size,
                speed_mts=memory_speed(device),
                manufacturer=device.string(0x17),
                part_number=device.string(0x1A),
                serial=device.string(0x18),
            )
        )
    return found
