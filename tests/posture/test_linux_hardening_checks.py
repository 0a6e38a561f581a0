"""The Linux hardening checks of issue 14: audit rules and auditd disk actions, persistent
logs and their permissions, file integrity tools, kernel sysctls and the USB storage driver."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks.linux import files as linux_files
from netwatch.posture.checks.linux import kernel
from netwatch.posture.checks.linux import logging as linux_logging
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Outcome, Status
from netwatch.posture.parsers.sysctl import load_sysctl, normalize_key
from tests.helpers.posture_hosts import offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands
from tests.posture.units import install_unit

IDS = (
    "linux.logging.audit_rules",
    "linux.logging.auditd_disk_full",
    "linux.logging.persistent_logs",
    "linux.logging.log_permissions",
    "linux.files.integrity_tool",
    "linux.kernel.aslr",
    "linux.kernel.rp_filter",
    "linux.kernel.redirects",
    "linux.kernel.usb_storage",
)
CHECKS = {
    "linux.logging.audit_rules": linux_logging.audit_rules,
    "linux.logging.auditd_disk_full": linux_logging.auditd_disk_full,
    "linux.logging.persistent_logs": linux_logging.persistent_logs,
    "linux.logging.log_permissions": linux_logging.log_permissions,
    "linux.files.integrity_tool": linux_files.integrity_tool,
    "linux.kernel.aslr": kernel.aslr,
    "linux.kernel.rp_filter": kernel.rp_filter,
    "linux.kernel.redirects": kernel.redirects,
    "linux.kernel.usb_storage": kernel.usb_storage,
}


def tree(
    root: Path, files: dict[str, str], commands: dict | None = None, live: bool = False
) -> CheckContext:
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    runner = RecordedCommands(commands or {})
    access = HostAccess(FileReader(root), runner, None, live=live)  # type: ignore[arg-type]
    return CheckContext(access, "linux")


def observed(outcome: Outcome) -> str:
    return " | ".join(f"{e.source}: {str(e.observed)}" for e in outcome.evidence)


@pytest.mark.parametrize("check_id", IDS)
def test_fixture_hosts(check_id: str) -> None:
    run = CHECKS[check_id]
    good = run(CheckContext(recorded_host("linux-hardened"), "linux"))
    bad = run(CheckContext(recorded_host("linux-weak"), "linux"))
    assert good.status is Status.passed, (str(good.reason), observed(good))
    assert bad.status is Status.failed, (str(bad.reason), observed(bad))
    assert bad.evidence and all(e.source and str(e.observed) for e in bad.evidence)


@pytest.mark.parametrize(
    "check_id",
    [i for i in IDS if i not in ("linux.logging.log_permissions",)],
)
def test_offline_images_judge_their_files(check_id: str) -> None:
    run = CHECKS[check_id]
    assert run(CheckContext(offline_image("linux-hardened"), "linux")).status is Status.passed
    assert run(CheckContext(offline_image("linux-weak"), "linux")).status is Status.failed


# --- audit rules -----------------------------------------------------------------------

FULL_RULES = """-w /etc/passwd -p wa -k identity
-w /etc/shadow -p wa
-w /etc/group -p wa
-w /etc/gshadow -p wa
-w /etc/ -p r
-w /etc/sudoers -p wa
-w /var/log/ -p wa -k logs
-a exit,always -S adjtimex -S settimeofday,clock_settime
-a always,exit -F path=/usr/bin/sudo -F perm=x
-A always,exit -F arch=b32 -S init_module,finit_module,delete_module
"""


def test_audit_rules_from_rules_d_in_ls_v_order(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {
        "/etc/audit/rules.d/10-base.rules": FULL_RULES,
        "/etc/audit/rules.d/9-first.rules": "-e 1\n",
        "/etc/audit/rules.d/99-last.rules": "  # comment\n-e 2\n",
        "/etc/audit/audit.rules": "",  # stale: augenrules rewrites it from rules.d
    })  # fmt: skip
    outcome = linux_logging.audit_rules(ctx)
    assert outcome.status is Status.passed, observed(outcome)
    assert "-e 2: rules locked" in observed(outcome)
    names = ["10-a.rules", "9-b.rules", "audit.rules", "a10.rules", "a9.rules", "_x.rules"]
    ordered = sorted(names, key=functools.cmp_to_key(linux_logging._filevercmp))
    assert ordered == [
        "9-b.rules",
        "10-a.rules",
        "a9.rules",
        "a10.rules",
        "audit.rules",
        "_x.rules",
    ]


def test_audit_rules_name_what_is_missing(tmp_path: Path) -> None:
    rules = "-w /etc/passwd -p r\n-a never,exit -S adjtimex\n-w /usr/bin/sudo -p wa\n"
    outcome = linux_logging.audit_rules(tree(tmp_path, {"/etc/audit/audit.rules": rules}))
    assert outcome.status is Status.failed
    text = observed(outcome)
    assert "-w /etc/passwd -p wa" in text and "-S adjtimex" in text
    assert "-w /usr/bin/sudo -p x" in text  # a write watch does not record executions
    assert "-e not set" in text


def test_audit_rules_live_use_the_kernel_rules_not_the_files(tmp_path: Path) -> None:
    commands = {
        "auditctl -l": {"returncode": 0, "stdout": "No rules\n", "stderr": ""},
        "auditctl -s": {"returncode": 0, "stdout": "enabled 1\nfailure 1\n", "stderr": ""},
    }
    ctx = tree(tmp_path, {"/etc/audit/rules.d/50.rules": FULL_RULES}, commands, live=True)
    outcome = linux_logging.audit_rules(ctx)
    assert outcome.status is Status.failed
    assert "command: auditctl -l" in observed(outcome)


def test_audit_rules_live_fall_back_to_files_when_auditctl_refuses(tmp_path: Path) -> None:
    commands = {"auditctl -l": {"returncode": 1, "stdout": "", "stderr": "You must be root"}}
    ctx = tree(tmp_path, {"/etc/audit/rules.d/50.rules": FULL_RULES}, commands, live=True)
    assert linux_logging.audit_rules(ctx).status is Status.passed


def test_audit_rules_parameter_narrows_the_requirements(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"/etc/audit/audit.rules": "-w /etc/passwd -p wa\n"})
    params = linux_logging.AuditRulesParams(
        required=[{"name": "passwd", "watches": ["/etc/passwd"]}]
    )
    ctx = CheckContext(ctx.access, "linux", params)
    assert linux_logging.audit_rules(ctx).status is Status.passed


# --- auditd.conf ------------------------------------------------------------------------

GOOD_CONF = (
    "space_left_action = email\nadmin_space_left_action = single\n"
    "disk_full_action = HALT\ndisk_error_action = syslog\n"
)


@pytest.mark.parametrize(
    ("text", "status", "fragment"),
    [
        (GOOD_CONF, Status.passed, "disk_full_action = HALT"),
        (GOOD_CONF + "DISK_FULL_ACTION = suspend\n", Status.failed, "disk_full_action = SUSPEND"),
        ("", Status.failed, "not set (auditd default)"),
        (GOOD_CONF + "disk_full_action=halt\n", Status.failed, "auditd stops reading here"),
        (GOOD_CONF + "disk_full_action\t=\thalt\n", Status.failed, "auditd stops reading here"),
        (GOOD_CONF + "disk_full_action = email\n", Status.failed, "auditd refuses"),
        (GOOD_CONF + "disk_error_action = exec\n", Status.failed, "`exec` without a program"),
        (GOOD_CONF + "# disk_full_action = ignore\n", Status.passed, "HALT"),
        (GOOD_CONF + "disk_full_action = ignore" + " " * 150 + "\n", Status.passed, "HALT"),
    ],
)
def test_auditd_conf_as_auditd_reads_it(
    tmp_path: Path, text: str, status: Status, fragment: str
) -> None:
    ctx = tree(tmp_path, {"/etc/audit/auditd.conf": text, "/usr/sbin/auditd": ""})
    outcome = linux_logging.auditd_disk_full(ctx)
    assert outcome.status is status, observed(outcome)
    assert fragment in observed(outcome)


def test_auditd_disk_full_not_applicable_without_auditd(tmp_path: Path) -> None:
    outcome = linux_logging.auditd_disk_full(tree(tmp_path, {"/etc/hostname": "pc\n"}))
    assert outcome.status is Status.not_applicable


# --- persistent logs ----------------------------------------------------------------------


def test_journald_drop_ins_last_assignment_wins(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {
        "/etc/systemd/journald.conf": "[Journal]\nStorage=persistent\n",
        "/usr/lib/systemd/journald.conf.d/10-vendor.conf": "[Journal]\nStorage=volatile\n",
        "/etc/systemd/journald.conf.d/20-bad.conf": "[Journal]\nStorage=disk\n",
        "/etc/systemd/journald.conf.d/05-other.conf": "[Upload]\nStorage=persistent\n",
    })  # fmt: skip
    outcome = linux_logging.persistent_logs(ctx)
    assert outcome.status is Status.failed
    assert "10-vendor.conf:2" in observed(outcome)  # an unknown value is ignored


def test_journald_auto_with_the_journal_directory(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"/var/log/journal/abc/system.journal": ""})
    assert linux_logging.persistent_logs(ctx).status is Status.passed


def test_rsyslog_installed_and_enabled(tmp_path: Path) -> None:
    status = "Package: rsyslog\nStatus: install ok installed\nVersion: 8.2302.0-1\n"
    link = install_unit(tmp_path, "rsyslog.service")
    ctx = tree(tmp_path, {
        "/var/lib/dpkg/status": status,
        "/etc/systemd/journald.conf.d/1.conf": "[Journal]\nStorage=volatile\n",
    })  # fmt: skip
    outcome = linux_logging.persistent_logs(ctx)
    assert outcome.status is Status.passed
    assert observed(outcome) == (f"{link}: rsyslog installed (rsyslog) and rsyslog.service enabled")


def test_rsyslog_installed_but_disabled_fails(tmp_path: Path) -> None:
    status = "Package: rsyslog\nStatus: install ok installed\nVersion: 8.2302.0-1\n"
    unit = install_unit(tmp_path, "rsyslog.service", enabled=False)
    ctx = tree(tmp_path, {
        "/var/lib/dpkg/status": status,
        "/etc/systemd/journald.conf.d/1.conf": "[Journal]\nStorage=volatile\n",
    })  # fmt: skip
    outcome = linux_logging.persistent_logs(ctx)
    assert outcome.status is Status.failed
    assert (
        f"{unit}:7: rsyslog: package installed, rsyslog.service disabled: `[Install]` but no link"
        in observed(outcome)
    )


# --- log permissions (real find and stat over a tree) --------------------------------------


def test_log_permissions_offline_tree(tmp_path: Path) -> None:
    files = {
        "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
        "/etc/group": "root:x:0:\nadm:x:4:\nutmp:x:43:\n",
        "/var/log/syslog": "", "/var/log/wtmp": "", "/var/log/btmp": "",
        "/var/log/a/b/c/d/deep.log": "",
    }  # fmt: skip
    tree(tmp_path, files)
    ctx = CheckContext(HostAccess.for_root(tmp_path), "linux")  # the real find and stat
    modes = {"syslog": 0o640, "wtmp": 0o664, "btmp": 0o640, "a/b/c/d/deep.log": 0o666}
    for name, mode in modes.items():
        os.chmod(tmp_path / "var/log" / name, mode)
        os.chown(tmp_path / "var/log" / name, 0, 0)
    assert linux_logging.log_permissions(ctx).status is Status.passed  # deep.log is below depth 3
    os.chmod(tmp_path / "var/log/btmp", 0o664)
    outcome = linux_logging.log_permissions(ctx)
    assert outcome.status is Status.failed
    assert "/var/log/btmp: mode 0664" in observed(outcome)
    assert "/var/log/wtmp" not in observed(outcome)
    params = linux_logging.LogPermissionsParams(max_depth=5, max_files=1)
    limited = linux_logging.log_permissions(CheckContext(ctx.access, "linux", params))
    assert "more not checked (`max_files`)" in observed(limited)


# --- integrity tool ------------------------------------------------------------------------

AIDE_DPKG = "Package: aide\nStatus: install ok installed\nVersion: 0.18.3-1\n"


@pytest.mark.parametrize(
    ("files", "status", "fragment"),
    [
        ({"/var/lib/aide/aide.db": "x", "/etc/cron.daily/aide": "x"}, Status.passed, "runs"),
        ({"/var/lib/aide/aide.db.new": "x", "/etc/cron.daily/aide": "x"}, Status.failed,
         "never moved into place"),
        ({"/var/lib/aide/aide.db.gz": "x"}, Status.failed, "no cron job or enabled timer"),
    ],
)  # fmt: skip
def test_aide_needs_database_and_schedule(
    tmp_path: Path, files: dict[str, str], status: Status, fragment: str
) -> None:
    ctx = tree(tmp_path, {"/var/lib/dpkg/status": AIDE_DPKG, **files})
    outcome = linux_files.integrity_tool(ctx)
    assert outcome.status is status, observed(outcome)
    assert fragment in observed(outcome)


# --- sysctl --------------------------------------------------------------------------------


def test_sysctl_precedence_globs_and_exclusions(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {
        "/usr/lib/sysctl.d/50-default.conf": (
            "net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n"
            "-net.ipv4.conf.all.rp_filter\n"
        ),
        "/usr/lib/sysctl.d/60-masked.conf": "kernel.randomize_va_space = 0\n",
        "/etc/sysctl.d/60-masked.conf": "",
        "/etc/sysctl.d/70-local.conf": "net/ipv4/conf/default/accept_redirects=0\n; c\n-kernel.x = 1\n",
        "/etc/sysctl.d/.hidden.conf": "kernel.randomize_va_space = 0\n",
        "/etc/sysctl.conf": "kernel.randomize_va_space = 0\n",  # not read without 99-sysctl.conf
    })  # fmt: skip
    config = load_sysctl(ctx.access.files)
    assert config.effective("net.ipv4.conf.all.rp_filter") is None  # excluded from the glob
    assert config.effective("net.ipv4.conf.default.rp_filter").value == "2"  # type: ignore[union-attr]
    assert config.effective("net.ipv4.conf.lo.rp_filter").value == "2"  # type: ignore[union-attr]
    assert config.effective("net.ipv4.conf.default.accept_redirects").value == "0"  # type: ignore[union-attr]
    assert config.effective("kernel.x").value == "1"  # type: ignore[union-attr]
    assert config.effective("kernel.randomize_va_space") is None
    assert normalize_key("net.ipv4.conf.eth0/100.rp_filter") == "net/ipv4/conf/eth0.100/rp_filter"
    assert normalize_key("/net//ipv4/./conf/all/") == "net/ipv4/conf/all"
    outcome = kernel.rp_filter(ctx)
    assert outcome.status is Status.failed and "kernel default 0" in observed(outcome)
    assert kernel.aslr(ctx).status is Status.passed  # the kernel's default: 2


def test_sysctl_not_a_number_keeps_the_default(tmp_path: Path) -> None:
    ctx = tree(tmp_path, {"/etc/sysctl.d/10.conf": "kernel.randomize_va_space = full\n"})
    outcome = kernel.aslr(ctx)
    assert outcome.status is Status.passed
    assert "the kernel refuses it" in observed(outcome)


def test_rp_filter_loose_mode_is_a_parameter(tmp_path: Path) -> None:
    files = {f"/proc/sys/net/ipv4/conf/{s}/rp_filter": "2\n" for s in ("all", "default")}
    ctx = tree(tmp_path, files, live=True)
    assert kernel.rp_filter(ctx).status is Status.passed
    strict = CheckContext(ctx.access, "linux", kernel.RpFilterParams(allow_loose=False))
    assert kernel.rp_filter(strict).status is Status.failed


def test_redirects_skip_ipv6_when_it_is_off(tmp_path: Path) -> None:
    files = {
        f"/proc/sys/net/ipv4/conf/{s}/{k}": "0\n"
        for s in ("all", "default")
        for k in ("accept_redirects", "secure_redirects", "send_redirects")
    }
    outcome = kernel.redirects(tree(tmp_path, files, live=True))
    assert outcome.status is Status.passed
    assert "IPv6 off" in observed(outcome)


def test_live_sysctl_missing_is_an_error(tmp_path: Path) -> None:
    outcome = kernel.aslr(tree(tmp_path, {"/etc/hostname": "x\n"}, live=True))
    assert outcome.status is Status.error


# --- usb-storage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "status", "fragment"),
    [
        ({"/etc/modprobe.d/usb.conf": "install usb_storage /bin/true\n"}, Status.passed, "install"),
        ({"/lib/modprobe.d/usb.conf": "install usb-storage /bin/false\n",
          "/etc/modprobe.d/usb.conf": "# emptied by an admin\n"}, Status.failed, "no `install`"),
        ({"/etc/modprobe.d/a.conf": "install usb* /sbin/modprobe --ignore-install $CMDLINE_OPTS\n",
          "/etc/modprobe.d/b.conf": "install usb-storage /bin/false\n"}, Status.failed,
         "does not refuse"),
        ({"/etc/modprobe.d/usb.conf": "blacklist usb-storage\n"}, Status.failed, "device alias"),
        ({"/etc/modprobe.d/usb.conf": "install usb-storage \\\n  /bin/false\n"}, Status.passed, ":1"),
        ({"/etc/modprobe.d/usb.conf.disabled": "install usb-storage /bin/false\n"}, Status.failed,
         "no `install`"),
    ],
)  # fmt: skip
def test_usb_storage_as_modprobe_reads_it(
    tmp_path: Path, files: dict[str, str], status: Status, fragment: str
) -> None:
    outcome = kernel.usb_storage(tree(tmp_path, files))
    assert outcome.status is status, observed(outcome)
    assert fragment in observed(outcome)


def test_usb_storage_loaded_now_fails_live(tmp_path: Path) -> None:
    files = {
        "/etc/modprobe.d/usb.conf": "install usb-storage /bin/false\n",
        "/proc/modules": "usb_storage 81920 0 - Live 0x0000000000000000\n",
    }
    outcome = kernel.usb_storage(tree(tmp_path, files, live=True))
    assert outcome.status is Status.failed
    assert "loaded now" in observed(outcome)


def test_a_symlink_loop_in_an_image_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "etc/modprobe.d").mkdir(parents=True)
    os.symlink("loop.conf", tmp_path / "etc/modprobe.d/loop.conf")
    ctx = CheckContext(HostAccess.for_root(tmp_path), "linux")
    assert kernel.usb_storage(ctx).status is Status.error
