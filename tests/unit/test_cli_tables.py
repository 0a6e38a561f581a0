"""Every command's terminal output at 80 and 120 columns, against golden files.

Each command renders fixed data (the weak posture host, the audit fixtures, a recorded
scan, recorded probe results, the weak host's inventory) at a fixed width, in English and
Vietnamese, and is compared byte for byte with ``tests/cli_golden/<name>.txt``. Set
``NETWATCH_UPDATE_GOLDEN=1`` to write the files instead (then read the diff).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from netwatch.audit.load import load_host_report
from netwatch.audit.merge import merge_reports
from netwatch.cli.audit_view import print_office, print_summary
from netwatch.cli.check_render import print_table as print_checks
from netwatch.cli.hardware_view import print_hardware
from netwatch.cli.inventory_cmd import print_tables as print_inventory
from netwatch.cli.posture_cmd import print_results
from netwatch.cli.scan_cmd import print_table as print_scan
from netwatch.cli.tables import output_console
from netwatch.collectors.services import build_jobs
from netwatch.config.loader import load_config
from netwatch.i18n import msg
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from netwatch.posture.score import compute_score
from netwatch.probes.check import select_services
from netwatch.probes.result import ProbeResult
from tests.helpers.posture_hosts import recorded_host

GOLDEN = Path(__file__).parents[1] / "cli_golden"
AUDIT = Path(__file__).parents[1] / "fixtures" / "audit"
ASSETS = Path(__file__).parents[1] / "fixtures" / "assets"
NOW = 1781924400.0  # 2026-06-20 03:00 UTC: the posture checks' "today", the merge's "now"
WIDTHS = (80, 120)
LANGS = ("en", "vi")
BOX_DRAWING = re.compile("[\u2500-\u257f]")


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local times are UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def console(width: int, terminal: bool = True) -> tuple[Console, io.StringIO]:
    """A console of ``width`` columns as a terminal shows it (without colour), or plain."""
    out = io.StringIO()
    if not terminal:
        return output_console(out, width), out
    return Console(file=out, width=width, force_terminal=True, color_system=None,
                   highlight=False, emoji=False, legacy_windows=False), out  # fmt: skip


def posture(lang: str, out: Console, details: bool = False) -> list[str]:
    results = run_policy(load_policy(None), recorded_host("linux-weak"), "linux", now=NOW)
    print_results(out, results, compute_score(results), lang, details)
    return [r.meta.id for r in results]


def audit(lang: str, out: Console) -> list[str]:
    report = load_host_report(AUDIT / "host-weak.json")
    print_summary(report, lang, [], out)
    return [r.id for r in report.results if r.result == "fail"]


def merge(lang: str, out: Console) -> list[str]:
    reports = [(str(p), load_host_report(p)) for p in sorted(AUDIT.glob("host-*.json"))]
    merged = merge_reports(reports, office="UBND xã Thanh Bình", now=NOW)
    print_office(merged, lang, [], out)
    return [h.hostname for h in merged.hosts] + ["50,5" if lang == "vi" else "50.5"]


def check(lang: str, out: Console) -> list[str]:
    urls = [
        "https://dichvucong.thanhbinh.gov.vn/portal/tra-cuu-ho-so-mot-cua",
        "http://10.20.1.15/",
    ]
    tcps = ["mail.thanhbinh.gov.vn:587", "10.20.1.30:8080"]
    settings = load_config(None)
    jobs = build_jobs(select_services(settings, [], urls, tcps), settings.collectors.services)
    day = 86400.0
    recorded = [
        ProbeResult(True, duration=0.0412, values={"tls_expiry_timestamp": NOW + 5.2 * day},
                    info={"http_version": "HTTP/1.1", "tls_expiry_warning_days": "14"},
                    warnings={"cert_expiring": msg("certificate expires in {days} days (warning "
                                                   "below {threshold} days)", days=5.2,
                                                   threshold=14)}),
        ProbeResult(False, "status", "HTTP 503 Service Unavailable (expected 200-399)", 0.0087),
        ProbeResult(True, duration=0.00047, values={"tls_expiry_timestamp": NOW + 200 * day}),
        ProbeResult(False, "refused", "connect to 10.20.1.30:8080: connection refused", 0.0009),
    ]  # fmt: skip
    print_checks(list(zip(jobs, recorded, strict=True)), lang, out, now=NOW)
    return [*urls, *tcps, "url-1", "tcp-2"]


def scan(lang: str, out: Console) -> list[str]:
    report = json.loads((GOLDEN / "scan.json").read_text(encoding="utf-8"))
    print_scan(report, lang, out)
    values = [d[k] for d in report["devices"] for k in ("ip", "mac", "vendor") if d[k]]
    return [*values, "2026-06-20 03:00", "2026-05-21 03:00"]


def inventory(lang: str, out: Console) -> list[str]:
    data = json.loads((AUDIT / "host-weak.json").read_text(encoding="utf-8"))["inventory"]
    print_inventory(data, out, lang)
    return ["/dev/mapper/vg0-srv", "00:50:56:9a:3c:11", "fe80::250:56ff:fe9a:3c11/64"]


def hardware(lang: str, out: Console) -> list[str]:
    data = json.loads((ASSETS / "lap-giamdoc.json").read_text(encoding="utf-8"))["hardware"]
    print_hardware(out, data, lang)
    return ["PF1ABCDE", "ThinkPad T490", "1919AB441234", "HP LaserJet Pro M404dn (Phòng Giám đốc)"]


COMMANDS: dict[str, Callable[[str, Console], list[str]]] = {
    "posture": posture,
    "posture-details": lambda lang, out: posture(lang, out, details=True),
    "audit": audit,
    "report-merge": merge,
    "check": check,
    "scan": scan,
    "inventory": inventory,
    "inventory-hardware": hardware,
}
CASES = [(name, lang, width) for name in COMMANDS for lang in LANGS for width in WIDTHS]


def golden_name(name: str, lang: str, width: int) -> str:
    return f"{name}-{lang}-{width}.txt"


@pytest.mark.parametrize(("name", "lang", "width"), CASES)
def test_golden(name: str, lang: str, width: int) -> None:
    out, buffer = console(width)
    whole = COMMANDS[name](lang, out)
    text = buffer.getvalue()
    path = GOLDEN / golden_name(name, lang, width)
    if os.environ.get("NETWATCH_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (update: see docstring)"
    wide = [line for line in text.splitlines() if Text(line).cell_len > width]
    assert not wide, f"lines wider than {width}: {wide}"
    for value in whole:  # ids, scores, targets, vendors, dates: whole, never cut
        assert value in text, f"{value!r} is cut or missing"
    for line in text.splitlines():  # a cut evidence line is fine; a value cut short is not
        if "…" in line:
            cut = line.split("…")[0].split()[-1]
            assert len(cut) < 3 or not any(v.startswith(cut) for v in whole), line


@pytest.mark.parametrize("name", list(COMMANDS))
def test_plain_when_not_a_terminal(name: str) -> None:
    out, buffer = console(80, terminal=False)
    COMMANDS[name]("vi", out)
    text = buffer.getvalue()
    assert text and "\x1b" not in text and not BOX_DRAWING.search(text)


def test_stacked_at_80_and_a_table_at_120() -> None:
    """The merged office fits a table at 120; at 80 each host is a block with labelled values."""
    narrow, narrow_text = console(80)
    merge("vi", narrow)
    wide, wide_text = console(120)
    merge("vi", wide)
    assert "\nsrv-motcua-01\n  Điểm: 50,5 · Xếp loại: Trung bình" in narrow_text.getvalue()
    assert re.search(r"┃ Máy +┃ Điểm ┃", wide_text.getvalue())


def test_details_show_remediation_and_every_evidence_item() -> None:
    out, buffer = console(120)
    posture("vi", out, details=True)
    text = buffer.getvalue()
    assert "Khuyến nghị khắc phục: " in text
    assert "/etc/ssh/sshd_config.d/60-baseline.conf:4" in text  # the second evidence item
    plain, plain_buffer = console(120)
    posture("vi", plain)
    assert "Khuyến nghị khắc phục" not in plain_buffer.getvalue()
    assert "/etc/ssh/sshd_config.d/60-baseline.conf:4" not in plain_buffer.getvalue()


def test_check_shows_worded_facts_in_the_readers_language() -> None:
    """A fact a probe wrote in words (a truncated body) is a note in the check table."""
    settings = load_config(None)
    jobs = build_jobs(select_services(settings, [], ["http://10.20.1.15/"], []),
                      settings.collectors.services)  # fmt: skip
    result = ProbeResult(True, duration=0.002)
    result.describe("body_truncated", msg("read only the first {count} bytes", count=1000))
    out, buffer = console(120)
    print_checks(list(zip(jobs, [result], strict=True)), "vi", out, now=NOW)
    assert "chỉ đọc 1000 byte đầu tiên" in buffer.getvalue()
