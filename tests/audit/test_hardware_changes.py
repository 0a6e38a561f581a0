"""A hardware change between two audits of a host shows in the audit's changes (--baseline)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from netwatch.assets.linux import linux_hardware
from netwatch.assets.model import Hardware
from netwatch.audit.baseline import compare
from netwatch.audit.inventory import Inventory
from netwatch.audit.model import AuditReport
from netwatch.audit.render_html import render_host_html
from netwatch.audit.render_markdown import render_host_markdown
from netwatch.cli.audit_view import print_summary
from netwatch.hostaccess import FileReader
from tests.helpers.audit_reports import fixture_report

SYS = Path(__file__).parents[1] / "fixtures" / "sys"


def with_hardware(report: AuditReport, hardware: Hardware) -> AuditReport:
    return report.model_copy(update={"inventory": Inventory(hardware=hardware)})


def audits() -> tuple[AuditReport, AuditReport]:
    """The desktop fixture audited, then again with one RAM module taken out."""
    before = linux_hardware(FileReader(SYS / "desktop"))
    after = before.model_copy(update={"memory_modules": before.memory_modules[:1]})
    report = fixture_report("linux-hardened")
    baseline = with_hardware(report, before)
    current = with_hardware(report, after)
    return baseline, current.model_copy(update={"changes": compare(baseline, current)})


def test_a_removed_ram_module_is_a_change_of_the_audit() -> None:
    _, report = audits()
    assert report.changes is not None
    [change] = report.changes.hardware
    assert (change.component, change.change, change.after) == ("memory", "removed", None)
    assert change.before and "DIMM" in change.before


def test_the_change_is_shown_in_every_output() -> None:
    _, report = audits()
    assert report.changes is not None
    [change] = report.changes.hardware
    assert change.before is not None
    html = render_host_html(report, "vi")
    assert "Thay đổi phần cứng (1)" in html and "bị tháo ra" in html
    assert change.before in render_host_markdown(report, "en")
    out = io.StringIO()
    print_summary(report, "vi", [], Console(file=out, width=200, color_system=None))
    assert "Thay đổi phần cứng (1)" in out.getvalue() and change.before in out.getvalue()


def test_no_hardware_section_no_hardware_change() -> None:
    report = fixture_report("linux-weak")
    assert compare(report, report).hardware == []
