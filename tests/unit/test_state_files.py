"""LAN state files that cannot be read or saved never stop the sweeps (real files in tmp_path)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from netwatch.collectors.lan import LanCollector, LanSettings
from netwatch.lan.model import Observation, SweepResult
from netwatch.lan.state import DeviceRecord, LanState, load_state, save_state, state_store

MAC = "02:00:c6:12:00:0a"
DEVICE = f'"{MAC}": {{"first_seen": 1000.0, "last_seen": 2000.0}}'


def state_text(devices: str) -> bytes:
    return ('{"schema_version": 1, "devices": {' + devices + "}}").encode()


@contextmanager
def immutable(directory: Path) -> Iterator[None]:
    """``directory`` refuses new, renamed and removed entries, even for root (chattr +i)."""
    if shutil.which("chattr") is None:
        pytest.skip("needs chattr (e2fsprogs)")
    made = subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False)
    if made.returncode:
        pytest.skip(f"the file system of {directory} has no immutable flag")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (state_text('"a": ' + "[" * 100_000 + "]" * 100_000), "not valid JSON: nested too deeply"),
        (state_text('"\\ud800": {"first_seen": 1, "last_seen": 2}'),
         "holds text that is not valid Unicode (surrogates not allowed)"),
        (state_text(f'"{MAC}": {{"first_seen": 1, "last_seen": 2, "ips": ["\\udfff"]}}'),
         "holds text that is not valid Unicode"),
        (state_text(DEVICE).replace(b"02:00", b"\xff\xfe"), "not UTF-8 text (byte 0xff at offset 35)"),
        (state_text(DEVICE)[:40], "not valid JSON: Unterminated string"),
        (state_text(f'"{MAC}": []'), f"devices.{MAC}: Input should be a valid dictionary"),
        (state_text(f'"{MAC}": {{"first_seen": NaN, "last_seen": 2}}'),
         "not valid JSON: NaN is not a JSON number"),
        (state_text(f'"{MAC}": {{"first_seen": 1e999, "last_seen": 2}}'),
         f"devices.{MAC}.first_seen: Input should be a finite number"),
        (state_text(f'"{MAC}": {{"first_seen": {"9" * 5000}, "last_seen": 2}}'),
         "not valid JSON: Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)  # fmt: skip
def test_an_unusable_state_is_moved_aside_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes, reason: str
) -> None:
    path = tmp_path / "lan-state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"):
        assert load_state(path) == LanState()
    [aside] = tmp_path.glob("lan-state.json.corrupt-*")
    assert aside.read_bytes() == content and not path.exists()
    [warning] = warnings_of(caplog)
    assert warning.startswith(f"LAN state file {path} is unreadable (")
    assert reason in warning and f"moved it to {aside}" in warning


def test_a_state_that_cannot_be_moved_aside_still_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lan-state.json"
    path.write_bytes(b"{cut")
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"), immutable(tmp_path):
        assert load_state(path) == LanState()
    [warning] = warnings_of(caplog)
    assert f"{path} is unreadable (not valid JSON" in warning
    assert "cannot be moved aside (Operation not permitted)" in warning
    assert path.read_bytes() == b"{cut"


def test_a_store_moves_an_unreadable_path_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lan-state.json"
    path.mkdir()  # read_bytes raises IsADirectoryError
    with pytest.raises(IsADirectoryError):
        load_state(path)  # netwatch scan --state reports it itself
    store = state_store(path)
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"):
        assert store.load() == LanState()
        assert store.save()
    [warning] = warnings_of(caplog)
    assert "is unreadable (cannot read it: Is a directory): moved it to" in warning
    assert load_state(path) == LanState()


def test_a_failing_save_keeps_the_state_in_memory_and_warns_once_per_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state directory should be")
    path = blocker / "lan-state.json"
    store = state_store(path)
    state = store.load()
    state.devices[MAC] = DeviceRecord(first_seen=1000.0, last_seen=2000.0)
    with caplog.at_level(logging.INFO, logger="netwatch.lan"):
        assert not store.save()
        assert not store.save()
        assert store.load().devices[MAC].last_seen == 2000.0
        blocker.unlink()
        assert store.save()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"LAN state file {path} cannot be saved (File exists): it is kept in memory "
        "and saved again after the next sweep",
        f"LAN state file {path} saved again",
    ]
    assert load_state(path).devices[MAC].last_seen == 2000.0


def test_a_read_only_directory_or_unencodable_text_fails_the_save_not_the_caller(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lan-state.json"
    save_state(LanState(), path)
    before = path.read_bytes()
    store = state_store(path)
    store.load().devices["\ud800"] = DeviceRecord(first_seen=1.0, last_seen=2.0)
    with pytest.raises(ValueError, match="not valid Unicode"):
        save_state(store.load(), path)
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"):
        assert not store.save()
        del store.load().devices["\ud800"]
        with immutable(tmp_path):
            assert not store.save()
    assert warnings_of(caplog) == [
        f"LAN state file {path} cannot be saved (it holds text that is not valid Unicode "
        "(surrogates not allowed)): it is kept in memory and saved again after the next "
        "sweep",
        f"LAN state file {path} cannot be saved (Operation not permitted): it is kept in "
        "memory and saved again after the next sweep",
    ]
    assert path.read_bytes() == before


def test_the_lan_collector_sweeps_on_when_its_state_cannot_be_saved(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("not a directory")
    settings = LanSettings.model_validate(
        {"enabled": True, "cidrs": ["198.18.0.0/24"], "state_file": str(blocker / "s.json")}
    )
    sweeps = iter(
        SweepResult(
            (Observation("198.18.0.10", MAC, "lan0", at, "arp"),),
            ("198.18.0.0/24",),
            ("lan0",),
            "arp",
            at,
            1.0,
            (),
        )  # fmt: skip
        for at in (1000.0, 2000.0)
    )
    collector = LanCollector(settings, sweep=lambda _: next(sweeps), check_agents=lambda *_: set())
    for _ in range(2):
        samples = [s for family in collector.collect() for s in family.samples]
        found = {(s.name, s.labels.get("kind")): s.value for s in samples}
        assert found[("netwatch_lan_sweep_success", None)] == 1
    # The second sweep saw the device again: remembered in memory, so not new twice.
    assert found[("netwatch_lan_events_total", "new_station")] == 1
