"""The posture engine: timeouts and crashes become errors, waivers, score, policy loading."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.model import (
    Check,
    CheckMeta,
    Evidence,
    Severity,
    Status,
    Text,
    Waiver,
    failed,
    passed,
)
from netwatch.posture.policy import Policy, SelectedCheck, load_policy
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from netwatch.posture.score import compute_score

RELEASE = threading.Event()


def meta(check_id: str, severity: Severity = Severity.medium, timeout: float = 5.0) -> CheckMeta:
    return CheckMeta(
        id=check_id,
        title=Text("A test check", "Một kiểm tra thử"),
        rationale=Text("Because.", "Vì vậy."),
        remediation=Text("Fix it.", "Sửa nó."),
        category="host",
        severity=severity,
        platforms=("linux",),
        timeout=timeout,
    )


def selected(check_id: str, run, severity: Severity = Severity.medium, timeout: float = 5.0):
    return SelectedCheck(Check(meta(check_id, severity, timeout), run), severity, None, timeout)


def policy(*checks: SelectedCheck, waivers: dict[str, Waiver] | None = None) -> Policy:
    return Policy("test", "", ("test",), tuple(checks), waivers or {}, ())


def good(ctx):
    return passed(Evidence("/etc/test:1", "ok", "ok"))


def bad(ctx):
    return failed(Evidence("/etc/test:2", "bad", "ok"))


def boom(ctx):
    raise RuntimeError("parser exploded")


def hang(ctx):
    RELEASE.wait(30)
    return passed()


def access() -> HostAccess:
    return HostAccess(files=FileReader("/nonexistent-root"), registry=None, live=False)


def test_hanging_and_raising_checks_become_errors_and_others_report() -> None:
    RELEASE.clear()
    chosen = policy(
        selected("test.engine.hang", hang, timeout=0.5),
        selected("test.engine.boom", boom),
        *(selected(f"test.engine.good{i}", good) for i in range(10)),
        selected("test.engine.bad", bad),
    )
    start = time.monotonic()
    results = {r.meta.id: r for r in run_policy(chosen, access(), platform="linux", concurrency=2)}
    elapsed = time.monotonic() - start
    RELEASE.set()
    assert elapsed < 3, "a hung check must not hold up the run"
    assert results["test.engine.hang"].status is Status.error
    assert results["test.engine.hang"].outcome.reason == "did not finish within 0.5s"
    assert results["test.engine.boom"].outcome.reason == "RuntimeError: parser exploded"
    assert all(results[f"test.engine.good{i}"].status is Status.passed for i in range(10))
    assert results["test.engine.bad"].outcome.evidence[0].source == "/etc/test:2"


def test_many_hung_checks_do_not_starve_the_rest() -> None:
    RELEASE.clear()
    hung = [selected(f"test.engine.hang{i}", hang, timeout=0.3) for i in range(4)]
    chosen = policy(*hung, selected("test.engine.after", good))
    results = {r.meta.id: r for r in run_policy(chosen, access(), platform="linux", concurrency=2)}
    RELEASE.set()
    assert results["test.engine.after"].status is Status.passed
    assert sum(r.status is Status.error for r in results.values()) == 4


def test_other_platform_checks_are_not_run() -> None:
    windows_only = SelectedCheck(
        Check(
            CheckMeta(
                id="test.engine.win",
                title=Text("a", "b"),
                rationale=Text("a", "b"),
                remediation=Text("a", "b"),
                category="host",
                severity=Severity.low,
                platforms=("windows",),
            ),  # fmt: skip
            good,
        ),
        Severity.low,
        None,
        5.0,
    )
    assert run_policy(policy(windows_only), access(), platform="linux") == []


def test_waivers_and_score() -> None:
    waivers = {
        "test.engine.waived": Waiver("test.engine.waived", "legacy app", "Trưởng phòng", "2099-01-01", False),
        "test.engine.expired": Waiver("test.engine.expired", "old", "Chánh VP", "2020-01-01", True),
    }  # fmt: skip
    chosen = policy(
        selected("test.engine.critical_ok", good, Severity.critical),
        selected("test.engine.waived", bad, Severity.high),
        selected("test.engine.expired", bad, Severity.high),
        selected("test.engine.low_bad", bad, Severity.low),
        waivers=waivers,
    )
    results = {r.meta.id: r for r in run_policy(chosen, access(), platform="linux")}
    assert results["test.engine.waived"].waived is True
    assert results["test.engine.expired"].waived is False
    score = compute_score(list(results.values()))
    # critical pass 10 earned; expired-waiver high fail 5 + low fail 1 lost; waived left out.
    assert score.value == round(100 * 10 / 16, 1)
    assert score.band == "weak"
    assert score.counts == {"pass": 1, "fail": 2, "waived": 1, "not_applicable": 0, "error": 0}
    assert score.failed_by_severity == {"critical": 0, "high": 1, "medium": 0, "low": 1}
    assert (score.waived, score.expired_waivers) == (1, 1)
    assert compute_score([]).value == 100.0


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_baseline_selects_every_check_with_frameworks() -> None:
    baseline = load_policy(None)
    assert {s.check.meta.id for s in baseline.selected} == {c.meta.id for c in all_checks()}
    assert len(all_checks()) >= 30
    frameworks = {f.id for f in baseline.frameworks}
    assert frameworks == {"tcvn-11930-2017", "cis-controls-v8"}
    for check in all_checks():
        assert baseline.mappings(check.meta.id).get("tcvn-11930-2017"), check.meta.id


def test_policy_extends_sets_params_severity_waivers(tmp_path: Path) -> None:
    office = write(tmp_path, "office.yaml", """\
name: office-server
extends: builtin:baseline
exclude: ["windows.*"]
checks:
  common.backup.recent:
    severity: critical
    params: {paths: [/srv/backup], max_age_days: 2}
  windows.uac.enabled: {enabled: true}
waivers:
  - check: linux.ssh.password_auth
    reason: Helpdesk VPN users log in with passwords until the key rollout in Q3
    approver: Nguyễn Văn A, Chánh Văn phòng
    expires: 2026-09-30
""")  # fmt: skip
    loaded = load_policy(office, today=dt.date(2026, 11, 22))
    by_id = {s.check.meta.id: s for s in loaded.selected}
    assert by_id["common.backup.recent"].severity is Severity.critical
    assert by_id["common.backup.recent"].params.paths == ["/srv/backup"]
    assert by_id["common.backup.recent"].params.max_age_days == 2
    assert "windows.uac.enabled" in by_id, "an explicit enabled: true beats the exclude pattern"
    assert "windows.firewall.all_profiles" not in by_id
    waiver = loaded.waivers["linux.ssh.password_auth"]
    assert waiver.expired is True and waiver.approver.startswith("Nguyễn")
    assert loaded.sources[0].endswith("baseline.yaml") and loaded.sources[1] == str(office)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\ncolour: red\n", "line 2: colour: unknown key"),
        ("name: x\nchecks:\n  linux.nope.nothing: {}\n", "line 3: checks.linux.nope.nothing: unknown check id"),
        ("name: x\nchecks:\n  common.backup.recent:\n    params: {max_age_days: -1}\n",
         "line 4: checks.common.backup.recent.params.max_age_days: Input should be greater than 0"),
        ("name: x\nchecks:\n  common.backup.recent:\n    params: {nope: 1}\n",
         "checks.common.backup.recent.params.nope: unknown key"),
        ("name: x\nchecks:\n  linux.ssh.root_login:\n    severity: urgent\n",
         "checks.linux.ssh.root_login.severity"),
        ("name: x\nwaivers:\n  - {check: linux.ssh.root_login, reason: ok ok, approver: me, expires: soon}\n",
         "waivers.0.expires"),
        ("name: x\nwaivers:\n  - {check: no.such.check, reason: why not, approver: me, expires: 2030-01-01}\n",
         "waivers.0.check: unknown check id 'no.such.check'"),
        ("name: x\nextends: missing.yaml\n", "line 2: extends: cannot read 'missing.yaml'"),
        ("name: [unclosed\n", "invalid YAML"),
        ("name: x\nchecks:\n  linux.ssh.root_login:\n    params: {command: rm -rf /}\n",
         "this check takes no parameters"),
    ],
)  # fmt: skip
def test_malformed_policies_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "policy.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert expected in str(caught.value)
    assert "policy.yaml" in str(caught.value)


def test_framework_files_are_validated(tmp_path: Path) -> None:
    write(tmp_path, "fw.yaml", """\
id: local-rules
title: {en: Local rules, vi: Quy định nội bộ}
controls:
  r1: {en: Rule 1, vi: Quy định 1}
mappings:
  linux.ssh.root_login: [r1, r2]
""")  # fmt: skip
    path = write(tmp_path, "policy.yaml", "name: x\nframeworks: [fw.yaml]\n")
    with pytest.raises(ConfigError, match="control 'r2' is not declared"):
        load_policy(path)
