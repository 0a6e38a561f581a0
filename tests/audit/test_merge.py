"""Merging host reports into the office report: ranking, matrix, counts, staleness, duplicates."""

from __future__ import annotations

import json

from netwatch.audit.merge import merge_reports
from netwatch.audit.model import AuditReport
from netwatch.audit.output import report_json
from netwatch.times import parse_utc
from tests.helpers.audit_reports import assert_valid, fixture_report, with_results

NOW = parse_utc("2026-11-22T10:00:00Z").timestamp()


def at(report: AuditReport, moment: str) -> AuditReport:
    return report.model_copy(update={"generated_at": moment})


def pair() -> list[tuple[str, AuditReport]]:
    return [("hardened.json", at(fixture_report("linux-hardened"), "2026-11-20T08:00:00Z")),
            ("weak.json", at(fixture_report("linux-weak"), "2026-11-21T08:00:00Z"))]  # fmt: skip


def test_weak_ranks_first_and_hardened_last() -> None:
    office = merge_reports(pair(), now=NOW)
    assert [h.hostname for h in office.hosts] == ["pc-weak", "srv-hardened"]
    weak, hardened = office.hosts
    assert (weak.score, weak.band) == (0.0, "poor")
    assert (hardened.score, hardened.band) == (100.0, "good")
    assert weak.failed_by_severity == fixture_report("linux-weak").score.failed_by_severity
    assert weak.os_name == "Ubuntu 20.04" and weak.mode == "live"
    assert office.sources == ["hardened.json", "weak.json"]
    assert office.generated_at == "2026-11-22T10:00:00Z" and office.stale_days == 30
    assert office.office == "UBND xã Thanh Bình", "the office all reports share"
    assert office.superseded == []


def test_matrix_and_failing_host_counts() -> None:
    office = merge_reports(pair(), now=NOW)
    checks = {r.id for r in fixture_report("linux-weak").results}
    weak, hardened = office.hosts
    assert set(weak.results) == set(hardened.results) == checks
    assert set(weak.results.values()) == {"fail"} and set(hardened.results.values()) == {"pass"}
    assert {c.id for c in office.checks} == checks
    assert {c.failing_hosts for c in office.checks} == {1}
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    order = [(rank[c.severity], c.id) for c in office.checks]
    assert order == sorted(order), "equal counts: most severe first"
    root_login = next(c for c in office.checks if c.id == "linux.ssh.root_login")
    assert root_login.title.vi.startswith("SSH không cho phép") and root_login.severity == "high"


def test_most_common_failures_come_first() -> None:
    third = with_results(fixture_report("linux-hardened"), linux__ssh__root_login="fail",
                         common__backup__recent="waived")  # fmt: skip
    third = third.model_copy(update={"host": third.host.model_copy(update={"hostname": "pc-3"})})
    office = merge_reports([*pair(), ("third.json", third)], now=NOW)
    assert office.checks[0].id == "linux.ssh.root_login" and office.checks[0].failing_hosts == 2
    backup = next(c for c in office.checks if c.id == "common.backup.recent")
    assert backup.failing_hosts == 1, "a waived failure is not counted"
    assert [h.hostname for h in office.hosts] == ["pc-weak", "pc-3", "srv-hardened"]
    assert office.hosts[1].results["common.backup.recent"] == "waived"


def test_stale_hosts() -> None:
    reports = pair()
    reports[0] = ("hardened.json", at(reports[0][1], "2026-10-20T09:59:00Z"))  # 33 days
    office = merge_reports(reports, now=NOW)
    assert {h.hostname: h.stale for h in office.hosts} == {"pc-weak": False, "srv-hardened": True}
    assert not any(h.stale for h in merge_reports(reports, stale_days=40, now=NOW).hosts)
    assert all(h.stale for h in merge_reports(reports, stale_days=0, now=NOW).hosts)


def test_duplicate_reports_keep_the_newest() -> None:
    hardened, weak = pair()
    older = ("weak-old.json", at(weak[1], "2026-11-01T08:00:00Z"))
    office = merge_reports([older, hardened, weak], now=NOW)
    assert [h.hostname for h in office.hosts] == ["pc-weak", "srv-hardened"]
    assert office.hosts[0].generated_at == "2026-11-21T08:00:00Z"
    assert office.sources == ["hardened.json", "weak.json"]
    assert [(s.source, s.kept, s.hostname) for s in office.superseded] == [
        ("weak-old.json", "weak.json", "pc-weak")
    ]
    twice = merge_reports([weak, weak], now=NOW)
    assert len(twice.hosts) == 1 and len(twice.superseded) == 1


def test_same_hostname_other_machine_is_another_host() -> None:
    hardened, weak = pair()
    clone = weak[1].model_copy(
        update={"host": weak[1].host.model_copy(update={"machine_id": "99"})}
    )
    assert len(merge_reports([weak, ("clone.json", clone)], now=NOW).hosts) == 2


def test_office_name_and_schema() -> None:
    office = merge_reports(pair(), office="Văn phòng HĐND và UBND huyện", now=NOW)
    assert office.office == "Văn phòng HĐND và UBND huyện"
    unnamed = [pair()[0], ("x.json", pair()[1][1].model_copy(update={"office": ""}))]
    assert merge_reports(unnamed, now=NOW).office == "UBND xã Thanh Bình", "a report without one"
    third = ("y.json", pair()[1][1].model_copy(update={"office": "Khác", "host":
             pair()[1][1].host.model_copy(update={"hostname": "pc-3"})}))  # fmt: skip
    assert merge_reports([*pair(), third], now=NOW).office == "UBND xã Thanh Bình", "most named"
    nameless = [(s, r.model_copy(update={"office": ""})) for s, r in pair()]
    assert merge_reports(nameless, now=NOW).office == ""
    signed = merge_reports(pair(), now=NOW, preparer="Lê Văn Bình", approver="Trần Thị Hoa")
    assert (signed.preparer, signed.approver) == ("Lê Văn Bình", "Trần Thị Hoa")
    document = json.loads(report_json(office))
    assert document["schema"] == "netwatch-office-report"
    assert_valid(document, "office-report")
