"""The clock domain: time sources from recorded config files and registries, sync states."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from netwatch.collectors.clock import ClockCollector, ClockSettings
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.inventory.clock import (
    STA_UNSYNC,
    ClockError,
    TimeSources,
    configured_sources,
    linux_sources,
    ntp_conf_servers,
    parse_w32tm_status,
    timesyncd_servers,
    timex_status,
    windows_sources,
    windows_sync_status,
)
from tests.helpers.recorded import RecordedCommands

FIXTURES = Path(__file__).parents[1] / "fixtures" / "clock"


def registry(name: str) -> RecordedRegistry:
    return RecordedRegistry.from_file(FIXTURES / "windows" / f"{name}.json")


def w32tm(state: str) -> RecordedCommands:
    recordings = json.loads((FIXTURES / "windows" / "w32tm-status.json").read_text())
    return RecordedCommands(recordings[state])


def test_chrony_pool_then_included_sources_but_not_other_files() -> None:
    found = linux_sources(FileReader(FIXTURES / "chrony"))
    assert found == TimeSources(
        ("2.debian.pool.ntp.org", "time.ubnd.local"), "/etc/chrony/chrony.conf"
    )


def test_ntpsec_skips_reference_clocks_and_comments() -> None:
    found = linux_sources(FileReader(FIXTURES / "ntpsec"))
    assert found == TimeSources(
        ("10.20.0.1", "0.debian.pool.ntp.org", "1.debian.pool.ntp.org"), "/etc/ntpsec/ntp.conf"
    )


def test_timesyncd_drop_in_overrides_main_file() -> None:
    found = linux_sources(FileReader(FIXTURES / "timesyncd"))
    assert found == TimeSources(("time.ubnd.local", "10.20.0.1"), "/etc/systemd/timesyncd.conf")


def test_timesyncd_empty_assignment_resets_to_fallback() -> None:
    texts = ["[Time]\nNTP=a.example\n", "[Time]\nNTP=\nFallbackNTP=b.example c.example\n"]
    assert timesyncd_servers(texts) == ["b.example", "c.example"]
    assert timesyncd_servers(["[Other]\nNTP=x.example\n"]) == []


def test_commented_timesyncd_only_is_no_source() -> None:
    assert linux_sources(FileReader(FIXTURES / "none")) is None


def test_ntp_conf_lines() -> None:
    text = (
        "server  a.example iburst\nPOOL b.example\nserver\nservers c.example\n"
        "server 10.0.0.5 port 1123 iburst\nserver fd00::7 port 123\nserver d.example port\n"
    )
    assert ntp_conf_servers(text) == [
        "a.example", "b.example", "10.0.0.5:1123", "[fd00::7]:123", "d.example"
    ]  # fmt: skip
    assert ntp_conf_servers(text, ["servers"]) == ["c.example"]


def test_w32time_ntp_servers_without_flags() -> None:
    found = windows_sources(registry("w32time-ntp"))
    assert found is not None
    assert found.servers == ("time.windows.com", "0.vn.pool.ntp.org")


def test_w32time_nt5ds_asks_the_domain_controller() -> None:
    found = windows_sources(registry("w32time-nt5ds"))
    assert found is not None
    assert found.servers == ("DC01.ubnd.local",)
    assert "NT5DS" in found.origin


def test_w32time_nt5ds_without_group_policy_history_uses_the_domain() -> None:
    keys = json.loads((FIXTURES / "windows" / "w32time-nt5ds.json").read_text())
    del keys["HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\History"]
    found = windows_sources(RecordedRegistry(keys))
    assert found is not None and found.servers == ("ubnd.local",)


def test_w32time_policy_overrides_service_parameters() -> None:
    found = windows_sources(registry("w32time-policy"))
    assert found is not None and found.servers == ("10.20.0.1",)


def test_w32time_nosync_is_no_source() -> None:
    assert windows_sources(registry("w32time-nosync")) is None


def test_configured_sources_reads_the_registry_when_there_is_one() -> None:
    access = HostAccess(files=FileReader(FIXTURES / "chrony"), registry=registry("w32time-ntp"))
    found = configured_sources(access)
    assert found is not None and found.servers[0] == "time.windows.com"


def test_timex_unsync_bit_and_microsecond_errors() -> None:
    # struct timex fields as adjtimex(2) gives them: STA_PLL|STA_NANO, then STA_UNSYNC set.
    synced = timex_status(0x2001, 412_500, 1_250)
    assert synced.synchronized and synced.max_error == pytest.approx(0.4125)
    assert synced.estimated_error == pytest.approx(0.00125)
    unsynced = timex_status(STA_UNSYNC | 0x1, 16_000_000, 16_000_000)
    assert not unsynced.synchronized and unsynced.max_error == pytest.approx(16.0)


def test_w32tm_status_states() -> None:
    assert windows_sync_status(w32tm("synced"), 5).synchronized
    assert not windows_sync_status(w32tm("unsynced"), 5).synchronized
    assert not windows_sync_status(w32tm("stopped"), 5).synchronized


def test_w32tm_unreadable_output_and_missing_program_are_clock_errors() -> None:
    with pytest.raises(ClockError, match="no leap indicator in 'Zugriff verweigert'"):
        parse_w32tm_status("Zugriff verweigert\r\n")
    with pytest.raises(ClockError, match="command not found"):
        windows_sync_status(RecordedCommands({}), 5)


def test_collector_without_a_source_omits_the_offset_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    access = HostAccess(files=FileReader(FIXTURES / "none"), registry=None, live=False)
    collector = ClockCollector(ClockSettings(), access)
    with caplog.at_level(logging.WARNING, logger="netwatch.clock"):
        first = [family.name for family in collector.collect()]
        second = [family.name for family in collector.collect()]
    assert first == second == []
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "no time source configured" in messages[0]
