"""``netwatch audit`` end to end: JSON on stdout, summary, files, baselines and exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netwatch.cli.app import app
from tests.conftest import netwatch_argv
from tests.helpers.audit_reports import (
    assert_valid,
    fixture_report,
    listing,
    loopback_services,
    save,
)
from tests.helpers.posture_hosts import POSTURE_FIXTURES

WEAK = str(POSTURE_FIXTURES / "linux-weak")
HARDENED = str(POSTURE_FIXTURES / "linux-hardened")
runner = CliRunner()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})  # fmt: skip


@pytest.fixture
def one_check_policy(tmp_path: Path) -> Path:
    """Only linux.ssh.root_login (fails on the weak image, passes on the hardened one), medium."""
    path = tmp_path / "one-check.yaml"
    path.write_text("name: one-check\ninclude: [linux.ssh.root_login]\n"
                    "checks:\n  linux.ssh.root_login: {severity: medium}\n")  # fmt: skip
    return path


def test_format_json_stdout_is_the_report_only() -> None:
    result = run("audit", "--root", WEAK, "--format", "json", "--lang", "vi")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert_valid(document, "audit-report")
    assert document["mode"] == "offline" and document["root"] == WEAK
    assert document["host"]["hostname"] == "linux-weak" and document["host"]["kernel"] == ""
    assert document["inventory"]["scope"] == "files" and document["inventory"]["software"]
    assert "cpu" not in document["inventory"], "offline: files only"
    by_id = {r["id"]: r for r in document["results"]}
    assert by_id["linux.ssh.root_login"]["result"] == "fail"
    assert by_id["linux.network.listening_ports"]["result"] == "not_applicable"
    assert "Traceback" not in result.stderr


def test_summary_in_vietnamese_says_offline() -> None:
    result = run("audit", "--root", WEAK, "--lang", "vi")
    assert result.returncode == 1, result.stderr
    assert "Bằng chứng ngoại tuyến lấy từ ổ đĩa gắn tại" in result.stdout
    assert "Điểm: " in result.stdout and "Xếp loại: Kém" in result.stdout
    assert "Nghiêm trọng 4" in result.stdout
    assert "linux.ssh.root_login" in result.stdout and "Khuyến nghị khắc phục" in result.stdout
    assert "Đặt `PermitRootLogin no`" in result.stdout, "one-line remediation"


@pytest.mark.parametrize(
    ("root", "fail_on", "code"),
    [(WEAK, None, 1), (WEAK, "low", 1), (WEAK, "medium", 1), (WEAK, "high", 0),
     (WEAK, "critical", 0), (HARDENED, None, 0), (HARDENED, "low", 0)],
)  # fmt: skip
def test_fail_on(one_check_policy: Path, root: str, fail_on: str | None, code: int) -> None:
    args = ["audit", "--root", root, "--policy", str(one_check_policy), "--format", "json"]
    result = runner.invoke(app, [*args, "--fail-on", fail_on] if fail_on else args)
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["policy"]["name"] == "one-check"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("name: x\nchecks:\n  linux.nope.x: {}\n")
    a_file = tmp_path / "file"
    a_file.write_text("")
    cases = {
        ("--lang", "fr"): "'fr' is not allowed; use one of: en, vi",
        ("--policy", str(policy)): f"{policy}: line 3: checks.linux.nope.x: unknown check id",
        ("--fail-on", "urgent"): "urgent",
        ("--root", str(tmp_path / "nope")): "not a directory",
        ("--root", WEAK, "--services"): "--services probes from this machine",
        ("--root", WEAK, "--output", str(a_file)): "is a file",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["audit", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert result.stdout == "", "nothing on stdout"
    assert listing(tmp_path) == {"file": b"", "p.yaml": policy.read_bytes()}


def test_output_writes_json_html_and_markdown(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "2026"
    args = ["audit", "--root", WEAK, "--output", str(out), "--office", "UBND xã A", "--lang", "vi"]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".html", ".json", ".md"]
    stem = files[0].stem
    assert stem.startswith("netwatch-audit-linux-weak-") and len(stem) == len(
        "netwatch-audit-linux-weak-20261122-080509"
    )
    assert {f.stem for f in files} == {stem}
    assert "Đã ghi báo cáo:" in first.stdout and str(files[1]) in first.stdout
    document = json.loads(files[1].read_text(encoding="utf-8"))
    assert_valid(document, "audit-report")
    assert document["office"] == "UBND xã A" and document["mode"] == "offline"
    before = listing(out)
    second = runner.invoke(app, args)
    assert second.exit_code == 1, second.output
    after = listing(out)
    assert len(after) == 6 and all(after[name] == data for name, data in before.items())


def test_baseline_adds_changes(tmp_path: Path) -> None:
    first = runner.invoke(app, ["audit", "--root", WEAK, "--format", "json"])
    previous = json.loads(first.stdout)
    passed = next(r for r in previous["results"] if r["result"] == "pass")
    passed.update(result="fail", status="fail")
    baseline = tmp_path / "previous.json"
    baseline.write_text(json.dumps(previous), encoding="utf-8")
    result = runner.invoke(app, ["audit", "--root", WEAK, "--format", "json",
                                 "--baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert_valid(document, "audit-report")
    changes = document["changes"]
    assert changes["baseline_generated_at"] == previous["generated_at"]
    assert [c["id"] for c in changes["fixed"]] == [passed["id"]]
    assert changes["regressions"] == changes["new_failures"] == changes["waivers_expired"] == []
    table = runner.invoke(app, ["audit", "--root", WEAK, "--baseline", str(baseline)])
    assert "Changes since the previous audit" in table.stdout and passed["id"] in table.stdout


def _broken_baselines(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    other = save(fixture_report("linux-weak"), tmp_path / "other-host.json")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(other.read_text()[:3000])
    wrong = tmp_path / "wrong-schema.json"
    wrong.write_text('{"schema": "netwatch-inventory", "schema_version": 1}')
    office = tmp_path / "office.json"
    office.write_text(json.dumps({"schema": "netwatch-office-report", "schema_version": 1}))
    return {
        "other host": (other, "the baseline is a report of host 'pc-weak'"),
        "truncated": (truncated, "truncated JSON"),
        "wrong schema": (wrong, "not a netwatch report: schema 'netwatch-inventory'"),
        "office": (office, "this is an office report, a host audit report is needed here"),
        "missing": (tmp_path / "missing.json", "no such file"),
    }


def test_bad_baseline_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "netwatch-audit-linux-weak-20260101-000000.json").write_text("an earlier report")
    for name, (baseline, message) in _broken_baselines(tmp_path).items():
        before = listing(out)
        result = run("audit", "--root", WEAK, "--baseline", str(baseline), "--output", str(out))
        assert result.returncode == 2, (name, result.stderr)
        assert result.stderr.startswith(f"netwatch: error: {baseline}: "), name
        assert message in result.stderr, (name, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", name
        assert listing(out) == before, name


def test_services_probed_once_on_loopback(tmp_path: Path, one_check_policy: Path) -> None:
    base = ["audit", "--services", "-c", str(tmp_path / "netwatch.yaml"), "--policy",
            str(one_check_policy), "--fail-on", "critical"]  # fmt: skip
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        (tmp_path / "netwatch.yaml").write_text(loopback_services(
            intranet=listening.getsockname()[1], mail=closed.getsockname()[1]))  # fmt: skip
        result = runner.invoke(app, [*base, "--format", "json"])
        table = runner.invoke(app, base)
    assert result.exit_code == 0, "a service down does not change the exit code"
    document = json.loads(result.stdout)
    assert_valid(document, "audit-report")
    assert document["mode"] == "live" and document["root"] is None
    assert document["inventory"]["cpu"]["logical_cores"] >= 1
    services = {s["service"]: s for s in document["services"]}
    assert services["intranet"]["success"] is True and services["intranet"]["kind"] == "tcp"
    assert services["mail"]["success"] is False and services["mail"]["reason"]
    assert "Services: 1 up, 1 down (mail)" in table.stdout


def test_signature_names_and_office_from_config_options_win(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text('report:\n  office: "UBND xã Cấu Hình"\n  preparer: "Lê Văn Bình"\n'
                      '  approver: "Trần Thị Hoa"\n', encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    result = runner.invoke(app, ["audit", "--root", WEAK, "--config", str(config), "--lang", "vi",
                                 "--approver", "Phạm Văn Duy", "--software", "none",
                                 "--output", str(out)])  # fmt: skip
    assert result.exit_code == 1, result.output
    (json_file,) = out.glob("*.json")
    document = json.loads(json_file.read_text(encoding="utf-8"))
    assert_valid(document, "audit-report")
    assert (document["office"], document["preparer"], document["approver"]) == (
        "UBND xã Cấu Hình", "Lê Văn Bình", "Phạm Văn Duy")  # fmt: skip
    assert document["inventory"]["software"], "the JSON keeps the software list"
    (html,) = out.glob("*.html")
    page = html.read_text(encoding="utf-8")
    assert "Lê Văn Bình" in page and "Phạm Văn Duy" in page and "Trần Thị Hoa" not in page
    assert "Phần mềm đã cài đặt" not in page, "--software none leaves the list out"
    bad = runner.invoke(app, ["audit", "--root", WEAK, "--software", "some"])
    assert bad.exit_code == 2 and "full, summary, none" in " ".join(
        bad.output.replace("│", " ").split()
    )
