"""Linux file permission checks: account/sudo files, SSH host keys, world-writable files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.hostaccess import CommandRunner, FileReader, HostAccess
from netwatch.posture.checks._filemodes import STAT_FORMAT
from netwatch.posture.checks.linux.files import (
    WorldWritableParams,
    critical_permissions,
    ssh_host_keys,
    world_writable,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Status
from tests.helpers.posture_hosts import POSTURE_FIXTURES, recorded_host
from tests.helpers.recorded import RecordedCommands

CRITICAL = ["/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/sudoers"]
STAT_KEY = f"stat -c {STAT_FORMAT} -- {' '.join(CRITICAL)}"
HOST_KEYS_KEY = (
    "find /etc/ssh -maxdepth 1 -type f -name ssh_host_*_key -printf %m %U %G %u %g %p\\n"
)
SYSTEM_DIRS = "/etc /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /usr/lib/systemd/system"
FIND_KEY = f"find {SYSTEM_DIRS} -xdev -type f -perm -0002 -print"


def on(host: str) -> CheckContext:
    return CheckContext(recorded_host(host), "linux")


def live(recordings: dict[str, dict[str, object]], root: Path | None = None) -> CheckContext:
    """A live host with the given recorded commands (and an empty file tree by default)."""
    files = FileReader(root or POSTURE_FIXTURES / "empty-root")
    access = HostAccess(files, RecordedCommands(recordings), None, live=True)  # type: ignore[arg-type]
    return CheckContext(access, "linux")


def offline(root: Path, commands: object) -> CheckContext:
    access = HostAccess(FileReader(root), commands, None, live=False)  # type: ignore[arg-type]
    return CheckContext(access, "linux")


def result(stdout: str, returncode: int = 0, stderr: str = "") -> dict[str, object]:
    return {"returncode": returncode, "stdout": stdout, "stderr": stderr}


def observed(outcome) -> dict[str, str]:
    return {e.source: str(e.observed) for e in outcome.evidence}


# linux.files.critical_permissions


def test_critical_permissions_pass_on_hardened_host() -> None:
    outcome = critical_permissions(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        "/etc/passwd": "mode 0644, owner root, group root",
        "/etc/group": "mode 0644, owner root, group root",
        "/etc/shadow": "mode 0640, owner root, group shadow",
        "/etc/gshadow": "mode 0640, owner root, group shadow",
        "/etc/sudoers": "mode 0440, owner root, group root",
    }
    shadow = next(e for e in outcome.evidence if e.source == "/etc/shadow")
    assert str(shadow.expected) == "mode 0640 or stricter, owner root, group root or shadow"


def test_critical_permissions_fail_on_weak_host_names_the_loose_files() -> None:
    outcome = critical_permissions(on("linux-weak"))
    assert outcome.status is Status.failed
    assert observed(outcome) == {
        "/etc/passwd": "mode 0666, owner root, group root",
        "/etc/shadow": "mode 0644, owner root, group shadow",
    }
    assert str(outcome.evidence[0].expected) == "mode 0644 or stricter, owner root"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("640 1000 42 alice shadow /etc/shadow", "owned by a user"),
        ("640 0 100 root users /etc/shadow", "readable by the users group"),
        ("4640 0 42 root shadow /etc/shadow", "setuid bit"),
        ("660 0 42 root shadow /etc/shadow", "group-writable"),
    ],
)
def test_critical_permissions_fail_on_owner_group_and_special_bits(line: str, why: str) -> None:
    outcome = critical_permissions(live({STAT_KEY: result(line + "\n")}))
    assert outcome.status is Status.failed, why
    assert [e.source for e in outcome.evidence] == ["/etc/shadow"]


def test_critical_permissions_rhel_style_modes_pass_and_missing_files_are_skipped() -> None:
    stdout = (
        "644 0 0 root root /etc/passwd\n644 0 0 root root /etc/group\n0 0 0 root root /etc/shadow\n"
    )
    stderr = (
        "stat: cannot statx '/etc/gshadow': No such file or directory\n"
        "stat: cannot statx '/etc/sudoers': No such file or directory\n"
    )
    outcome = critical_permissions(live({STAT_KEY: result(stdout, 1, stderr)}))
    assert outcome.status is Status.passed
    assert observed(outcome)["/etc/shadow"] == "mode 0000, owner root, group root"
    assert set(observed(outcome)) == {"/etc/passwd", "/etc/group", "/etc/shadow"}


def test_critical_permissions_not_applicable_when_no_file_exists() -> None:
    stderr = "".join(f"stat: cannot statx '{p}': No such file or directory\n" for p in CRITICAL)
    outcome = critical_permissions(live({STAT_KEY: result("", 1, stderr)}))
    assert outcome.status is Status.not_applicable
    assert "none of /etc/passwd" in str(outcome.reason)


def test_critical_permissions_errors_when_stat_is_missing_or_fails() -> None:
    missing = critical_permissions(live({}))
    assert missing.status is Status.error
    assert str(missing.reason) == "stat: command not found"
    denied = "stat: cannot statx '/etc/shadow': Permission denied\n"
    failing = critical_permissions(live({STAT_KEY: result("", 1, denied)}))
    assert failing.status is Status.error
    assert (
        str(failing.reason) == "`stat` failed: stat: cannot statx '/etc/shadow': Permission denied"
    )


def test_critical_permissions_errors_on_malformed_stat_output() -> None:
    outcome = critical_permissions(live({STAT_KEY: result("rw-r--r-- root /etc/passwd\n")}))
    assert outcome.status is Status.error
    assert str(outcome.reason).startswith("unexpected line in `stat` output: 'rw-r--r-- root")


def test_offline_image_names_files_under_the_root_and_owners_from_the_image(
    tmp_path: Path,
) -> None:
    """On a mounted disk stat gets the paths under the root; names come from the image."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "etc/group").write_text("root:x:0:\nshadow:x:42:\n")
    root = str(tmp_path)
    argv = ["stat", "-c", STAT_FORMAT, "--", *(f"{root}{p}" for p in CRITICAL)]
    # The auditing machine has no "shadow" group: stat prints its own idea of the names.
    stdout = "".join(
        f"{mode} 0 {gid} root {name} {root}{path}\n"
        for mode, gid, name, path in [
            ("644", 0, "root", "/etc/passwd"),
            ("644", 0, "root", "/etc/group"),
            ("640", 42, "UNKNOWN", "/etc/shadow"),
            ("640", 42, "UNKNOWN", "/etc/gshadow"),
            ("440", 0, "root", "/etc/sudoers"),
        ]
    )
    commands = RecordedCommands({" ".join(argv): result(stdout)})
    outcome = critical_permissions(offline(tmp_path, commands))
    assert commands.calls == [tuple(argv)]
    assert outcome.status is Status.passed
    assert observed(outcome)["/etc/shadow"] == "mode 0640, owner root, group shadow"


@pytest.mark.skipif(shutil.which("stat") is None, reason="needs coreutils stat")
def test_offline_image_with_the_real_stat(tmp_path: Path) -> None:
    uid, gid = os.getuid(), os.getgid()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(f"auditee:x:{uid}:{gid}::/:/bin/sh\n")
    (tmp_path / "etc/group").write_text(f"auditees:x:{gid}:\n")
    (tmp_path / "etc/shadow").write_text("auditee:*:19000::::::\n")
    (tmp_path / "etc/passwd").chmod(0o666)
    (tmp_path / "etc/group").chmod(0o644)
    (tmp_path / "etc/shadow").chmod(0o600)
    outcome = critical_permissions(offline(tmp_path, CommandRunner()))
    assert outcome.status is Status.failed  # /etc/passwd is world-writable
    # Owner and group names come from the image's passwd and group files.
    assert observed(outcome)["/etc/passwd"] == "mode 0666, owner auditee, group auditees"
    assert "/etc/sudoers" not in observed(outcome)  # missing on the image: skipped


# linux.files.ssh_host_keys


def test_ssh_host_keys_pass_on_hardened_host() -> None:
    outcome = ssh_host_keys(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        "/etc/ssh/ssh_host_ecdsa_key": "mode 0600, owner root, group root",
        "/etc/ssh/ssh_host_ed25519_key": "mode 0600, owner root, group root",
        "/etc/ssh/ssh_host_rsa_key": "mode 0600, owner root, group root",
    }


def test_ssh_host_keys_fail_on_weak_host() -> None:
    outcome = ssh_host_keys(on("linux-weak"))
    assert outcome.status is Status.failed
    assert observed(outcome) == {
        "/etc/ssh/ssh_host_ecdsa_key": "mode 0640, owner root, group root",
        "/etc/ssh/ssh_host_rsa_key": "mode 0644, owner root, group root",
    }
    assert (
        str(outcome.evidence[0].expected) == "mode 0600 (or 0640 with group `ssh_keys`), owner root"
    )


def test_ssh_host_keys_accept_the_rhel_ssh_keys_group_but_not_other_owners() -> None:
    rhel = "640 0 994 root ssh_keys /etc/ssh/ssh_host_ed25519_key\n"
    assert ssh_host_keys(live({HOST_KEYS_KEY: result(rhel)})).status is Status.passed
    foreign = "600 1000 1000 alice alice /etc/ssh/ssh_host_ed25519_key\n"
    outcome = ssh_host_keys(live({HOST_KEYS_KEY: result(foreign)}))
    assert outcome.status is Status.failed
    assert str(outcome.evidence[0].observed) == "mode 0600, owner alice, group alice"


def test_ssh_host_keys_not_applicable_without_keys() -> None:
    no_dir = result("", 1, "find: '/etc/ssh': No such file or directory\n")
    for recording in (result(""), no_dir):
        outcome = ssh_host_keys(live({HOST_KEYS_KEY: recording}))
        assert outcome.status is Status.not_applicable
        assert "no SSH private host keys" in str(outcome.reason)


def test_ssh_host_keys_error_when_find_is_missing_or_fails() -> None:
    assert str(ssh_host_keys(live({})).reason) == "find: command not found"
    denied = result("", 1, "find: '/etc/ssh': Permission denied\n")
    outcome = ssh_host_keys(live({HOST_KEYS_KEY: denied}))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "`find` failed: find: '/etc/ssh': Permission denied"


# linux.files.world_writable


def test_world_writable_pass_on_hardened_host() -> None:
    outcome = world_writable(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert outcome.evidence[0].source == f"command: {FIND_KEY}"
    assert str(outcome.evidence[0].observed).startswith("no world-writable regular files in /etc, ")


def test_world_writable_fail_on_weak_host_lists_the_files() -> None:
    outcome = world_writable(on("linux-weak"))
    assert outcome.status is Status.failed
    assert str(outcome.evidence[0].observed) == "3 world-writable regular files"
    assert [(e.source, str(e.observed)) for e in outcome.evidence[1:]] == [
        ("/etc/cron.daily/db-backup", "writable by everyone"),
        ("/etc/systemd/system/report-sync.service", "writable by everyone"),
        ("/usr/local/bin/report-sync", "writable by everyone"),
    ]


def test_world_writable_find_timeout_is_an_error_naming_it() -> None:
    outcome = world_writable(live({FIND_KEY: {"error": "find: no answer within 15s"}}))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "find: no answer within 15s"


def test_world_writable_report_is_bounded() -> None:
    paths = "".join(f"/etc/app/file{n:02d}.conf\n" for n in range(30))
    params = WorldWritableParams(max_report=5)
    ctx = CheckContext(live({FIND_KEY: result(paths)}).access, "linux", params)
    outcome = world_writable(ctx)
    assert outcome.status is Status.failed
    assert (
        str(outcome.evidence[0].observed) == "30 world-writable regular files (25 more not listed)"
    )
    assert len(outcome.evidence) == 6
    capped = CheckContext(ctx.access, "linux", WorldWritableParams(max_files=10, max_report=50))
    assert (
        str(world_writable(capped).evidence[0].observed)
        == "more than 10 world-writable regular files"
    )


def test_world_writable_missing_directories_are_ignored_but_unreadable_ones_are_not() -> None:
    missing = "find: '/usr/local/sbin': No such file or directory\n"
    assert world_writable(live({FIND_KEY: result("", 1, missing)})).status is Status.passed
    denied = "find: '/etc/ssl/private': Permission denied\n"
    outcome = world_writable(live({FIND_KEY: result("", 1, missing + denied)}))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "`find` could not search everything: " + denied.strip()
    partial = world_writable(live({FIND_KEY: result("/etc/motd\n", 1, denied)}))
    assert partial.status is Status.failed
    assert "`find` could not search everything" in str(partial.evidence[0].observed)


def test_world_writable_not_applicable_when_no_directory_exists() -> None:
    stderr = "".join(f"find: '{d}': No such file or directory\n" for d in SYSTEM_DIRS.split())
    outcome = world_writable(live({FIND_KEY: result("", 1, stderr)}))
    assert outcome.status is Status.not_applicable
    assert str(outcome.reason).startswith("none of /etc, /usr/bin")


def test_world_writable_on_an_offline_image_maps_paths_back(tmp_path: Path) -> None:
    root = str(tmp_path)
    argv = ["find", f"{root}/etc", "-xdev", "-type", "f", "-perm", "-0002", "-print"]
    commands = RecordedCommands({" ".join(argv): result(f"{root}/etc/cron.d/job\n")})
    ctx = offline(tmp_path, commands)
    outcome = world_writable(CheckContext(ctx.access, "linux", WorldWritableParams(paths=["/etc"])))
    assert outcome.status is Status.failed
    assert outcome.evidence[1].source == "/etc/cron.d/job"


@pytest.mark.parametrize("path", ["etc", "-delete", "/etc/../root", "/etc\n-fprint"])
def test_world_writable_params_refuse_anything_but_absolute_paths(path: str) -> None:
    with pytest.raises(ValidationError):
        WorldWritableParams(paths=[path])
