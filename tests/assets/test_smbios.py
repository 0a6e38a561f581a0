"""The SMBIOS table walker and its memory-device decoding, on real-format tables and garbage.

The fixture tables were checked against ``dmidecode --from-dump`` when they were made
(same sizes, speeds, locators and strings).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from netwatch.assets.smbios import MemoryDevice, memory_devices, structures
from tests.assets.sysfixtures import (
    END_OF_TABLE,
    bios_info,
    memory_array,
    memory_device,
    smbios,
    system_info,
    uuid_bytes,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sys"


def table(*parts: bytes) -> bytes:
    return b"".join(parts) + END_OF_TABLE


def test_structures_with_and_without_strings() -> None:
    data = table(
        bios_info("Dell Inc.", "1.19.0", "09/12/2023"),
        system_info("QEMU", "Standard PC", "", uuid_bytes("6a1f0c2e-9b3d-4e5f-8a7b-1c2d3e4f5a6b")),
        memory_array(2, 1 << 24, ecc=False),
    )
    found = list(structures(data))
    assert [(s.type, s.handle, len(s.data)) for s in found] == [
        (0, 0x0000, 0x1A),
        (1, 0x0001, 0x1B),
        (16, 0x1000, 0x17),
        (127, 0xFEFF, 4),
    ]
    assert found[0].strings == ("Dell Inc.", "1.19.0", "09/12/2023")
    assert found[1].string(0x07) is None, "string index 0: no serial"
    assert found[2].strings == () and found[3].strings == ()


def test_nothing_is_read_past_the_end_of_table() -> None:
    data = table(memory_array(1, 1 << 20, ecc=False)) + memory_device(
        0x1100, "DIMM0", "", 4096, 0, ("X", "", "")
    )
    assert [s.type for s in structures(data)] == [16, 127]
    assert memory_devices(data) == []


def test_memory_devices_of_every_layout() -> None:
    data = table(
        memory_device(
            0x1100, "DIMM1", "BANK 0", 16384, 3200, ("Samsung", "4A1B2C3D", "M378A2G43AB3-CWE  ")
        ),
        memory_device(0x1101, "DIMM2", "BANK 1", 0, 0, ("", "", "")),
        memory_device(
            0x1102, "", "BANK 2", 65536, 2933, ("HPE", "NOT AVAILABLE", "P06035-B21"), 0x28
        ),
        memory_device(0x1103, "ChannelA", "", 8192, 3200, ("Unknown", "00000000", ""), 0x54),
        memory_device(0x1104, "DIMM5", "", 32768, 70000, ("Micron", "", ""), 0x5C),
    )
    assert memory_devices(data) == [
        MemoryDevice("DIMM1", 16 << 30, 3200, "Samsung", "M378A2G43AB3-CWE", "4A1B2C3D"),
        MemoryDevice("BANK 2", 64 << 30, 2933, "HPE", "P06035-B21", None),
        MemoryDevice("ChannelA", 8 << 30, 3200, None, None, None),
        MemoryDevice("DIMM5", 32 << 30, 70000, "Micron", None, None),
    ]


def test_old_short_records_and_kilobyte_sizes() -> None:
    fields = bytearray(0x15 - 4)  # SMBIOS 2.1: no speed, no manufacturer
    fields[0x0C - 4 : 0x0E - 4] = (0x8000 | 512).to_bytes(2, "little")  # 512 KB
    fields[0x10 - 4] = 1
    unknown = bytearray(fields)
    unknown[0x0C - 4 : 0x0E - 4] = (0xFFFF).to_bytes(2, "little")
    data = table(
        smbios(17, 0x20, bytes(fields), ["SIMM0"]), smbios(17, 0x21, bytes(unknown), ["SIMM1"])
    )
    assert memory_devices(data) == [
        MemoryDevice("SIMM0", 512 * 1024, None, None, None, None),
        MemoryDevice("SIMM1", None, None, None, None, None),
    ]


def test_fixture_tables() -> None:
    server = (FIXTURES / "server/sys/firmware/dmi/tables/DMI").read_bytes()
    assert [(m.slot, m.size) for m in memory_devices(server)] == [
        ("PROC 1 DIMM 8", 32 << 30),
        ("PROC 1 DIMM 10", 32 << 30),
    ], "32 GiB needs the extended size field"


def test_a_truncated_table_stops_where_it_breaks() -> None:
    data = table(memory_device(0x1100, "DIMM1", "", 8192, 3200, ("Kingston", "1", "KVR")))
    for cut in range(len(data)):
        devices = memory_devices(data[:cut])
        assert devices == [] or devices[0].slot == "DIMM1"


def test_garbage() -> None:
    assert list(structures(b"")) == []
    assert list(structures(b"\x11\x02\x00\x00\x00\x00")) == [], "a length below the header"
    assert list(structures(b"\x11\xff\x00\x00")) == [], "a length past the end"
    assert list(structures(b"\x11\x04\x00\x00abc")) == [], "strings never terminated"


@given(st.binary(max_size=600))
def test_any_bytes_walk_without_error(data: bytes) -> None:
    for device in memory_devices(data):
        assert device.size is None or device.size > 0
        assert device.speed_mts is None or device.speed_mts > 0
