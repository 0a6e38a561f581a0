"""Reading saved reports: every problem is one line naming the file, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netwatch.audit.load import ReportFileError, load_host_report, load_report
from netwatch.audit.merge import merge_reports
from netwatch.audit.output import report_json
from tests.helpers.audit_reports import fixture_report, save


def weak_json() -> str:
    return report_json(fixture_report("linux-weak"))


def edited(**changes: object) -> str:
    document = json.loads(weak_json())
    document.update(changes)
    return json.dumps(document)


def bad_severity() -> str:
    document = json.loads(weak_json())
    document["results"][3]["severity"] = "urgent"
    return json.dumps(document)


CASES = {
    "truncated": (lambda: weak_json()[:5000], "truncated JSON: the document ends early at line"),
    "invalid": (
        lambda: '{\n  "schema": "netwatch-audit-report",\n  oops\n}',
        "invalid JSON at line 3, column 3: Expecting property name",
    ),
    "not utf-8": (
        lambda: weak_json().encode("utf-8").replace(b"Debian", b"Deb\xffan"),
        "not UTF-8 text (byte 0xff at offset",
    ),
    "empty": (lambda: "  \n", "empty file, not a netwatch report"),
    "array": (
        lambda: "[1, 2]",
        "not a netwatch report: the JSON document is an array, not an object",
    ),
    "other schema": (
        lambda: '{"schema": "prometheus"}',
        "not a netwatch report: schema 'prometheus' (expected 'netwatch-audit-report' or 'netwatch-office-report')",
    ),
    "no schema": (lambda: '{"hostname": "x"}', 'not a netwatch report: no "schema" field'),
    "newer version": (
        lambda: edited(schema_version=2),
        "netwatch-audit-report schema version 2 is not supported (this netwatch reads version 1); upgrade netwatch to read it",
    ),
    "version missing": (
        lambda: edited(schema_version=None),
        "schema version None is not supported",
    ),
    "invalid field": (
        bad_severity,
        "invalid report at results[3].severity: Input should be 'critical', 'high', 'medium' or 'low' (got 'urgent')",
    ),
    "missing field": (
        lambda: edited(host={"fqdn": "x"}),
        "invalid report at host.hostname: required field missing",
    ),
    "unknown field": (lambda: edited(colour="red"), "invalid report at colour: unknown field"),
    "several problems": (
        lambda: edited(host=None, score=None),
        "invalid report at host: Input should be a valid dictionary or instance of HostIdentity (got None) (and 1 more problem)",
    ),
    "bad time": (
        lambda: edited(generated_at="yesterday"),
        "invalid report at generated_at: not an ISO 8601 time (got 'yesterday')",
    ),
    "NaN": (
        lambda: weak_json().replace('"value": 0.0', '"value": NaN'),
        "invalid JSON: NaN is not a JSON number",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_broken_files(tmp_path: Path, case: str) -> None:
    make, expected = CASES[case]
    path = tmp_path / "report.json"
    content = make()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportFileError) as caught:
        load_report(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert expected in message


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ReportFileError, match=r"nope\.json: no such file$"):
        load_report(tmp_path / "nope.json")
    with pytest.raises(ReportFileError, match="is a directory, not a report file"):
        load_report(tmp_path)


def test_unreadable(tmp_path: Path) -> None:
    path = save(fixture_report("linux-weak"), tmp_path / "secret.json")
    path.chmod(0)
    try:
        if path.open("rb"):  # root reads anything: nothing to test then
            pytest.skip("running as root")
    except PermissionError:
        with pytest.raises(ReportFileError, match="cannot read the file: Permission denied"):
            load_report(path)
    finally:
        path.chmod(0o600)


def test_reads_host_and_office_reports(tmp_path: Path) -> None:
    weak = fixture_report("linux-weak")
    host_path = save(weak, tmp_path / "host.json")
    assert load_report(host_path) == weak
    assert load_host_report(host_path) == weak
    office = merge_reports([("host.json", weak)])
    office_path = save(office, tmp_path / "office.json")
    assert load_report(office_path) == office
    with pytest.raises(
        ReportFileError, match="this is an office report, a host audit report is needed"
    ):
        load_host_report(office_path)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + weak_json().encode("utf-8"))
    assert load_report(path) == fixture_report("linux-weak")


SAVED_REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "audit"


@pytest.mark.parametrize("name", ["host-hardened.json", "host-weak.json"])
def test_a_saved_inventory_loads_typed_and_is_written_back_unchanged(name: str) -> None:
    """Reports saved before the inventory had a type (no errors, no scope) still load."""
    path = SAVED_REPORTS / name
    report = load_host_report(path)
    inventory = report.inventory
    assert inventory is not None and inventory.cpu is not None and inventory.memory is not None
    assert (inventory.cpu.logical_cores, inventory.memory.total) == (20, 34359738368)
    assert inventory.network_interfaces[0].addresses[0].prefix == 24
    assert inventory.software[0].manager == "dpkg" and inventory.errors == []
    saved = json.loads(path.read_text(encoding="utf-8"))["inventory"]
    assert "errors" not in saved and "scope" not in saved
    assert json.loads(report_json(report))["inventory"] == saved
