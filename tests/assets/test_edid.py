"""The EDID base-block parser: good blocks, damaged ones, and any bytes at all."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netwatch.assets.edid import Edid, checksum_ok, parse_edid, pnp_id
from tests.assets.sysfixtures import DUMMY, RANGE_LIMITS, cta_extension, edid, text_descriptor

DELL = edid(
    "DEL",
    0xA0C4,
    0x4C4A3341,
    14,
    2022,
    [text_descriptor(0xFF, "3C8JNH3"), text_descriptor(0xFC, "DELL P2422H"), RANGE_LIMITS],
)


def test_a_monitor_s_identity() -> None:
    assert parse_edid(DELL) == Edid(
        manufacturer_id="DEL",
        manufacturer="Dell",
        product_code=0xA0C4,
        serial_number=0x4C4A3341,
        serial_text="3C8JNH3",
        model_name="DELL P2422H",
        year=2022,
    )
    assert parse_edid(DELL).serial == "3C8JNH3", "the printed serial wins over the number"


def test_numeric_serial_when_no_serial_descriptor_and_extensions_ignored() -> None:
    data = edid(
        "SAM", 0x0F6B, 1296783920, 32, 2020, [RANGE_LIMITS, DUMMY, DUMMY], extension=cta_extension()
    )
    parsed = parse_edid(data)
    assert len(data) == 256
    assert (parsed.manufacturer, parsed.serial, parsed.model_name) == (
        "Samsung",
        "1296783920",
        None,
    )


def test_unknown_maker_keeps_its_letters_and_no_serial_is_none() -> None:
    parsed = parse_edid(edid("ZZZ", 1, 0, 1, 2019, [DUMMY, DUMMY, DUMMY]))
    assert (parsed.manufacturer_id, parsed.manufacturer, parsed.serial) == ("ZZZ", None, None)


def test_a_long_name_spans_two_descriptors() -> None:
    data = edid(
        "LEN",
        0x62A9,
        0,
        1,
        2023,
        [text_descriptor(0xFC, "ThinkVision"), text_descriptor(0xFC, "T24i-30"), DUMMY],
    )
    assert parse_edid(data).model_name == "ThinkVision T24i-30"


def test_model_year_and_odd_text() -> None:
    data = edid("AOC", 0x2402, 7, 0xFF, 2024, [text_descriptor(0xFC, "24G2\x01W"), DUMMY, DUMMY])
    parsed = parse_edid(data)
    assert parsed.year == 2024, "week 0xFF: the byte is the model year"
    assert parsed.model_name == "24G2 W", "a control character is not shown"


def test_truncated_bad_checksum_wrong_header_and_version_give_empty_fields() -> None:
    assert parse_edid(DELL[:127]) == Edid()
    assert parse_edid(b"") == Edid()
    broken = bytearray(DELL)
    broken[20] ^= 0x01
    assert not checksum_ok(bytes(broken)) and parse_edid(bytes(broken)) == Edid()
    assert parse_edid(b"\x01" + DELL[1:127] + bytes([(DELL[127] - 1) % 256])) == Edid()
    version_2 = bytearray(DELL)
    version_2[18] = 2
    version_2[127] = (version_2[127] - 1) % 256
    assert checksum_ok(bytes(version_2)) and parse_edid(bytes(version_2)) == Edid()


def test_pnp_id_decoding() -> None:
    assert pnp_id(0x10AC) == "DEL"
    assert pnp_id(0x4C2D) == "SAM"
    assert pnp_id(0x8000 | 0x10AC) is None, "the top bit is reserved"
    assert pnp_id(0) is None, "0 is no letter"


@given(st.binary(max_size=300))
def test_any_bytes_parse_without_error(data: bytes) -> None:
    parsed = parse_edid(data)
    assert parsed == Edid() or data[:8] == b"\x00\xff\xff\xff\xff\xff\xff\x00"


@given(st.binary(min_size=119, max_size=119))
def test_any_block_with_a_right_header_and_checksum(body: bytes) -> None:
    block = b"\x00\xff\xff\xff\xff\xff\xff\x00" + body
    block += bytes([(-sum(block)) % 256])
    parsed = parse_edid(block)
    assert parsed.year is None or 1991 <= parsed.year <= 2245
    for text in (parsed.model_name, parsed.serial_text):
        assert text is None or (text.isprintable() and text == text.strip())
