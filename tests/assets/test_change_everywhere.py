"""Acceptance (issue 16): a hardware change between two runs shows in the metrics, the
audit's changes and the register's changes sheet — the same change, read three ways."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.assets.linux import linux_hardware
from netwatch.assets.model import Hardware
from netwatch.audit.baseline import compare
from netwatch.audit.inventory import Inventory
from netwatch.collectors.hardware import HardwareCollector, HardwareSettings
from netwatch.hostaccess import FileReader
from netwatch.register.build import RegisterRequest, build_register
from tests.helpers.audit_reports import fixture_report

SYS = Path(__file__).parents[1] / "fixtures" / "sys"


def two_readings() -> tuple[Hardware, Hardware]:
    """The desktop fixture, then the same desktop with its second RAM module taken out."""
    before = linux_hardware(FileReader(SYS / "desktop"))
    return before, before.model_copy(update={"memory_modules": before.memory_modules[:1]})


def counters(collector: HardwareCollector) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(collector)  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    return {
        (s.labels["component"], s.labels["change"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == "netwatch_hardware_changes"
        for s in family.samples
        if s.name == "netwatch_hardware_changes_total"
    }


def inventory_file(path: Path, hardware: Hardware, at: str) -> Path:
    document = {"schema_version": 1, "collected_at": at, "host": {"hostname": "pc-ketoan-02"},
                "hardware": hardware.model_dump(mode="json")}  # fmt: skip
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_one_ram_module_removed_is_seen_by_metrics_audit_and_register(tmp_path: Path) -> None:
    before, after = two_readings()
    removed = before.memory_modules[1]
    assert removed.slot

    readings = iter([before, after])
    settings = HardwareSettings(memory_file=str(tmp_path / "memory.json"))
    collector = HardwareCollector(settings, lambda: next(readings), users=lambda: [])
    first = counters(collector)
    second = counters(collector)
    assert first[("memory", "removed")] == 0 and second[("memory", "removed")] == 1
    assert sum(second.values()) == 1

    report = fixture_report("linux-hardened")
    baseline = report.model_copy(update={"inventory": Inventory(hardware=before)})
    current = report.model_copy(update={"inventory": Inventory(hardware=after)})
    [change] = compare(baseline, current).hardware
    assert (change.component, change.change) == ("memory", "removed")
    assert change.before and removed.slot in change.before

    old = build_register(RegisterRequest(
        [inventory_file(tmp_path / "a.json", before, "2026-11-01T02:00:00Z")],
        tmp_path / "first", lang="vi", pdf=False), now="2026-11-01T03:00:00Z")  # fmt: skip
    new = build_register(RegisterRequest(
        [inventory_file(tmp_path / "b.json", after, "2026-12-01T02:00:00Z")],
        tmp_path / "second", lang="vi", previous=tmp_path / "first", pdf=False),
        now="2026-12-01T03:00:00Z")  # fmt: skip
    assert old.changes == []
    workbook = openpyxl.load_workbook(
        next(p for p in new.paths if p.suffix == ".xlsx"), read_only=True
    )
    rows = [[c for c in row if c is not None] for sheet in workbook.worksheets
            if sheet.sheet_state == "visible" for row in sheet.iter_rows(values_only=True)]  # fmt: skip
    assert any("pc-ketoan-02" in row and change.before in row for row in rows), rows[-5:]
