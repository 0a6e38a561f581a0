"""Changes since a baseline report of the same host; reports of other hosts are refused."""

from __future__ import annotations

import pytest

from netwatch.audit.baseline import BaselineError, check_same_host, compare, with_changes
from netwatch.audit.model import AuditReport, HostIdentity
from tests.helpers.audit_reports import fixture_report, with_results

SSH_ROOT = "linux.ssh.root_login"
BACKUP = "common.backup.recent"


def ids(items: list) -> list[str]:
    return [item.id for item in items]


def hardened(**results: str | None) -> AuditReport:
    return with_results(fixture_report("linux-hardened"), **results)


def test_fixed_from_fail_and_from_error() -> None:
    before = hardened(linux__ssh__root_login="fail", common__backup__recent="error")
    changes = compare(before, hardened())
    assert ids(changes.fixed) == [BACKUP, SSH_ROOT]
    assert [(i.before, i.after) for i in changes.fixed] == [("error", "pass"), ("fail", "pass")]
    assert changes.fixed[1].title.en and changes.fixed[1].severity == "high"
    assert changes.new_failures == changes.regressions == changes.waivers_expired == []
    assert changes.baseline_generated_at == before.generated_at
    assert changes.baseline_score == before.score.value


def test_regressions_are_pass_to_fail() -> None:
    changes = compare(hardened(), hardened(linux__ssh__root_login="fail"))
    assert ids(changes.regressions) == [SSH_ROOT]
    assert (changes.regressions[0].before, changes.regressions[0].after) == ("pass", "fail")
    assert changes.fixed == changes.new_failures == []


def test_new_failures_were_absent_or_not_applicable() -> None:
    before = hardened(linux__ssh__root_login=None, common__backup__recent="not_applicable")
    after = hardened(linux__ssh__root_login="fail", common__backup__recent="fail")
    changes = compare(before, after)
    assert ids(changes.new_failures) == [BACKUP, SSH_ROOT]
    assert [i.before for i in changes.new_failures] == ["not_applicable", "absent"]
    assert changes.regressions == []


def test_waiver_expired() -> None:
    before = hardened(linux__ssh__root_login="waived", common__backup__recent="waived")
    after = hardened(linux__ssh__root_login="expired", common__backup__recent="waived")
    changes = compare(before, after)
    assert ids(changes.waivers_expired) == [SSH_ROOT]
    assert (changes.waivers_expired[0].before, changes.waivers_expired[0].after) == (
        "waived",
        "fail",
    )
    assert changes.regressions == changes.new_failures == changes.fixed == []


def test_unchanged_and_other_transitions_are_not_listed() -> None:
    before = hardened(linux__ssh__root_login="fail", common__backup__recent="waived",
                      linux__logging__auditd="error")  # fmt: skip
    after = hardened(linux__ssh__root_login="fail", common__backup__recent="pass",
                     linux__logging__auditd="fail", linux__network__firewall_default_deny=None)  # fmt: skip
    changes = compare(before, after)
    assert changes.fixed == changes.regressions == changes.new_failures == []
    assert changes.waivers_expired == []


def test_whole_host_fixed() -> None:
    weak = fixture_report("linux-weak")
    after = fixture_report("linux-hardened").model_copy(update={"host": weak.host})
    report = with_changes(after, weak, "weak.json")
    assert report.changes is not None
    assert len(report.changes.fixed) == len(weak.results)
    assert report.changes.baseline_score == 0.0


@pytest.mark.parametrize(
    ("baseline_host", "allowed"),
    [
        (
            HostIdentity(hostname="SRV-HARDENED", machine_id="0123456789abcdef0123456789abcdef"),
            True,
        ),
        (HostIdentity(hostname="srv-hardened"), True),  # no machine id in the baseline
        (
            HostIdentity(hostname="pc-ketoan-02", machine_id="0123456789abcdef0123456789abcdef"),
            False,
        ),
        (HostIdentity(hostname="srv-hardened", machine_id="ffff"), False),
    ],
)
def test_baseline_of_another_host_is_refused(baseline_host: HostIdentity, allowed: bool) -> None:
    current = fixture_report("linux-hardened")
    baseline = current.model_copy(update={"host": baseline_host})
    if allowed:
        check_same_host(baseline, current.host, "old.json")
        assert with_changes(current, baseline, "old.json").changes is not None
        return
    with pytest.raises(BaselineError) as caught:
        with_changes(current, baseline, "old.json")
    message = str(caught.value)
    assert message.startswith("old.json: the baseline is a report of host ")
    assert "srv-hardened" in message and "\n" not in message
