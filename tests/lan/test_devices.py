"""The device registry's arpwatch semantics and the state file, with constructed sweeps."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netwatch.lan.devices import MAX_MACS_PER_IP, DeviceRegistry
from netwatch.lan.known import parse_known_devices
from netwatch.lan.model import Observation, SweepResult
from netwatch.lan.state import EVENT_KINDS, LanState, load_state, save_state

SUBNET = "198.18.0.0/24"
A, B, C, D = "02:00:c6:12:00:0a", "02:00:c6:12:00:0b", "02:00:c6:12:00:0c", "02:00:c6:12:00:0d"
HOUR = 3600.0
KNOWN = parse_known_devices(
    f'devices:\n  - mac: "{A.upper()}"\n    name: Máy in phòng Văn thư\n    kind: printer\n',
    "devices.yaml",
)


class Vendors:
    def vendor(self, mac: str) -> str:
        return "Lab Vendor" if mac.startswith("02:00") else ""


def sweep(*pairs: tuple[str, str], at: float = 1000.0, subnets=(SUBNET,), method="arp"):
    observations = tuple(Observation(ip, mac, "lan0", at, method) for ip, mac in pairs)
    return SweepResult(observations, tuple(subnets), ("lan0",), method, at, 2.0)


def registry(state: LanState | None = None, gone_after: float = 24 * HOUR, **kw) -> DeviceRegistry:
    return DeviceRegistry(state or LanState(), KNOWN, Vendors(), gone_after, **kw)


def kinds(events) -> list[tuple[str, str, str, str]]:
    return [(e.kind, e.ip, e.mac, e.previous_mac) for e in events]


def test_new_stations_once_then_quiet() -> None:
    reg = registry()
    first = reg.apply(sweep(("198.18.0.11", B), ("198.18.0.10", A), at=1000))
    assert kinds(first) == [("new_station", "198.18.0.10", A, ""),
                            ("new_station", "198.18.0.11", B, "")]  # fmt: skip
    assert first[0].detail == "Máy in phòng Văn thư" and first[1].detail == "Lab Vendor"
    assert reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", B), at=1300)) == []
    device = reg.device(A)
    assert (device.first_seen, device.last_seen, device.ips) == (1000, 1300, ["198.18.0.10"])
    assert (device.name, device.kind, device.known, device.vendor) == (
        "Máy in phòng Văn thư", "printer", True, "Lab Vendor",
    )  # fmt: skip
    assert reg.device(B).known is False
    assert reg.state.events_total["new_station"] == 2


def test_a_known_mac_on_a_new_ip_is_not_a_new_station() -> None:
    reg = registry()
    reg.apply(sweep(("198.18.0.10", A)))
    assert reg.apply(sweep(("198.18.0.20", A), at=2000)) == []
    assert reg.device(A).ips == ["198.18.0.20"]


def test_changed_mac_then_flip_flop_back_and_forth() -> None:
    ip = "198.18.0.10"
    reg = registry()
    reg.apply(sweep((ip, A), at=1000))
    assert kinds(reg.apply(sweep((ip, B), at=2000))) == [
        ("new_station", ip, B, ""), ("changed_mac", ip, B, A),
    ]  # fmt: skip
    assert kinds(reg.apply(sweep((ip, A), at=3000))) == [("flip_flop", ip, A, B)]
    assert kinds(reg.apply(sweep((ip, B), at=4000))) == [("flip_flop", ip, B, A)]
    changed = reg.apply(sweep((ip, C), at=5000))
    assert kinds(changed) == [("new_station", ip, C, ""), ("changed_mac", ip, C, B)]
    assert str(changed[1].detail) == f"{ip} moved from {B} to {C}"
    # A is now two changes back: returning to it is a change, not a flip-flop.
    assert kinds(reg.apply(sweep((ip, A), at=6000))) == [("changed_mac", ip, A, C)]
    assert reg.state.ips[ip].macs[:3] == [A, C, B]
    assert reg.state.ips[ip].changed_at == 6000
    totals = reg.state.events_total
    assert (totals["changed_mac"], totals["flip_flop"]) == (3, 2)


def test_conflict_within_one_sweep_is_raised_when_it_appears() -> None:
    ip = "198.18.0.30"
    reg = registry()
    reg.apply(sweep((ip, A), at=1000))
    events = reg.apply(sweep((ip, A), (ip, B), ("198.18.0.31", C), at=2000))
    assert kinds(events) == [("new_station", ip, B, ""), ("ip_conflict", ip, B, A),
                             ("new_station", "198.18.0.31", C, "")]  # fmt: skip
    assert str(events[1].detail) == f"{ip} answered by {A}, {B} in one sweep"
    assert reg.state.conflicts == {ip: [A, B]}
    assert reg.state.ips[ip].macs == [A], "a conflict is not a MAC change"
    # Still conflicting: no new event, the conflict stays current.
    assert reg.apply(sweep((ip, B), (ip, A), at=3000)) == []
    assert reg.state.conflicts == {ip: [A, B]}
    # Resolved: the conflict is gone; A kept the IP, so nothing changed.
    assert reg.apply(sweep((ip, A), at=4000)) == []
    assert reg.state.conflicts == {}
    # It comes back: a new event.
    assert kinds(reg.apply(sweep((ip, A), (ip, B), at=5000))) == [("ip_conflict", ip, B, A)]
    assert reg.state.events_total["ip_conflict"] == 2


def test_conflicts_outside_the_swept_subnets_are_kept() -> None:
    reg = registry()
    reg.apply(sweep(("198.18.0.30", A), ("198.18.0.30", B)))
    reg.apply(sweep(("10.1.0.5", C), subnets=("10.1.0.0/24",), at=2000))
    assert reg.state.conflicts == {"198.18.0.30": [A, B]}


def test_gone_after_the_threshold_once_and_back_quietly() -> None:
    reg = registry(gone_after=HOUR)
    reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", B), at=0))
    assert reg.apply(sweep(("198.18.0.10", A), at=HOUR - 10)) == []  # B unseen, not yet gone
    events = reg.apply(sweep(("198.18.0.10", A), at=HOUR + 10))
    assert kinds(events) == [("gone", "198.18.0.11", B, "")]
    assert reg.counts() == {"known": 1, "unknown": 0, "gone": 1}
    assert reg.apply(sweep(("198.18.0.10", A), at=2 * HOUR)) == [], "gone is reported once"
    assert reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", B), at=3 * HOUR)) == []
    assert reg.counts() == {"known": 1, "unknown": 1, "gone": 0}
    assert [d.mac for d in reg.active_devices()] == [A, B]


def test_devices_are_judged_gone_only_where_the_sweep_looked() -> None:
    reg = registry(gone_after=HOUR)
    reg.apply(sweep(("198.18.0.10", A), at=0))
    events = reg.apply(sweep(("10.1.0.5", C), subnets=("10.1.0.0/24",), at=5 * HOUR))
    assert kinds(events) == [("new_station", "10.1.0.5", C, "")]
    assert not reg.state.devices[A].gone
    assert kinds(reg.apply(sweep(at=6 * HOUR))) == [("gone", "198.18.0.10", A, "")]


def test_counts_by_state() -> None:
    reg = registry()
    reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", B), ("198.18.0.12", C)))
    counts = reg.counts()
    assert counts == {"known": 1, "unknown": 2, "gone": 0}
    assert sum(counts.values()) == len(reg.state.devices), "the states do not overlap"


def test_state_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "lan-state.json"
    reg = registry()
    reg.apply(sweep(("198.18.0.10", A), ("198.18.0.10", B), at=1000))
    reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", C), at=2000))
    reg.apply(sweep(("198.18.0.11", D), at=3000))
    save_state(reg.state, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    loaded = load_state(path)
    assert loaded == reg.state
    assert json.loads(path.read_text())["schema_version"] == 1
    # A restarted registry carries on: no new stations, first_seen kept, counters continue.
    again = registry(loaded)
    assert again.apply(sweep(("198.18.0.10", A), at=4000)) == []
    assert again.device(A).first_seen == 1000
    assert again.state.events_total["new_station"] == 4
    assert set(again.state.events_total) == set(EVENT_KINDS)


def test_missing_state_file_is_a_fresh_state(tmp_path: Path) -> None:
    assert load_state(tmp_path / "nothing-here.json") == LanState()


def _saved(tmp_path: Path) -> tuple[Path, LanState]:
    path = tmp_path / "lan-state.json"
    reg = registry()
    reg.apply(sweep(("198.18.0.10", A), ("198.18.0.11", B)))
    save_state(reg.state, path)
    return path, reg.state


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from netwatch.lan.state import LanState, load_state, save_state

path = Path(sys.argv[1])
state = load_state(path)
state.devices.clear()  # the change that must not land half-written
real_replace = os.replace
def die(*args):  # killed after the temporary file is written, before the rename
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die
save_state(state, path)
"""


def test_a_writer_killed_mid_save_leaves_the_state_intact(tmp_path: Path) -> None:
    path, state = _saved(tmp_path)
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], timeout=60)
    assert done.returncode == -9
    temps = list(tmp_path.glob(".lan-state.json.*.tmp"))
    assert len(temps) == 1, "the killed writer left its temporary file"
    assert path.read_bytes() == before
    assert load_state(path) == state
    # A partial temporary file of a writer killed mid-write is just as harmless.
    partial = tmp_path / ".lan-state.json.partial.tmp"
    partial.write_bytes(before[: len(before) // 2])
    assert load_state(path) == state
    # The next save replaces the file and removes stale temporaries (older than an hour).
    old = time.time() - 2 * HOUR
    for temp in [*temps, partial]:
        os.utime(temp, (old, old))
    save_state(state, path)
    assert list(tmp_path.glob(".lan-state.json.*.tmp")) == []
    assert load_state(path) == state


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path, state = _saved(tmp_path)
    before = path.read_bytes()

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        save_state(LanState(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".lan-state.json.*.tmp")) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"schema_version": 1, "devices": {"02:00', "not valid JSON"),
        (b"\x00\x01binary", "not valid JSON"),
        (b"[]", "schema_version None is not 1"),
        (b'{"schema_version": 99}', "schema_version 99 is not 1"),
        (b'{"schema_version": 1, "devices": {"a": {"first_seen": "soon"}}}', "devices.a."),
    ],
)
def test_a_corrupted_state_is_moved_aside_and_said_so(
    tmp_path: Path, caplog, content: bytes, reason: str
) -> None:
    path = tmp_path / "lan-state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"):
        state = load_state(path)
    assert state == LanState()
    assert not path.exists()
    [aside] = tmp_path.glob("lan-state.json.corrupt-*")
    assert aside.read_bytes() == content, "nothing is lost: the bad file is kept"
    [record] = caplog.records
    message = record.getMessage()
    assert str(path) in message and str(aside) in message and reason in message
    assert "started afresh" in message
    # A second corruption in the same second gets its own name.
    path.write_bytes(content)
    load_state(path)
    assert len(list(tmp_path.glob("lan-state.json.corrupt-*"))) == 2


def test_devices_are_capped_oldest_gone_first() -> None:
    reg = registry(gone_after=HOUR, max_devices=4)
    reg.apply(sweep(*((f"198.18.0.{10 + i}", f"02:00:00:00:00:{i:02x}") for i in range(4)), at=0))
    # Two devices stay (one refreshed later), two go missing and are reported gone.
    reg.apply(sweep(("198.18.0.10", "02:00:00:00:00:00"), ("198.18.0.11", "02:00:00:00:00:01"),
                    at=2 * HOUR))  # fmt: skip
    assert reg.counts()["gone"] == 2
    # Two newcomers push the two gone devices out, not the active ones.
    reg.apply(sweep(("198.18.0.20", "02:00:00:00:00:20"), ("198.18.0.21", "02:00:00:00:00:21"),
                    at=2 * HOUR + 60))  # fmt: skip
    assert sorted(reg.state.devices) == [
        "02:00:00:00:00:00", "02:00:00:00:00:01", "02:00:00:00:00:20", "02:00:00:00:00:21",
    ]  # fmt: skip
    # Beyond the cap with nothing gone, the least recently seen go first.
    reg.apply(sweep(("198.18.0.22", "02:00:00:00:00:22"), at=2 * HOUR + 120))
    assert len(reg.state.devices) == 4
    assert "02:00:00:00:00:00" not in reg.state.devices
    assert len(reg.state.ips) <= 4


def test_mac_history_per_ip_is_capped() -> None:
    reg = registry()
    ip = "198.18.0.50"
    for index in range(20):
        reg.apply(sweep((ip, f"02:00:00:00:01:{index:02x}"), at=1000 + index))
    assert len(reg.state.ips[ip].macs) == MAX_MACS_PER_IP
    assert reg.state.ips[ip].macs[0] == "02:00:00:00:01:13"
