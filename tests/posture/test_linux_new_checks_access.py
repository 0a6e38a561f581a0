"""Linux access checks of issue 14: SSH limits (MaxAuthTries, idle timeout, AllowUsers/
AllowGroups, X11 forwarding, banner), PAM nullok, the APT security suite, the default
umask, home directory and cron permissions."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks.linux.accounts import DefaultUmaskParams, default_umask, pam_nullok
from netwatch.posture.checks.linux.files import cron_permissions, home_permissions
from netwatch.posture.checks.linux.ssh import (
    IdleTimeoutParams,
    MaxAuthTriesParams,
    ssh_access_restricted,
    ssh_banner,
    ssh_idle_timeout,
    ssh_max_auth_tries,
    ssh_x11_forwarding,
)
from netwatch.posture.checks.linux.updates import security_sources
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Outcome, Status
from netwatch.posture.parsers.sshd import Connection, load_sshd_config
from tests.helpers.posture_hosts import offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands

SSH_CHECKS = (
    ssh_max_auth_tries,
    ssh_idle_timeout,
    ssh_access_restricted,
    ssh_x11_forwarding,
    ssh_banner,
)
HARDENING = "/etc/ssh/sshd_config.d/10-hardening.conf"


def on(host: str) -> CheckContext:
    return CheckContext(recorded_host(host), "linux")


def tree(
    root: Path, files: dict[str, str], commands: dict[str, object] | None = None
) -> HostAccess:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return HostAccess(FileReader(root), RecordedCommands(commands or {}), None, live=True)  # type: ignore[arg-type]


def sshd(root: Path, text: str, **extra: str) -> CheckContext:
    files = {"usr/sbin/sshd": "", "etc/ssh/sshd_config": text, **extra}
    return CheckContext(tree(root, files), "linux")


def observed(outcome: Outcome) -> list[str]:
    return [str(e.observed) for e in outcome.evidence]


# SSH: fixture hosts


@pytest.mark.parametrize("check", SSH_CHECKS, ids=lambda c: c.__name__)
def test_hardened_host_passes_and_weak_host_fails(check: object) -> None:
    good = check(on("linux-hardened"))  # type: ignore[operator]
    bad = check(on("linux-weak"))  # type: ignore[operator]
    assert good.status is Status.passed, good
    assert bad.status is Status.failed, bad
    assert bad.evidence and all(
        e.source and str(e.observed) and str(e.expected) for e in bad.evidence
    )


def test_weak_host_ssh_evidence_names_lines_and_defaults() -> None:
    assert observed(ssh_max_auth_tries(on("linux-weak"))) == [
        "MaxAuthTries not set: the OpenSSH default is 6"
    ]
    banner = ssh_banner(on("linux-weak"))
    assert banner.evidence[0].source == "/etc/ssh/sshd_config.d/60-baseline.conf:6"
    assert "0 bytes" in str(banner.evidence[0].observed)
    x11 = ssh_x11_forwarding(on("linux-weak"))
    assert x11.evidence[0].source == "/etc/ssh/sshd_config:51"
    hardened = ssh_access_restricted(on("linux-hardened"))
    assert [(e.source, str(e.observed)) for e in hardened.evidence] == [
        (f"{HARDENING}:11", "AllowGroups sshusers scanners")
    ]


@pytest.mark.parametrize("check", SSH_CHECKS, ids=lambda c: c.__name__)
def test_ssh_checks_on_offline_images(check: object) -> None:
    good = check(CheckContext(offline_image("linux-hardened"), "linux"))  # type: ignore[operator]
    bad = check(CheckContext(offline_image("linux-weak"), "linux"))  # type: ignore[operator]
    assert (good.status, bad.status) == (Status.passed, Status.failed)


@pytest.mark.parametrize("check", SSH_CHECKS, ids=lambda c: c.__name__)
def test_ssh_checks_without_sshd_or_with_a_refused_config(check: object, tmp_path: Path) -> None:
    empty = CheckContext(tree(tmp_path / "none", {"etc/hostname": "pc\n"}), "linux")
    assert check(empty).status is Status.not_applicable  # type: ignore[operator]
    refused = sshd(tmp_path / "bad", "MaxAuthTries 4x\n")
    outcome = check(refused)  # type: ignore[operator]
    assert outcome.status is Status.error
    assert "integer value invalid" in str(outcome.reason)


# SSH: MaxAuthTries


def test_max_auth_tries_worst_case_over_match_blocks(tmp_path: Path) -> None:
    ctx = sshd(
        tmp_path, "MaxAuthTries 3\nMaxAuthTries 2\nMatch Address 10.0.0.0/8\n MaxAuthTries 10\n"
    )
    outcome = ssh_max_auth_tries(ctx)
    assert outcome.status is Status.failed
    assert observed(outcome)[0] == (
        "MaxAuthTries 10 (only for connections matching 'Match Address 10.0.0.0/8')"
    )
    assert any("ignored" in text for text in observed(outcome))


def test_max_auth_tries_parameter_and_strtonum(tmp_path: Path) -> None:
    ctx = sshd(tmp_path, "MaxAuthTries +06\n")
    assert ssh_max_auth_tries(ctx).status is Status.failed
    ctx = dataclasses.replace(ctx, params=MaxAuthTriesParams(max_tries=6))
    assert ssh_max_auth_tries(ctx).status is Status.passed


# SSH: idle timeout


@pytest.mark.parametrize(
    ("lines", "status", "words"),
    [
        ("ClientAliveInterval 5m\nClientAliveCountMax 3\n", Status.passed, ""),
        ("ClientAliveInterval 10m\n", Status.failed, "600 s x 3 = 1800 s"),
        ("ClientAliveInterval 300\nClientAliveCountMax 0\n", Status.failed, "never closes"),
        ("ClientAliveCountMax 1\n", Status.failed, "never checks"),
        (
            "ClientAliveInterval 300\nClientAliveCountMax 2\nMatch User backup\n ClientAliveInterval 0\n",
            Status.failed,
            "never checks",
        ),
    ],
)
def test_idle_timeout(tmp_path: Path, lines: str, status: Status, words: str) -> None:
    outcome = ssh_idle_timeout(sshd(tmp_path, lines))
    assert outcome.status is status
    assert words in " ".join(observed(outcome))


def test_idle_timeout_parameter(tmp_path: Path) -> None:
    ctx = sshd(tmp_path, "ClientAliveInterval 600\nClientAliveCountMax 3\n")
    assert ssh_idle_timeout(ctx).status is Status.failed
    ctx = dataclasses.replace(ctx, params=IdleTimeoutParams(max_seconds=1800))
    assert ssh_idle_timeout(ctx).status is Status.passed


# SSH: AllowUsers / AllowGroups


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ("AllowUsers tuan.nguyen lan.tran@10.0.0.0/8\n", Status.passed),
        ("AllowGroups sshusers\n", Status.passed),
        ("DenyUsers root guest\nDenyGroups nogroup\n", Status.failed),
        ("AllowUsers *\n", Status.failed),
        ("AllowUsers *@10.0.0.0/8\n", Status.failed),
        ("AllowUsers *\nAllowGroups sshusers\n", Status.passed),
        ("Match Address 10.0.0.0/8\n AllowUsers alice\n", Status.failed),
        ("Match all\n AllowUsers alice\n", Status.passed),
        ("AllowUsers alice\nMatch Address 10.0.0.0/8\n AllowUsers *\n", Status.failed),
        ("AllowUsers alice\nMatch Address 10.0.0.0/8\n AllowUsers bob\n", Status.passed),
    ],
)
def test_access_restricted(tmp_path: Path, lines: str, status: Status) -> None:
    assert ssh_access_restricted(sshd(tmp_path, lines)).status is status


def test_deny_list_alone_is_explained(tmp_path: Path) -> None:
    outcome = ssh_access_restricted(sshd(tmp_path, "DenyUsers root guest\n"))
    assert outcome.status is Status.failed
    assert any("does not limit logins to known accounts" in text for text in observed(outcome))


def test_parser_lists_follow_sshd(tmp_path: Path) -> None:
    """The semantics the differential corpus (allowusers-*) checks against sshd -T."""
    text = "AllowUsers alice\nAllowUsers backup\nMatch User root\n AllowUsers erin\nMatch all\n AllowUsers dave\n"
    tree(tmp_path, {"etc/ssh/sshd_config": text})
    config = load_sshd_config(FileReader(tmp_path))
    assert config is not None
    root = Connection("root", "h", "10.0.0.1", "10.0.0.2", 22, groups=("root",))
    bob = Connection("bob", "h", "10.0.0.1", "10.0.0.2", 22, groups=("bob",))
    assert config.listed("allowusers", root).value == ("erin", "dave")
    assert config.listed("allowusers", bob).value == ("dave",)
    assert config.least_listed("allowusers", Connection()).value == ("dave",)
    assert config.listed("denyusers", bob).value == ()


# SSH: X11 forwarding and banner


def test_x11_forwarding_in_a_match_block_and_disable_forwarding(tmp_path: Path) -> None:
    match = sshd(tmp_path / "a", "X11Forwarding no\nMatch Group admins\n X11Forwarding yes\n")
    assert ssh_x11_forwarding(match).status is Status.failed
    overridden = sshd(tmp_path / "b", "DisableForwarding yes\nX11Forwarding yes\n")
    outcome = ssh_x11_forwarding(overridden)
    assert outcome.status is Status.passed
    assert "overridden" in str(outcome.evidence[0].observed)


@pytest.mark.parametrize(
    ("banner", "files", "status", "words"),
    [
        (
            "Banner /etc/issue.net\n",
            {"etc/issue.net": "Chỉ người được cấp quyền.\n"},
            Status.passed,
            "holds a notice",
        ),
        ("Banner /etc/issue.net\n", {}, Status.failed, "does not exist"),
        ("Banner /etc/issue.net\n", {"etc/issue.net": " \n\n"}, Status.failed, "blank"),
        (
            "Banner /etc/issue.net\n",
            {"etc/issue.net/x": "dir"},
            Status.failed,
            "not a regular file",
        ),
        ("Banner none\n", {}, Status.failed, "no notice"),
        ("", {}, Status.failed, "default is none"),
        ("Banner etc/issue.net\n", {"etc/issue.net": "Notice\n"}, Status.passed, "holds a notice"),
        ("Banner ~/notice\n", {"root/notice": "Notice\n"}, Status.passed, "holds a notice"),
        (
            "Banner /etc/issue.net\nMatch Address 10.0.0.0/8\n Banner none\n",
            {"etc/issue.net": "N\n"},
            Status.failed,
            "no notice",
        ),
    ],
)
def test_banner(
    tmp_path: Path, banner: str, files: dict[str, str], status: Status, words: str
) -> None:
    outcome = ssh_banner(sshd(tmp_path, banner, **files))
    assert outcome.status is status
    assert words in " ".join(observed(outcome))


def test_banner_over_one_mebibyte(tmp_path: Path) -> None:
    ctx = sshd(tmp_path, "Banner /etc/issue.net\n", **{"etc/issue.net": "x" * (1024 * 1024 + 1)})
    outcome = ssh_banner(ctx)
    assert outcome.status is Status.failed
    assert "over 1 MiB" in str(outcome.evidence[0].observed)


def test_banner_symlink_out_of_the_image_stays_inside(tmp_path: Path) -> None:
    outside = tmp_path / "host-issue"
    outside.write_text("the auditor's own notice\n")
    root = tmp_path / "image"
    ctx = sshd(root, "Banner /etc/issue.net\n")
    (root / "etc/issue.net").symlink_to(outside)
    image = CheckContext(HostAccess.for_root(root), "linux")
    outcome = ssh_banner(image)
    assert outcome.status is Status.failed, "an absolute link names a file of the image"
    assert ctx is not None


# PAM nullok


def test_pam_nullok_on_the_fixture_hosts() -> None:
    assert pam_nullok(on("linux-hardened")).status is Status.passed
    weak = pam_nullok(on("linux-weak"))
    assert weak.status is Status.failed
    assert [(e.source, str(e.observed)) for e in weak.evidence] == [
        ("/etc/pam.d/common-auth:9", "auth [success=1 default=ignore] pam_unix.so nullok")
    ]


COMMON_AUTH = "auth [success=1 default=ignore] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_permit.so\n"


@pytest.mark.parametrize(
    ("files", "status", "source"),
    [
        (
            {"etc/pam.d/common-auth": COMMON_AUTH, "etc/pam.d/sshd": "@include common-auth\n"},
            Status.passed,
            "",
        ),
        (
            {
                "etc/pam.d/common-auth": COMMON_AUTH,
                "etc/pam.d/su": "auth sufficient pam_unix.so nullok_secure nullok\n@include common-auth\n",
            },
            Status.failed,
            "/etc/pam.d/su:1",
        ),
        (
            {
                "etc/pam.d/login": "auth substack system-login\n",
                "etc/pam.d/system-login": "auth required pam_unix.so try_first_pass nullok\n",
            },
            Status.failed,
            "/etc/pam.d/system-login:1",
        ),
        # pam_unix takes nullok_secure as nullok (a prefix match; libpam agrees, corpus/pam/48)
        (
            {"etc/pam.d/common-auth": "auth required pam_unix.so nullok_secure\n"},
            Status.failed,
            "/etc/pam.d/common-auth:1",
        ),
        (
            {
                "etc/pam.d/common-auth": "# auth required pam_unix.so nullok\nauth required pam_unix.so\n"
            },
            Status.passed,
            "",
        ),
        ({"etc/hostname": "pc\n"}, Status.not_applicable, ""),
    ],
)
def test_pam_nullok_reads_stacks_as_libpam(
    tmp_path: Path, files: dict[str, str], status: Status, source: str
) -> None:
    outcome = pam_nullok(CheckContext(tree(tmp_path, files), "linux"))
    assert outcome.status is status, outcome
    if source:
        assert outcome.evidence[0].source == source


# default umask


def test_default_umask_on_the_fixture_hosts() -> None:
    good = default_umask(on("linux-hardened"))
    assert good.status is Status.passed
    assert "pam_umask" in str(good.evidence[0].observed)
    bad = default_umask(on("linux-weak"))
    assert bad.status is Status.failed
    assert "logins keep 022" in str(bad.evidence[0].observed)


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ({"etc/profile.d/umask.sh": "umask 027\n"}, Status.passed),
        ({"etc/profile.d/umask.sh": "umask 077\n"}, Status.passed),
        (
            {"etc/profile": "if [ $UID -gt 199 ]; then umask 002; else umask 022; fi\n"},
            Status.failed,
        ),
        (
            {"etc/profile.d/umask.sh": "umask 027\n", "etc/bash.bashrc": "  umask 022  # legacy\n"},
            Status.failed,
        ),
        (
            {"etc/profile.d/umask.txt": "umask 000\n", "etc/profile.d/a.sh": "umask 0027\n"},
            Status.passed,
        ),
        ({"etc/login.defs": "UMASK 027\n"}, Status.failed),
        (
            {
                "etc/login.defs": "UMASK 027\n",
                "etc/pam.d/common-session": "session optional pam_umask.so\n",
            },
            Status.passed,
        ),
        (
            {
                "etc/login.defs": "UMASK 022\n",
                "etc/pam.d/common-session": "session optional pam_umask.so umask=0077\n",
            },
            Status.passed,
        ),
        (
            {
                "etc/login.defs": "UMASK 022\n",
                "etc/pam.d/common-session": "session optional pam_umask.so\n",
            },
            Status.failed,
        ),
    ],
)
def test_default_umask_sources(tmp_path: Path, files: dict[str, str], status: Status) -> None:
    assert default_umask(CheckContext(tree(tmp_path, files), "linux")).status is status


def test_default_umask_parameter(tmp_path: Path) -> None:
    ctx = CheckContext(tree(tmp_path, {"etc/profile.d/umask.sh": "umask 027\n"}), "linux")
    strict = dataclasses.replace(ctx, params=DefaultUmaskParams(umask="077"))
    assert default_umask(strict).status is Status.failed


# home directories and cron


@pytest.mark.parametrize("check", [home_permissions, cron_permissions], ids=lambda c: c.__name__)
def test_file_checks_on_the_fixture_hosts(check: object) -> None:
    assert check(on("linux-hardened")).status is Status.passed  # type: ignore[operator]
    bad = check(on("linux-weak"))  # type: ignore[operator]
    assert bad.status is Status.failed
    assert all(e.source.startswith("/") and str(e.observed) for e in bad.evidence)


def test_weak_home_evidence() -> None:
    bad = {e.source: str(e.observed) for e in home_permissions(on("linux-weak")).evidence}
    assert bad["/etc/login.defs:22"] == "`useradd` creates homes with mode 0755"
    assert bad["/home/hung.le"].endswith("(not owned by hung.le)")
    assert "/home/guest" in bad and "/root" not in bad, "toor (uid 0) is not a login user here"


def image(root: Path, files: dict[str, str]) -> CheckContext:
    tree(root, files)
    return CheckContext(HostAccess.for_root(root), "linux")


PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "svc:x:1500:1500::/srv/svc:/usr/sbin/nologin\n"
    "an.pham:x:1000:1000::/home/an.pham:/bin/bash\n"
    "old:x:1001:1001::/home/old:/bin/bash\n"
)


def test_home_permissions_on_an_offline_image(tmp_path: Path) -> None:
    root = tmp_path / "img"
    ctx = image(root, {"etc/passwd": PASSWD, "etc/login.defs": "UMASK 027\n"})
    (root / "home/an.pham").mkdir(parents=True)
    os.chown(root / "home/an.pham", 1000, 1000)
    os.chmod(root / "home/an.pham", 0o750)
    outcome = home_permissions(ctx)
    assert outcome.status is Status.passed, outcome
    assert [e.source for e in outcome.evidence] == ["/etc/login.defs:1", "/home/an.pham"]
    os.chmod(root / "home/an.pham", 0o755)
    assert home_permissions(ctx).status is Status.failed
    os.chmod(root / "home/an.pham", 0o700)
    os.chown(root / "home/an.pham", 0, 0)
    assert home_permissions(ctx).status is Status.failed


@pytest.mark.parametrize(
    ("defs", "status"),
    [
        ("HOME_MODE 0700\nUMASK 022\n", Status.passed),
        ("UMASK 022\n", Status.failed),
        ("", Status.failed),
    ],
)
def test_new_home_mode_follows_useradd(tmp_path: Path, defs: str, status: Status) -> None:
    ctx = image(tmp_path, {"etc/passwd": "root:x:0:0::/root:/bin/bash\n", "etc/login.defs": defs})
    assert home_permissions(ctx).status is status


def test_cron_permissions_on_an_offline_image(tmp_path: Path) -> None:
    root = tmp_path / "img"
    ctx = image(root, {"etc/crontab": "# m h dom mon dow user command\n", "etc/cron.d/x": ""})
    os.chmod(root / "etc/crontab", 0o600)
    os.chmod(root / "etc/cron.d", 0o755)
    assert cron_permissions(ctx).status is Status.passed
    (root / "etc/cron.allow").write_text("root\n")
    os.chmod(root / "etc/cron.allow", 0o666)
    outcome = cron_permissions(ctx)
    assert outcome.status is Status.failed
    assert [e.source for e in outcome.evidence] == ["/etc/cron.allow"]


def test_no_cron_is_not_applicable(tmp_path: Path) -> None:
    ctx = image(tmp_path, {"etc/hostname": "pc\n"})
    assert cron_permissions(ctx).status is Status.not_applicable


# APT security suite

BOOKWORM = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
DEB822 = """Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

# the security archive
Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
"""


def test_security_sources_on_the_fixture_hosts() -> None:
    assert security_sources(on("linux-hardened")).status is Status.passed
    weak = security_sources(on("linux-weak"))
    assert weak.status is Status.failed
    assert "buster/updates" in str(weak.evidence[0].expected)


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ({"etc/apt/sources.list.d/debian.sources": DEB822}, Status.passed),
        (
            {
                "etc/apt/sources.list.d/debian.sources": DEB822.replace(
                    "Components: main\n", "Components: main\nEnabled: no\n"
                )
            },
            Status.failed,
        ),
        ({"etc/apt/sources.list.d/debian.sources.bak": DEB822}, Status.failed),
        (
            {
                "etc/apt/sources.list": "deb-src http://security.debian.org/debian-security bookworm-security main\n"
            },
            Status.failed,
        ),
        (
            {
                "etc/apt/sources.list": "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.debian.org/debian-security bookworm-security main # sec\n"
            },
            Status.passed,
        ),
        (
            {
                "etc/apt/sources.list": "#deb http://security.debian.org/debian-security bookworm-security main\n"
            },
            Status.failed,
        ),
        (
            {"etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm-security main\n"},
            Status.failed,
        ),
        (
            {
                "etc/apt/sources.list": "deb http://mirror.office.lan/debian-security bookworm-security main\n"
            },
            Status.passed,
        ),
        (
            {
                "etc/apt/apt.conf.d/10dir": 'Dir::Etc::sourceparts "/etc/apt/office.d";\n',
                "etc/apt/office.d/sec.list": "deb http://security.debian.org/debian-security bookworm-security main\n",
            },
            Status.passed,
        ),
    ],
)
def test_security_sources_as_apt_reads_them(
    tmp_path: Path, files: dict[str, str], status: Status
) -> None:
    ctx = CheckContext(tree(tmp_path, {"etc/os-release": BOOKWORM, **files}), "linux")
    assert security_sources(ctx).status is status


def test_security_sources_ubuntu_and_other_systems(tmp_path: Path) -> None:
    ubuntu = 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n'
    line = "deb http://vn.archive.ubuntu.com/ubuntu jammy-security main restricted\n"
    ctx = CheckContext(
        tree(tmp_path / "u", {"etc/os-release": ubuntu, "etc/apt/sources.list": line}), "linux"
    )
    assert security_sources(ctx).status is Status.passed
    rhel = CheckContext(
        tree(tmp_path / "r", {"etc/os-release": "ID=rhel\nVERSION_ID=9\n"}), "linux"
    )
    assert security_sources(rhel).status is Status.not_applicable
