"""A failing inventory item is recorded with its reason; inventory and audit go on.

The failure is the one office PCs with broken performance counters give: psutil's
memory call raises ``RuntimeError: PdhAddEnglishCounterW failed``. The Windows lab
runs the same commands on Windows Python, where the failure is real.
"""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from netwatch.cli.app import app
from netwatch.hostaccess import HostAccess
from netwatch.inventory.snapshot import gather_inventory

PDH = "PdhAddEnglishCounterW failed. Performance counters may be disabled."
runner = CliRunner()


@pytest.fixture
def broken_counters(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> None:
        raise RuntimeError(PDH)

    monkeypatch.setattr(psutil, "virtual_memory", fail)
    monkeypatch.setattr(psutil, "boot_time", fail)


@pytest.mark.usefixtures("broken_counters")
def test_failing_items_are_listed_and_the_rest_is_reported() -> None:
    data = gather_inventory(HostAccess())
    assert data["memory"] is None and data["boot_time"] is None
    assert data["errors"] == [
        {"item": "boot_time", "error": f"RuntimeError: {PDH}"},
        {"item": "memory", "error": f"RuntimeError: {PDH}"},
    ]
    assert data["cpu"]["logical_cores"] >= 1
    assert data["host"]["hostname"]


@pytest.mark.usefixtures("broken_counters")
def test_inventory_command_shows_what_is_unavailable() -> None:
    table = runner.invoke(app, ["inventory"], catch_exceptions=False)
    assert table.exit_code == 0, table.output
    assert "Unavailable: memory" in table.output
    assert "PdhAddEnglishCounterW failed" in table.output
    as_json = runner.invoke(app, ["inventory", "--format", "json"], catch_exceptions=False)
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["errors"][1]["item"] == "memory"


@pytest.mark.usefixtures("broken_counters")
def test_audit_records_the_error_in_its_report(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["audit", "--format", "json", "--output", str(tmp_path)], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    (report_file,) = tmp_path.glob("*.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert {"item": "memory", "error": f"RuntimeError: {PDH}"} in report["inventory"]["errors"]
    (html,) = tmp_path.glob("*.html")
    assert "Could not be read on this host: boot_time (RuntimeError: PdhAdd" in html.read_text(
        encoding="utf-8"
    )
