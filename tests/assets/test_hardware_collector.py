"""The hardware collector's metrics, as Prometheus reads them, across changes and restarts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.assets.fingerprint import POSSIBLE_CHANGES
from netwatch.assets.memory import load_memory, usage
from netwatch.assets.model import (
    Firmware,
    Hardware,
    OfficeLicence,
    Usage,
    WindowsLicence,
)
from netwatch.collectors.hardware import HARDWARE_METRICS, HardwareCollector, HardwareSettings
from netwatch.collectors.registry import builtin_specs
from netwatch.config.loader import load_config, parse_config_text
from tests.assets.test_fingerprint import DIMM_A, desktop

Series = dict[tuple[tuple[str, str], ...], float]


class Machine:
    """The hardware reader: returns what the test put in the machine, or raises."""

    def __init__(self, hardware: Hardware | Exception) -> None:
        self.hardware = hardware

    def __call__(self) -> Hardware:
        if isinstance(self.hardware, Exception):
            raise self.hardware
        return self.hardware


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 86400
        return self.now


@pytest.fixture
def settings(tmp_path: Path) -> HardwareSettings:
    return HardwareSettings(memory_file=str(tmp_path / "hardware-memory.json"))


def collector(settings: HardwareSettings, machine: Machine, clock: Clock) -> HardwareCollector:
    return HardwareCollector(settings, machine, users=lambda: ["hoa.tran"], clock=clock)


def scrape(source: HardwareCollector) -> tuple[str, dict[str, Series]]:
    """The exposition text through prometheus_client's registry, and its samples by name."""
    registry = CollectorRegistry()
    registry.register(source)  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    samples: dict[str, Series] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return text, samples


def one(samples: dict[str, Series], name: str) -> float:
    [value] = samples[name].values()
    return value


def changes(samples: dict[str, Series]) -> dict[tuple[str, str], float]:
    return {
        (dict(k)["component"], dict(k)["change"]): v
        for k, v in samples["netwatch_hardware_changes_total"].items()
    }


def test_a_linux_desktop_as_prometheus_reads_it(settings: HardwareSettings) -> None:
    clock = Clock()
    text, samples = scrape(collector(settings, Machine(desktop()), clock))
    assert samples["netwatch_host_hardware_info"] == {
        (("chassis", "desktop"), ("firmware_vendor", "Dell Inc."),
         ("firmware_version", "1.12.0"), ("manufacturer", "Dell Inc."),
         ("model", "OptiPlex 7090")): 1.0
    }  # fmt: skip
    assert samples["netwatch_host_tpm_version_info"] == {(("version", "2.0"),): 1.0}
    expected = {
        "netwatch_host_secure_boot_enabled": 1.0,
        "netwatch_host_tpm_present": 1.0,
        "netwatch_host_memory_modules": 2.0,
        "netwatch_host_memory_installed_bytes": 16 * 1024**3,
        "netwatch_host_physical_disks": 1.0,
        "netwatch_host_monitors": 1.0,
        "netwatch_host_printers": 1.0,
        "netwatch_hardware_collection_timestamp_seconds": clock.now,
    }
    assert {name: one(samples, name) for name in expected} == expected
    assert changes(samples) == dict.fromkeys(POSSIBLE_CHANGES, 0.0)
    for absent in ("netwatch_host_windows_activated", "netwatch_host_office_activated",
                   "netwatch_hardware_last_change_timestamp_seconds"):  # fmt: skip
        assert absent not in text
    # No serial, UUID or user name is a label.
    for secret in ("5CG1234", "4c4c4544", "11111111", "S64DNX0R1", "CN0ABC", "hoa.tran"):
        assert secret not in text
    catalogued = {spec.name for spec in HARDWARE_METRICS}
    assert {name.removesuffix("_created") for name in samples} <= catalogued


def test_activation_on_windows(settings: HardwareSettings) -> None:
    windows = desktop(
        windows_licence=WindowsLicence(product="Windows 11 Pro", status="licensed",
                                       channel="oem"),
        office_licences=[
            OfficeLicence(product="Office 16, Office16ProPlusVL_KMS_Client", status="grace",
                          channel="volume_kms"),
            OfficeLicence(product="Visio 2021", status="unknown"),
        ],
    )  # fmt: skip
    _, samples = scrape(collector(settings, Machine(windows), Clock()))
    assert samples["netwatch_host_windows_activated"] == {(("channel", "oem"),): 1.0}
    assert samples["netwatch_host_office_activated"] == {
        (("product", "Office 16, Office16ProPlusVL_KMS_Client"),): 0.0
    }


def test_what_could_not_be_read_is_absent(settings: HardwareSettings) -> None:
    unprivileged = desktop(memory_modules=[], printers=[], tpm=None,
                           needs_privilege=["memory_modules", "printers"])  # fmt: skip
    text, _ = scrape(collector(settings, Machine(unprivileged), Clock()))
    for absent in ("netwatch_host_memory_modules", "netwatch_host_memory_installed_bytes",
                   "netwatch_host_printers", "netwatch_host_tpm"):  # fmt: skip
        assert absent not in text
    # A container: no DMI, an empty firmware record.
    text, _ = scrape(collector(settings, Machine(Hardware(firmware=Firmware())), Clock()))
    assert "netwatch_host_hardware_info" not in text


def test_a_change_shows_and_its_counter_keeps_counting_after_a_restart(
    settings: HardwareSettings, caplog: pytest.LogCaptureFixture
) -> None:
    clock, machine = Clock(), Machine(desktop())
    first = collector(settings, machine, clock)
    scrape(first)
    machine.hardware = desktop(memory_modules=[DIMM_A])
    _, samples = scrape(first)
    changed_at = clock.now
    assert changes(samples)[("memory", "removed")] == 1
    assert sum(changes(samples).values()) == 1
    assert one(samples, "netwatch_hardware_last_change_timestamp_seconds") == changed_at
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "hardware change: memory removed (before: DIMM B1: 8 GiB Samsung M471A1K43DB1 "
        "S/N 22222222; after: -)"
    ]

    restarted = collector(settings, machine, clock)
    _, samples = scrape(restarted)
    assert changes(samples)[("memory", "removed")] == 1, "the counter survives the restart"
    assert one(samples, "netwatch_hardware_last_change_timestamp_seconds") == changed_at
    machine.hardware = desktop(memory_modules=[DIMM_A], monitors=[])
    _, samples = scrape(restarted)
    assert changes(samples)[("memory", "removed")] == 1
    assert changes(samples)[("monitor", "removed")] == 1


def test_a_failing_read_raises_and_remembers_nothing(settings: HardwareSettings) -> None:
    broken = collector(settings, Machine(PermissionError("/sys/firmware/dmi")), Clock())
    with pytest.raises(PermissionError):
        broken.collect()
    assert not Path(settings.memory_file).exists()


def test_the_users_seen_include_the_last_signed_in_one(settings: HardwareSettings) -> None:
    machine = Machine(desktop(usage=Usage(last_user="binh.le")))
    scrape(collector(settings, machine, Clock()))
    memory = load_memory(Path(settings.memory_file))
    assert set(memory.users) == {"hoa.tran", "binh.le"}
    assert usage(memory, "binh.le").since == "2023-11-15T22:13:20Z"


def test_registered_daily_and_configurable() -> None:
    [spec] = [s for s in builtin_specs() if s.name == "hardware"]
    assert spec.scheduled and spec.default_enabled
    assert load_config(None).collectors.hardware.interval == 86400
    config = parse_config_text("collectors:\n  hardware:\n    interval: 12h\n", "t.yaml")
    assert config.collectors.hardware.interval == 43200
