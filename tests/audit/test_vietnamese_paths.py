"""Vietnamese on the paths the fixture hosts do not take (issue 15): prose evidence sources,
end-of-life wordings, unreadable files and failed queries, parsers' explanations, probes.

Each case renders an outcome as ``posture --details`` and the audit's Markdown show it in
Vietnamese and finds no English word in it outside the values read from the machine.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from netwatch.audit.i18n import evidence_source
from netwatch.audit.model import CheckRecord, EvidenceItem
from netwatch.audit.render_markdown import render_host_markdown
from netwatch.cli.posture_cmd import print_results
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.commands import CommandResult, CommandRunner
from netwatch.i18n import Message, render
from netwatch.posture.checks._filemodes import stat_argv
from netwatch.posture.checks._linux_host import OutputError
from netwatch.posture.checks._windows import UnreadableValue, parse_date
from netwatch.posture.checks.common.backup import BackupParams, backup_recent
from netwatch.posture.checks.linux.accounts import (
    default_umask,
    extra_uid0,
    password_policy,
    sudo_nopasswd,
)
from netwatch.posture.checks.linux.files import CRITICAL_FILES, critical_permissions, world_writable
from netwatch.posture.checks.linux.logging import time_sync
from netwatch.posture.checks.linux.network import firewall_default_deny
from netwatch.posture.checks.linux.ssh import ssh_root_login
from netwatch.posture.checks.linux.updates import (
    _apt_pending,
    _dnf_pending,
    os_supported,
    security_sources,
)
from netwatch.posture.checks.windows.smb import share_grants
from netwatch.posture.context import CheckContext
from netwatch.posture.model import CheckResult, Outcome, Status
from netwatch.posture.registry import all_checks
from netwatch.posture.score import compute_score
from netwatch.posture.serialize import result_record
from tests.audit.test_vietnamese_only import (
    allowed_words,
    english_words,
    visible_markdown,
    without_data,
)
from tests.helpers.audit_reports import fixture_report
from tests.helpers.posture_hosts import POSTURE_FIXTURES
from tests.helpers.recorded import RecordedCommands
from tests.posture.units import install_unit

NOW = 1781924400.0  # 2026-06-20 03:00 UTC
CHECKS = {check.meta.id: check for check in all_checks()}


def host(commands: dict[str, dict[str, object]] | None = None, live: bool = True) -> HostAccess:
    """A host without files, answering ``commands`` as recorded."""
    files = FileReader(POSTURE_FIXTURES / "empty-root")
    return HostAccess(files, RecordedCommands(commands or {}), None, live=live)  # type: ignore[arg-type]


def tree(root: Path, files: dict[str, str], live: bool = False) -> CheckContext:
    """A Linux host made of ``files`` (an offline image, or a live host without commands)."""
    for name, text in files.items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    access = HostAccess(FileReader(root), RecordedCommands({}), None, live=live)  # type: ignore[arg-type]
    return CheckContext(access, "linux", now=NOW)


def checked(check_id: str, outcome: Outcome) -> CheckResult:
    meta = CHECKS[check_id].meta
    return CheckResult(meta, meta.severity, outcome, 0.0)


def message_values(text: str | Message) -> Iterator[str]:
    """A plain text itself; a message's parameters that are values, recursively."""
    if not isinstance(text, Message):
        yield text
        return
    for value in text.params.values():
        yield from message_values(value) if isinstance(value, Message) else [str(value)]


def read_values(outcome: Outcome) -> set[str]:
    """What the outcome read from the machine: the values a reader sees as they were read."""
    data = set(message_values(outcome.reason)) if isinstance(outcome.reason, Message) else set()
    for item in outcome.evidence:
        for text in (item.source, item.observed, item.expected):
            data.update(message_values(text))
    return data


def evidence_texts(outcome: Outcome) -> Iterator[str]:
    """The evidence in Vietnamese, as a passed check's would be shown (``--details`` shows
    the evidence of the others only)."""
    for item in outcome.evidence:
        yield evidence_source(item.source, "vi")
        yield render(item.observed, "vi")
        yield render(item.expected, "vi")


def posture_details(result: CheckResult) -> str:
    out = io.StringIO()
    console = Console(file=out, width=1000, color_system=None, highlight=False, emoji=False)
    print_results(console, [result], compute_score([result]), "vi", details=True)
    return out.getvalue()


def report_markdown(result: CheckResult) -> str:
    """The Vietnamese Markdown report of a fixture host whose only result is ``result``."""
    record = CheckRecord.model_validate(json.loads(json.dumps(result_record(result))))
    report = fixture_report("linux-weak").model_copy(update={"results": [record]})
    return visible_markdown(render_host_markdown(report, "vi"))


def assert_vietnamese(check_id: str, outcome: Outcome, *wanted: str) -> None:
    """``posture --details`` shows the outcome with no English word, and both it and the
    Markdown report (where a finding has its evidence) show each of ``wanted``."""
    result = checked(check_id, outcome)
    details = posture_details(result) + "\n".join(evidence_texts(outcome))
    text = without_data(details, read_values(outcome))
    assert english_words(text, allowed_words()) == [], details
    finding = outcome.status in (Status.failed, Status.error)
    markdown = report_markdown(result) if finding else details
    for words in wanted:
        assert words in details
        assert words in markdown


# --- Evidence sources in prose -----------------------------------------------------------


def test_a_prose_source_is_kept_as_a_message_in_the_json_and_the_report() -> None:
    outcome = firewall_default_deny(CheckContext(host(), "linux"))
    record = result_record(checked("linux.network.firewall_default_deny", outcome))
    source = record["evidence"][0]
    assert source["source"] == "`PATH` lookup: nft, ufw, firewall-cmd, iptables"
    assert source["source_message"]["template"] == "`PATH` lookup: {tools}"
    item = EvidenceItem.model_validate(source)
    assert item.source_message is not None
    assert evidence_source(item.source, "vi", item.source_message).startswith("tra cứu `PATH`")
    assert evidence_source(item.source, "en", item.source_message) == source["source"]


def test_a_report_without_source_messages_still_loads() -> None:
    old = EvidenceItem.model_validate({"source": "policy", "observed": "no backup paths"})
    assert evidence_source(old.source, "vi", old.source_message) == "policy"
    command = EvidenceItem.model_validate({"source": "command: ss -H", "observed": "x"})
    assert evidence_source(command.source, "vi", command.source_message) == "lệnh: ss -H"


def test_no_firewall_tool_reads_in_vietnamese() -> None:
    outcome = firewall_default_deny(CheckContext(host(), "linux"))
    assert outcome.status is Status.failed
    assert_vietnamese("linux.network.firewall_default_deny", outcome, "tra cứu `PATH`")


def test_no_offline_firewall_configuration_reads_in_vietnamese() -> None:
    outcome = firewall_default_deny(CheckContext(host(live=False), "linux"))
    assert outcome.status is Status.failed
    assert_vietnamese("linux.network.firewall_default_deny", outcome, "các tệp cấu hình tường lửa")


def test_no_backup_paths_reads_in_vietnamese() -> None:
    outcome = backup_recent(CheckContext(host(), "linux", BackupParams()))
    assert outcome.status is Status.failed
    assert_vietnamese("common.backup.recent", outcome, "chính sách")


# --- End of support -----------------------------------------------------------------------


def test_an_ended_release_reads_in_vietnamese(tmp_path: Path) -> None:
    release = 'ID=ubuntu\nVERSION_ID="20.04"\nVERSION_CODENAME=focal\n'
    outcome = os_supported(tree(tmp_path, {"/etc/os-release": release}))
    assert outcome.status is Status.failed
    wording = "hết thời hạn bảo trì bảo mật tiêu chuẩn vào ngày 2025-05-31"
    assert_vietnamese("linux.updates.os_supported", outcome, wording)


def test_a_supported_release_reads_in_vietnamese(tmp_path: Path) -> None:
    release = 'ID=rhel\nVERSION_ID="9.4"\n'
    outcome = os_supported(tree(tmp_path, {"/etc/os-release": release}))
    assert outcome.status is Status.passed
    assert_vietnamese("linux.updates.os_supported", outcome, "hỗ trợ bảo trì (Maintenance Support)")


# --- Unreadable files and failed queries ----------------------------------------------------


def test_an_unreadable_passwd_reads_in_vietnamese(tmp_path: Path) -> None:
    context = tree(tmp_path, {"/etc/group": "root:x:0:\n"})
    os.mkfifo(tmp_path / "etc/passwd")  # there, but not a file to read
    outcome = extra_uid0(context)
    assert outcome.status is Status.error
    assert_vietnamese("linux.accounts.extra_uid0", outcome, "không đọc được /etc/passwd")


def test_a_firewall_tool_failing_silently_reads_in_vietnamese() -> None:
    silent = {"returncode": 1, "stdout": "", "stderr": ""}
    recordings = {"nft list ruleset": silent, "iptables -S INPUT": silent}
    outcome = firewall_default_deny(CheckContext(host(recordings), "linux"))
    assert outcome.status is Status.error
    assert_vietnamese(
        "linux.network.firewall_default_deny",
        outcome,
        "nft list ruleset: mã thoát 1; iptables -S INPUT: mã thoát 1",
    )


def test_stat_failing_silently_reads_in_vietnamese() -> None:
    argv = stat_argv(CheckContext(host(), "linux"), [rule.path for rule in CRITICAL_FILES])
    recordings = {" ".join(argv): {"returncode": 2, "stdout": "", "stderr": ""}}
    outcome = critical_permissions(CheckContext(host(recordings), "linux"))
    assert outcome.status is Status.error
    assert_vietnamese("linux.files.critical_permissions", outcome, "`stat` bị lỗi: mã thoát 2")


# --- Parsers' explanations ----------------------------------------------------------------


def test_an_unreadable_sshd_config_reads_in_vietnamese(tmp_path: Path) -> None:
    context = tree(tmp_path, {"/usr/sbin/sshd": ""})
    (tmp_path / "etc/ssh").mkdir(parents=True)
    os.mkfifo(tmp_path / "etc/ssh/sshd_config")
    outcome = ssh_root_login(context)
    assert outcome.status is Status.error
    assert_vietnamese("linux.ssh.root_login", outcome, "không đọc được /etc/ssh/sshd_config")


def test_bad_sshd_options_counted_read_in_vietnamese(tmp_path: Path) -> None:
    config = "PermitRootLogin\nPasswordAuthentication\n"
    context = tree(tmp_path, {"/usr/sbin/sshd": "", "/etc/ssh/sshd_config": config})
    outcome = ssh_root_login(context)
    assert outcome.status is Status.error
    assert_vietnamese("linux.ssh.root_login", outcome, "2 tùy chọn cấu hình sai trong")


def test_a_disabled_unit_reads_in_vietnamese(tmp_path: Path) -> None:
    install_unit(tmp_path, "systemd-timesyncd.service", "sysinit.target", enabled=False)
    outcome = time_sync(tree(tmp_path, {}))
    assert outcome.status is Status.failed
    assert_vietnamese(
        "linux.logging.time_sync", outcome, "có mục `[Install]` nhưng chưa có liên kết bật"
    )


def test_a_masked_unit_reads_in_vietnamese(tmp_path: Path) -> None:
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    os.symlink("/dev/null", tmp_path / "etc/systemd/system/systemd-timesyncd.service")
    outcome = time_sync(tree(tmp_path, {}))
    assert outcome.status is Status.failed
    assert_vietnamese("linux.logging.time_sync", outcome, "tới /dev/null hoặc tệp rỗng")


def test_pam_stacks_libpam_refuses_read_in_vietnamese(tmp_path: Path) -> None:
    files = {
        "/etc/login.defs": "PASS_MAX_DAYS 90\n",
        "/etc/pam.d/common-password": "password required pam_unix.so \\\n",
        "/etc/pam.d/common-auth": "@include common-gone\n",
    }
    outcome = password_policy(tree(tmp_path, files))
    assert outcome.status is Status.failed
    wanted = ("tệp kết thúc giữa một dòng đang được nối tiếp", "`@include` thất bại")
    assert_vietnamese("linux.accounts.password_policy", outcome, *wanted)


def test_an_unset_login_defs_item_reads_in_vietnamese(tmp_path: Path) -> None:
    files = {"/etc/pam.d/common-session": "session optional pam_umask.so\n"}
    outcome = default_umask(tree(tmp_path, files))
    assert_vietnamese("linux.accounts.default_umask", outcome, "`UMASK` chưa được đặt")


def test_a_sudoers_sudo_refuses_reads_in_vietnamese(tmp_path: Path) -> None:
    context = tree(tmp_path, {"/etc/sudoers": "root ALL=(ALL) ALL\n"})
    (tmp_path / "etc/sudoers").chmod(0o666)
    outcome = sudo_nopasswd(context)
    assert outcome.status is Status.error
    assert_vietnamese("linux.accounts.sudo_nopasswd", outcome, "sudo không chạy cho ai cả")


def test_sudoers_lines_sudo_skips_read_in_vietnamese(tmp_path: Path) -> None:
    sudoers = "root ALL=(ALL) ALL\nthis is not sudoers\n@includedir /etc/sudoers.d\n"
    context = tree(tmp_path, {"/etc/sudoers": sudoers, "/etc/sudoers.d/extra": "bob ALL=ALL\n"})
    (tmp_path / "etc/sudoers.d/extra").chmod(0o666)
    outcome = sudo_nopasswd(context)
    wanted = ("lỗi cú pháp, sudo bỏ qua dòng", "ai cũng ghi được: sudo bỏ qua tệp này")
    assert_vietnamese("linux.accounts.sudo_nopasswd", outcome, *wanted)


APT_LISTS = {  # the file, what is in it, and what the reader sees (the report shows two items)
    "/etc/apt/sources.list": ("deb\nfoo http://h/debian bookworm main\n", "không hợp lệ"),
    "/etc/apt/sources.list.d/a.list": ("deb [arch=amd64 http://x y\n", "không được đóng bằng"),
    "/etc/apt/sources.list.d/b.list": ("deb http://h/debian bookworm\n", "thiếu thành phần"),
    "/etc/apt/sources.list.d/c.sources": ("Types: deb\nURIs: http://h/debian\n", "khối khai báo"),
    "/etc/apt/sources.list.d/d.sources": ("Types: rpm\nURIs: u\nSuites: s\n", "loại không hợp lệ"),
}


@pytest.mark.parametrize("path", list(APT_LISTS))
def test_apt_lists_apt_refuses_read_in_vietnamese(tmp_path: Path, path: str) -> None:
    release = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
    text, wanted = APT_LISTS[path]
    outcome = security_sources(tree(tmp_path, {"/etc/os-release": release, path: text}))
    assert outcome.status is Status.failed
    assert_vietnamese("linux.updates.security_sources", outcome, wanted)


def test_unreadable_pending_updates_read_in_vietnamese() -> None:
    for parse, output in ((_apt_pending, "Reading package lists...\n"), (_dnf_pending, "odd\n")):
        try:
            parse(output)
        except OutputError as exc:
            shown = without_data(render(exc.message, "vi"), set(message_values(exc.message)))
            assert english_words(shown, allowed_words()) == [], shown
        else:
            raise AssertionError(f"{parse.__name__} read {output!r}")


class MissingCommands:
    """Commands found on ``PATH`` that then cannot start: the runner's own error."""

    def which(self, program: str) -> str | None:
        return f"/usr/bin/{program}"

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        return CommandRunner().run([f"/nonexistent-netwatch/{argv[0]}", *argv[1:]], timeout)


def test_a_command_that_cannot_start_reads_in_vietnamese() -> None:
    access = HostAccess(FileReader(POSTURE_FIXTURES / "empty-root"), MissingCommands(), None)  # type: ignore[arg-type]
    outcome = world_writable(CheckContext(access, "linux"))
    assert outcome.status is Status.error
    assert_vietnamese("linux.files.world_writable", outcome, "không tìm thấy lệnh")


def test_a_symlink_loop_reads_in_vietnamese(tmp_path: Path) -> None:
    context = tree(tmp_path, {"/usr/sbin/sshd": ""})
    (tmp_path / "etc/ssh").mkdir(parents=True)
    os.symlink("/etc/ssh/sshd_config", tmp_path / "etc/ssh/sshd_config")
    outcome = ssh_root_login(context)
    assert outcome.status is Status.error
    assert_vietnamese("linux.ssh.root_login", outcome, "vòng lặp liên kết tượng trưng")


def test_unreadable_windows_values_read_in_vietnamese() -> None:
    for read, value in (
        (parse_date, "hôm qua"),
        (share_grants, "D:(A;;FA)"),
        (share_grants, "D:(A;;ZZ;;;WD)"),
    ):
        try:
            read(value)
        except UnreadableValue as exc:
            shown = without_data(render(exc.message, "vi"), set(message_values(exc.message)))
            assert english_words(shown, allowed_words()) == [], shown
        else:
            raise AssertionError(f"{read.__name__} read {value!r}")
