"""The LAN state file fed arbitrary bytes and near-valid JSON.

Loading never raises. A file that holds a usable state is read as is, saved back
unchanged and stays in place; any other file is moved aside byte for byte, one warning
names it, and the store starts fresh and can save again.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.lan.state import LanState, state_bytes, state_store
from tests.fuzz.strategies import DEEP_JSON, HUGE_NUMBER_JSON, json_texts

VALID = {
    "schema_version": 1,
    "devices": {
        "02:00:c6:12:00:0a": {
            "first_seen": 1000.0,
            "last_seen": 2000.5,
            "ips": ["192.168.1.10"],
            "gone": False,
        },  # fmt: skip
        "02:00:c6:12:00:0b": {"first_seen": 1, "last_seen": 2, "ips": [], "gone": True},
    },
    "ips": {
        "192.168.1.10": {
            "macs": ["02:00:c6:12:00:0a", "02:00:c6:12:00:0b"],
            "last_seen": 2000.5,
            "changed_at": 1500,
        },  # fmt: skip
    },
    "conflicts": {"192.168.1.20": ["02:00:c6:12:00:0a", "02:00:c6:12:00:0b"]},
    "events_total": {
        "new_station": 2,
        "changed_mac": 1,
        "flip_flop": 0,
        "ip_conflict": 1,
        "gone": 1,
    },  # fmt: skip
    "last_sweep": {
        "started_at": 1999.0,
        "duration": 0.8,
        "method": "arp",
        "subnets": ["192.168.1.0/24"],
        "interfaces": ["eth0"],
        "hosts": 2,
        "notes": ["Tiếng Việt"],
    },  # fmt: skip
}
contents = st.one_of(
    json_texts(VALID).map(lambda text: text.encode("utf-8", "surrogatepass")),
    json_texts(VALID).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),
    st.sampled_from(DEEP_JSON + HUGE_NUMBER_JSON).map(str.encode),
)


@pytest.fixture(scope="module")
def directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="netwatch-lan-state-fuzz-") as name:
        yield Path(name)


def _clear(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()


@given(contents)
@example(b"")
@example(json.dumps(VALID).encode())
@example(json.dumps({**VALID, "devices": {"\n": VALID["devices"]["02:00:c6:12:00:0b"]}}).encode())
@example(json.dumps({**VALID, "events_total": {"new_station": 10**30}}).encode())
@example(json.dumps({**VALID, "last_sweep": {**VALID["last_sweep"], "duration": 1e308}}).encode())
@example(b'{"schema_version": 1, "devices": {"m": {"first_seen": 1e999, "last_seen": 1}}}')
@example(b'{"schema_version": 1.0}')
@example(b'{"schema_version": true}')
@example(b"\xef\xbb\xbf{}")
def test_loading_never_raises_and_a_bad_file_is_set_aside(directory: Path, raw: bytes) -> None:
    _clear(directory)
    path = directory / "lan-state.json"
    path.write_bytes(raw)
    store = state_store(path)
    logger = logging.getLogger("netwatch.lan")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        state = store.load()
    finally:
        logger.removeHandler(handler)
    asides = sorted(directory.glob("lan-state.json.corrupt-*"))
    if records:  # refused: moved aside intact, one warning naming the file, a fresh state
        [record] = records
        assert f"LAN state file {path} is unreadable (" in record.getMessage()
        assert state == LanState()
        [aside] = asides
        assert aside.read_bytes() == raw and not path.exists()
    else:  # accepted: still in place, and it saves back to a file that loads the same
        assert not asides and path.read_bytes() == raw
        assert isinstance(state, LanState)
    assert store.save()
    assert state_store(path).load() == state
    assert state_bytes(state) == path.read_bytes()
