"""Every Linux check, fed hostile files and command output in place of a recorded host's.

For each file and command a check reads on the recorded hosts (found by tracing a
run), the input is replaced by garbage or by the real input with random corruptions,
and every check that reads it must still return an outcome that obeys the rules of
:func:`tests.fuzz.hosts.assert_sound`: no exception escapes a check, ``error`` and
``not_applicable`` carry a reason, all text is valid Unicode.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.posture.model import Check
from netwatch.posture.policy import load_policy
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from tests.fuzz.hosts import (
    LINUX_HOSTS,
    NOW,
    Host,
    assert_sound,
    inputs_read,
    recorded_stdout,
    run_check,
)
from tests.fuzz.strategies import host_text, near

READS = inputs_read(LINUX_HOSTS, "linux")
CHECKS = {c.meta.id: c for c in all_checks()}
RHEL = 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
DEBIAN = 'ID=debian\nVERSION_ID="12"\n'

Runs = tuple[tuple[str, bool, Check], ...]
"""(host, live, check): the runs that read one input."""


def _file_runs() -> dict[str, Runs]:
    runs: dict[str, list[tuple[str, bool, Check]]] = defaultdict(list)
    for reads in READS:
        for path in reads.files:
            runs[path].append((reads.host, reads.live, reads.check))
    # files no recorded host has, read by other branches of the same checks
    extra = {
        "/etc/default/ufw": "linux.network.firewall_default_deny",
        "/etc/firewalld/zones/public.xml": "linux.network.firewall_default_deny",
        "/usr/lib/os-release": "linux.updates.os_supported",
        "/etc/security/pwquality.conf.d/50-office.conf": "linux.accounts.password_policy",
        "/etc/audit/audit.rules": "linux.logging.auditd",
        "/etc/lvm/backup/vg0": "linux.data.encryption",
    }
    for path, check_id in extra.items():
        runs[path] += [
            (host, live, CHECKS[check_id]) for host in LINUX_HOSTS for live in (True, False)
        ]
    return {path: tuple(found) for path, found in sorted(runs.items())}


def _command_runs() -> dict[str, Runs]:
    runs: dict[str, list[tuple[str, bool, Check]]] = defaultdict(list)
    for reads in READS:
        for argv in reads.commands if reads.live else ():
            runs[argv].append((reads.host, True, reads.check))
    extra = {
        "chronyc -n tracking": "linux.logging.time_sync",
        "firewall-cmd --state": "linux.network.firewall_default_deny",
        "firewall-cmd --list-all": "linux.network.firewall_default_deny",
    }
    for argv, check_id in extra.items():
        runs[argv] += [(host, True, CHECKS[check_id]) for host in LINUX_HOSTS]
    return {argv: tuple(found) for argv, found in sorted(runs.items())}


FILE_RUNS = _file_runs()
COMMAND_RUNS = _command_runs()


def _original_file(path: str) -> str:
    for host in LINUX_HOSTS:
        text = Host(host).access().files.read_text_or_none(path)
        if text is not None:
            return text
    return ""


def _run_all(runs: Runs, host_of: dict[str, Host]) -> None:
    for name, live, check in runs:
        host = replace(host_of[name], live=bool(live))
        assert_sound(run_check(check, host.access()), check)


@pytest.mark.parametrize("path", sorted(FILE_RUNS))
@given(data=st.data())
def test_checks_survive_any_file_content(path: str, data: st.DataObject) -> None:
    text = data.draw(near(_original_file(path)), label=path)
    _run_all(FILE_RUNS[path], {name: Host(name).with_file(path, text) for name in LINUX_HOSTS})


@pytest.mark.parametrize("argv", sorted(COMMAND_RUNS))
@given(data=st.data())
def test_checks_survive_any_command_output(argv: str, data: st.DataObject) -> None:
    recorded = next((recorded_stdout(h, argv) for h in LINUX_HOSTS if recorded_stdout(h, argv)), "")
    stdout = data.draw(near(recorded), label="stdout")
    returncode = data.draw(st.sampled_from([0, 0, 0, 1, 3, 4, 127, -9]), label="returncode")
    stderr = data.draw(st.just("") | host_text, label="stderr")
    hosts = {name: Host(name).with_output(argv, stdout, returncode, stderr) for name in LINUX_HOSTS}
    _run_all(COMMAND_RUNS[argv], hosts)


@given(stdout=near("Critical/Sec.  openssl-3.0.7-27.el9.x86_64\n"), text=near(RHEL))
def test_rhel_pending_updates_and_os_release(stdout: str, text: str) -> None:
    check = CHECKS["linux.updates.pending_security"]
    for os_release in (RHEL, text):
        host = Host("linux-weak").with_file("/etc/os-release", os_release)
        host = host.with_output("dnf -q updateinfo list --security", stdout)
        assert_sound(run_check(check, host.access()), check)


@given(text=near("[commands]\napply_updates = yes\n"))
def test_dnf_automatic_conf(text: str) -> None:
    check = CHECKS["linux.updates.automatic"]
    host = Host("linux-weak").with_file("/etc/os-release", RHEL)
    assert_sound(run_check(check, host.with_file("/etc/dnf/automatic.conf", text).access()), check)


@given(text=near(DEBIAN))
@example(text='ID=debian\nVERSION_ID="²"\n')
def test_os_release_values(text: str) -> None:
    for check_id in ("linux.updates.os_supported", "linux.updates.automatic"):
        check = CHECKS[check_id]
        assert_sound(
            run_check(check, Host("linux-hardened").with_file("/etc/os-release", text).access()),
            check,
        )


@given(garbage=st.lists(host_text, min_size=len(FILE_RUNS), max_size=len(FILE_RUNS)))
def test_the_runner_reports_every_check_on_a_garbage_host(garbage: list[str]) -> None:
    """Every file a check reads holds garbage: the agent still gets one sound result per check."""
    host = Host("linux-weak", files=dict(zip(FILE_RUNS, garbage, strict=True)))
    results = run_policy(load_policy(None), host.access(), platform="linux", now=NOW)
    assert {r.meta.id for r in results} == {
        c.meta.id for c in CHECKS.values() if "linux" in c.meta.platforms
    }
    for result in results:
        assert_sound(result.outcome, CHECKS[result.meta.id])
        assert "did not finish" not in str(result.outcome.reason)
