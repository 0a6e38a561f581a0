"""Decode a display's EDID base block (VESA EDID 1.3 and 1.4): who made it, what, which one.

Only the 128-byte base block is read: the header, the PNP manufacturer id, the product
code, the numeric serial, the week and year, and the text descriptors (0xFF serial,
0xFC model name). Short data, a wrong header, a bad checksum or an EDID version other
than 1 give an :class:`Edid` whose fields are all None: never an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

BLOCK_SIZE = 128
HEADER = b"\x00\xff\xff\xff\xff\xff\xff\x00"
DESCRIPTOR_OFFSETS = (54, 72, 90, 108)
DESCRIPTOR_SIZE = 18
TAG_SERIAL = 0xFF
TAG_MODEL_NAME = 0xFC

# PNP ids of common monitor and laptop-panel makers (the UEFI forum's PNP id registry).
PNP_MAKERS = {
    "ACR": "Acer",
    "AOC": "AOC",
    "APP": "Apple",
    "AUO": "AU Optronics",
    "AUS": "ASUS",
    "BNQ": "BenQ",
    "BOE": "BOE",
    "CMN": "Chimei Innolux",
    "DEL": "Dell",
    "EIZ": "EIZO",
    "GBT": "Gigabyte",
    "GSM": "LG",
    "HPN": "HP",
    "HWP": "HP",
    "IVM": "iiyama",
    "LEN": "Lenovo",
    "LGD": "LG Display",
    "NEC": "NEC",
    "PHL": "Philips",
    "RHT": "Red Hat (virtual display)",
    "SAM": "Samsung",
    "SDC": "Samsung Display",
    "SHP": "Sharp",
    "SNY": "Sony",
    "VSC": "ViewSonic",
}


@dataclass(frozen=True)
class Edid:
    """What the base block says; every field None when the block is not a valid EDID."""

    manufacturer_id: str | None = None
    manufacturer: str | None = None
    product_code: int | None = None
    serial_number: int | None = None
    serial_text: str | None = None
    model_name: str | None = None
    year: int | None = None

    @property
    def serial(self) -> str | None:
        """The serial as the monitor prints it: the text descriptor, else the number."""
        if self.serial_text:
            return self.serial_text
        return str(self.serial_number) if self.serial_number else None


def checksum_ok(block: bytes) -> bool:
    """True when the block's 128 bytes add up to 0 modulo 256."""
    return len(block) >= BLOCK_SIZE and sum(block[:BLOCK_SIZE]) % 256 == 0


def pnp_id(code: int) -> str | None:
    """The three letters packed in bytes 8-9 (5 bits each, 1 = 'A'); None when invalid."""
    if code & 0x8000:
        return None
    letters = [(code >> shift) & 0x1F for shift in (10, 5, 0)]
    if not all(1 <= letter <= 26 for letter in letters):
        return None
    return "".join(chr(ord("A") + letter - 1) for letter in letters)


def descriptor_text(descriptor: bytes) -> tuple[int, str] | None:
    """(tag, text) of a display descriptor (pixel clock 0); None for a timing descriptor."""
    if descriptor[0:3] != b"\x00\x00\x00" or descriptor[4] != 0:
        return None
    raw = descriptor[5:DESCRIPTOR_SIZE].split(b"\x0a", 1)[0]
    text = "".join(chr(byte) if 0x20 <= byte < 0x7F else " " for byte in raw)
    return descriptor[3], text.strip()


def texts(block: bytes, tag: int) -> str | None:
    """The text of the descriptors tagged ``tag`` (a long name may span two), or None."""
    parts = []
    for offset in DESCRIPTOR_OFFSETS:
        found = descriptor_text(block[offset : offset + DESCRIPTOR_SIZE])
        if found is not None and found[0] == tag and found[1]:
            parts.append(found[1])
    return " ".join(parts) or None


def parse_edid(data: bytes) -> Edid:
    """Decode an EDID base block (extensions after it are ignored)."""
    block = bytes(data[:BLOCK_SIZE])
    if len(block) < BLOCK_SIZE or block[:8] != HEADER or not checksum_ok(block):
        return Edid()
    if block[18] != 1:
        return Edid()
    (code,) = struct.unpack(">H", block[8:10])
    product, serial = struct.unpack("<HI", block[10:16])
    maker = pnp_id(code)
    return Edid(
        manufacturer_id=maker,
        manufacturer=PNP_MAKERS.get(maker or ""),
        product_code=product,
        serial_number=serial or None,
        serial_text=texts(block, TAG_SERIAL),
        model_name=texts(block, TAG_MODEL_NAME),
        year=1990 + block[17] if block[17] else None,  # the model year when week is 0xFF
    )
