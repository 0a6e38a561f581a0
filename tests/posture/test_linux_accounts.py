"""Account checks: password policy, extra UID 0, empty password fields, sudo NOPASSWD: ALL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks._keyvalue import parse_settings
from netwatch.posture.checks.linux.accounts import (
    PasswordPolicyParams,
    SudoNopasswdParams,
    empty_password_hash,
    extra_uid0,
    password_policy,
    sudo_nopasswd,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Outcome, Status
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands

CHECKS = (password_policy, extra_uid0, empty_password_hash, sudo_nopasswd)
AUTH = "/etc/pam.d/common-auth"
PASSWORD = "/etc/pam.d/common-password"
PAM_UNIX = "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"
FAILLOCK_AUTH = (
    "auth requisite pam_faillock.so preauth\n"
    "auth [success=1 default=ignore] pam_unix.so\n"
    "auth [default=die] pam_faillock.so authfail\n"
)


def on(host: str, params: object = None) -> CheckContext:
    return CheckContext(recorded_host(host), "linux", params)  # type: ignore[arg-type]


def tree(root: Path, files: dict[str, str], params: object = None) -> CheckContext:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    access = HostAccess(FileReader(root), RecordedCommands({}), None, live=True)  # type: ignore[arg-type]
    return CheckContext(access, "linux", params)  # type: ignore[arg-type]


def pairs(outcome: Outcome) -> list[tuple[str, str]]:
    return [(e.source, str(e.observed)) for e in outcome.evidence]


def policy_tree(root: Path, **files: str) -> CheckContext:
    """A host with a compliant login.defs plus the given PAM/pwquality/faillock files."""
    names = {
        "login_defs": "etc/login.defs",
        "password": "etc/pam.d/common-password",
        "auth": "etc/pam.d/common-auth",
        "pwquality": "etc/security/pwquality.conf",
        "faillock": "etc/security/faillock.conf",
        "system_auth": "etc/pam.d/system-auth",
    }
    contents = {"login_defs": "PASS_MAX_DAYS 60\n", **files}
    return tree(root, {names.get(k, k): v for k, v in contents.items()})


# fixture hosts


def test_hardened_host_passes_every_account_check() -> None:
    outcomes = {check.__name__: check(on("linux-hardened")) for check in CHECKS}
    assert {n: o.status for n, o in outcomes.items()} == dict.fromkeys(outcomes, Status.passed)
    assert pairs(outcomes["password_policy"]) == [
        ("/etc/login.defs:33", "PASS_MAX_DAYS 90"),
        ("/etc/shadow", "no account with a password may keep it longer than 90 days"),
        (
            "/etc/security/pwquality.conf:10",
            "minimum password length 12: pam_pwquality (/etc/pam.d/common-password:9): minlen = 12",
        ),
        ("/etc/security/faillock.conf:11", "pam_faillock (/etc/pam.d/common-auth:11): deny = 5"),
    ]
    assert pairs(outcomes["extra_uid0"]) == [
        ("/etc/passwd:1", "UID 0 belongs to root only (27 accounts)")
    ]
    assert pairs(outcomes["empty_password_hash"]) == [
        ("/etc/shadow", "all 27 accounts have a password hash or are locked")
    ]
    # 90-deploy.dpkg-old grants NOPASSWD: ALL but sudo skips names with a dot.
    assert pairs(outcomes["sudo_nopasswd"]) == [
        (
            "/etc/sudoers",
            "no `NOPASSWD: ALL` grant in /etc/sudoers, /etc/sudoers.d/20-nwbackup, "
            "/etc/sudoers.d/README",
        )
    ]


def test_weak_host_password_policy_lists_every_unmet_element() -> None:
    outcome = password_policy(on("linux-weak"))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        ("/etc/login.defs:31", "PASS_MAX_DAYS 99999"),
        ("/etc/shadow:1", "account 'root': maximum password age 99999"),
        ("/etc/shadow:24", "account 'toor': maximum password age 99999"),
        ("/etc/shadow:25", "account 'hung.le': maximum password age 99999"),
        ("/etc/shadow:26", "account 'helpdesk': maximum password age 99999"),
        (
            "/etc/pam.d/common-password:9",
            "minimum password length 6: pam_unix (/etc/pam.d/common-password:9): "
            "no `minlen`: built-in default 6",
        ),
        (AUTH, "no `pam_faillock` `authfail` or `pam_tally2` rule: password guessing is unlimited"),
        (
            "/etc/login.defs:36",
            "`PASS_MIN_LEN 10` (ignored: PAM sets the length, not `login.defs`)",
        ),
        (
            "/etc/security/pwquality.conf:9",
            "`minlen = 12` has no effect: `pam_pwquality` is not in /etc/pam.d/common-password",
        ),
    ]
    assert str(outcome.evidence[0].expected) == "`PASS_MAX_DAYS` between 1 and 90"
    assert str(outcome.evidence[5].expected) == "at least 8 characters"


def test_weak_host_uid0_empty_password_and_sudo_fail() -> None:
    uid0 = extra_uid0(on("linux-weak"))
    assert uid0.status is Status.failed
    assert pairs(uid0) == [("/etc/passwd:24", "account 'toor' has UID 0 (full root rights)")]
    empty = empty_password_hash(on("linux-weak"))
    assert empty.status is Status.failed
    assert pairs(empty) == [("/etc/shadow:27", "account 'guest': empty password field")]
    sudo = sudo_nopasswd(on("linux-weak"))
    assert sudo.status is Status.failed
    assert pairs(sudo) == [
        (
            "/etc/sudoers.d/50-deploy:3",
            "deploy web01, web02, localhost = (root) /usr/bin/systemctl restart app, "
            "NOPASSWD: DEPLOY_ALL (deploy: any command as root, no password)",
        ),
        (
            "/etc/sudoers.d/90-helpdesk:2",
            "%helpdesk ALL=(ALL) NOPASSWD: ALL (hung.le, helpdesk: any command as root, no password)",
        ),
    ]


@pytest.mark.parametrize("host", ["linux-hardened", "linux-weak"])
def test_no_hash_ever_appears_in_evidence(host: str) -> None:
    for check in CHECKS:
        for evidence in check(on(host)).evidence:
            assert "$y$" not in str(evidence.observed) and "$6$" not in str(evidence.observed)


@pytest.mark.parametrize("host", ["linux-hardened", "linux-weak"])
def test_offline_image_gives_the_same_verdicts(host: str) -> None:
    for check in CHECKS:
        live = check(on(host))
        offline = check(CheckContext(offline_image(host), "linux"))
        assert (offline.status, offline.evidence) == (live.status, live.evidence)


def test_empty_root_is_not_applicable_with_reasons() -> None:
    reasons = {check.__name__: str(check(on("empty-root")).reason) for check in CHECKS}
    assert reasons == {
        "password_policy": "no /etc/login.defs and no PAM stack: not a shadow/PAM based system",
        "extra_uid0": "no /etc/passwd under the audited root",
        "empty_password_hash": "no /etc/passwd or /etc/shadow under the audited root",
        "sudo_nopasswd": "sudo is not installed (no /etc/sudoers)",
    }
    assert all(check(on("empty-root")).status is Status.not_applicable for check in CHECKS)


def test_runner_with_policy_params(tmp_path: Path) -> None:
    policy_file = tmp_path / "office.yaml"
    policy_file.write_text(
        "name: office\n"
        "extends: builtin:baseline\n"
        "checks:\n"
        "  linux.accounts.sudo_nopasswd:\n"
        "    params: {allowed: ['%helpdesk', deploy]}\n"
        "  linux.accounts.password_policy:\n"
        "    params: {max_days: null, min_length: 6}\n",
        encoding="utf-8",
    )
    loaded = load_policy(policy_file)
    mine = tuple(s for s in loaded.selected if s.check.meta.id.startswith("linux.accounts."))
    results = run_policy(
        dataclasses.replace(loaded, selected=mine), recorded_host("linux-weak"), "linux"
    )
    statuses = {r.meta.id: r.status for r in results}
    assert statuses == {
        "linux.accounts.empty_password_hash": Status.failed,
        "linux.accounts.extra_uid0": Status.failed,
        "linux.accounts.password_policy": Status.failed,
        "linux.accounts.sudo_nopasswd": Status.passed,
        "linux.accounts.pam_nullok": Status.failed,
        "linux.accounts.default_umask": Status.failed,
    }
    by_id = {r.meta.id: r for r in results}
    assert [e.source for e in by_id["linux.accounts.password_policy"].outcome.evidence][0] == AUTH
    assert by_id["linux.accounts.extra_uid0"].frameworks["cis-controls-v8"] == ("5.4",)


# password policy parameters and PAM variants


def test_params_are_validated() -> None:
    assert PasswordPolicyParams().model_dump() == {
        "max_days": 90,
        "min_length": 8,
        "lockout_attempts": 5,
    }
    with pytest.raises(ValidationError):
        PasswordPolicyParams(max_days=0)
    with pytest.raises(ValidationError):
        PasswordPolicyParams.model_validate({"minlen": 8})
    assert SudoNopasswdParams.model_validate({"allowed": ["%helpdesk"]}).allowed == ("%helpdesk",)


def test_stricter_params_fail_the_hardened_host() -> None:
    params = PasswordPolicyParams(max_days=30, min_length=14, lockout_attempts=3)
    outcome = password_policy(on("linux-hardened", params))
    assert outcome.status is Status.failed
    assert [str(e.expected) for e in outcome.evidence] == [
        "`PASS_MAX_DAYS` between 1 and 30",
        "at most 30 days",
        "at most 30 days",
        "at least 14 characters",
        "`pam_faillock` `authfail` with `deny` between 1 and 3",
    ]
    assert [e.source for e in outcome.evidence[1:3]] == ["/etc/shadow:25", "/etc/shadow:26"]


def test_expiry_can_be_left_out() -> None:
    params = PasswordPolicyParams(max_days=None, min_length=6, lockout_attempts=5)
    outcome = password_policy(on("linux-weak", params))
    assert outcome.status is Status.failed
    assert [e.source for e in outcome.evidence][:1] == [AUTH]  # only lockout is unmet


def test_module_minlen_argument_overrides_pwquality_conf(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path,
        password="password requisite pam_pwquality.so retry=3 minlen=14\n" + PAM_UNIX,
        pwquality="minlen = 8\n",
        auth=FAILLOCK_AUTH,
    )
    outcome = password_policy(ctx)
    assert outcome.status is Status.passed
    assert (
        f"{PASSWORD}:1",
        f"minimum password length 14: pam_pwquality ({PASSWORD}:1): minlen=14",
    ) in pairs(outcome)


def test_pwquality_conf_d_is_read_before_the_main_file(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path,
        password="password requisite pam_pwquality.so\n" + PAM_UNIX,
        pwquality="# minlen = 9\n",
        auth=FAILLOCK_AUTH,
        **{
            "etc/security/pwquality.conf.d/10-office.conf": "minlen = 10\n",
            "etc/security/pwquality.conf.d/20-later.conf": "minlen=11\n",
            "etc/security/pwquality.conf.d/30-ignored.txt": "minlen = 4\n",
        },
    )
    outcome = password_policy(ctx)
    assert outcome.status is Status.passed
    assert outcome.evidence[1].source == "/etc/security/pwquality.conf.d/20-later.conf:1"
    assert str(outcome.evidence[1].observed).startswith("minimum password length 11:")


def test_pwquality_default_and_floor(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path,
        password="password requisite pam_pwquality.so\n" + PAM_UNIX,
        auth=FAILLOCK_AUTH,
    )
    assert "built-in default 8" in str(password_policy(ctx).evidence[1].observed)
    floor = policy_tree(
        tmp_path / "floor",
        password="password requisite pam_pwquality.so minlen=3\n",
        auth=FAILLOCK_AUTH,
    )
    outcome = password_policy(floor)
    assert outcome.status is Status.failed  # 6 < the default 8
    observed = str(outcome.evidence[0].observed)
    assert observed.startswith("minimum password length 6:")
    assert observed.endswith("minlen=3, raised to the `pwquality` floor of 6")


def test_cracklib_default_length(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path,
        password="password required pam_cracklib.so retry=3\n" + PAM_UNIX,
        auth=FAILLOCK_AUTH,
    )
    outcome = password_policy(ctx)
    assert outcome.status is Status.passed
    assert str(outcome.evidence[1].observed).startswith("minimum password length 9: pam_cracklib")


def test_no_password_module_and_no_stack(tmp_path: Path) -> None:
    ctx = policy_tree(tmp_path, password="password required pam_permit.so\n", auth=FAILLOCK_AUTH)
    outcome = password_policy(ctx)
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        (PASSWORD, "no `pam_pwquality`, `pam_cracklib` or `pam_unix` `password` rule")
    ]
    bare = policy_tree(tmp_path / "bare", auth=FAILLOCK_AUTH)
    assert pairs(password_policy(bare)) == [
        (PASSWORD, "no PAM `password` stack (`common-password` or `system-auth`)")
    ]


@pytest.mark.parametrize(
    ("auth", "faillock", "status", "observed"),
    [
        (FAILLOCK_AUTH, "", Status.passed, f"pam_faillock ({AUTH}:3): no `deny` set: default 3"),
        (FAILLOCK_AUTH, "deny = 10\n", Status.failed, f"pam_faillock ({AUTH}:3): deny = 10"),
        (
            FAILLOCK_AUTH.replace("authfail", "authfail deny=4"),
            "deny = 10\n",
            Status.passed,
            f"pam_faillock ({AUTH}:3): deny=4",
        ),
        (FAILLOCK_AUTH, "deny = 0\n", Status.failed, f"pam_faillock ({AUTH}:3): deny = 0"),
        (
            "auth required pam_tally2.so deny=5 onerr=fail\n",
            "",
            Status.passed,
            "pam_tally2: deny=5",
        ),
        (
            "auth required pam_tally2.so onerr=fail\n",
            "",
            Status.failed,
            "pam_tally2: deny=0 (never locks)",
        ),
        (
            "auth requisite pam_faillock.so preauth\n",
            "deny = 3\n",
            Status.failed,
            "no `pam_faillock` `authfail` or `pam_tally2` rule: password guessing is unlimited",
        ),
    ],
)
def test_lockout_variants(
    tmp_path: Path, auth: str, faillock: str, status: Status, observed: str
) -> None:
    ctx = policy_tree(
        tmp_path, password=PAM_UNIX.replace("yescrypt", "minlen=8"), auth=auth, faillock=faillock
    )
    outcome = password_policy(ctx)
    assert outcome.status is status
    assert observed in [str(e.observed) for e in outcome.evidence]


def test_rhel_system_auth_is_used_without_debian_files(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path,
        system_auth=(
            "auth        required      pam_faillock.so preauth silent deny=4\n"
            "auth        sufficient    pam_unix.so try_first_pass\n"
            "auth        required      pam_faillock.so authfail deny=4\n"
            "password    requisite     pam_pwquality.so local_users_only minlen=12\n"
            "password    sufficient    pam_unix.so sha512 shadow use_authtok\n"
        ),
    )
    outcome = password_policy(ctx)
    assert outcome.status is Status.passed
    assert [e.source for e in outcome.evidence] == [
        "/etc/login.defs:1",
        "/etc/pam.d/system-auth:4",
        "/etc/pam.d/system-auth:3",
    ]


def test_shadow_unreadable_is_an_error(tmp_path: Path) -> None:
    ctx = policy_tree(
        tmp_path, **{"etc/shadow": "root:!:1::::::\n", "etc/passwd": "root:x:0:0::/root:/bin/sh\n"}
    )

    class Denied(FileReader):
        def read_text(self, system_path: str, limit: int = 1 << 24) -> str:
            if system_path == "/etc/shadow":
                raise PermissionError(13, "Permission denied")
            return super().read_text(system_path, limit)

    access = HostAccess(Denied(tmp_path), ctx.access.commands, None, live=True)
    for check in (password_policy, empty_password_hash):
        outcome = check(CheckContext(access, "linux"))
        assert outcome.status is Status.error
        assert str(outcome.reason) == "cannot read /etc/shadow: Permission denied"


# passwd and shadow parsing


def test_uid0_ignores_malformed_and_nis_lines(tmp_path: Path) -> None:
    ctx = tree(
        tmp_path,
        {
            "etc/passwd": (
                "root:x:0:0:root:/root:/bin/bash\n"
                "broken line without colons\n"
                "short:x:0\n"
                "+::::::\n"
                "weird:x:zero:0::/:/bin/sh\n"
                "admin2:x:00:0::/root:/bin/bash\n"
            )
        },
    )
    outcome = extra_uid0(ctx)
    assert outcome.status is Status.failed
    assert pairs(outcome) == [("/etc/passwd:6", "account 'admin2' has UID 0 (full root rights)")]


def test_empty_password_field_in_passwd_counts_and_locks_do_not(tmp_path: Path) -> None:
    ctx = tree(
        tmp_path,
        {
            "etc/passwd": "root:x:0:0::/root:/bin/sh\nkiosk::1005:1005::/home/kiosk:/bin/sh\n",
            "etc/shadow": "root:!:19000::::::\nsvc:*:1::::::\nold:!!:1::::::\nmalformed\n",
        },
    )
    outcome = empty_password_hash(ctx)
    assert outcome.status is Status.failed
    assert pairs(outcome) == [("/etc/passwd:2", "account 'kiosk': empty password field")]


def test_without_shadow_only_passwd_is_checked(tmp_path: Path) -> None:
    outcome = empty_password_hash(tree(tmp_path, {"etc/passwd": "root:x:0:0::/root:/bin/sh\n"}))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("/etc/passwd", "no /etc/shadow; no empty password field in /etc/passwd")
    ]


# sudoers


def sudoers(root: Path, main: str, params: object = None, **extra: str) -> Outcome:
    files = {"etc/sudoers": main, **{f"etc/sudoers.d/{k}": v for k, v in extra.items()}}
    return sudo_nopasswd(tree(root, files, params))


def test_allowed_principals_are_accepted_but_shown() -> None:
    params = SudoNopasswdParams(allowed=("%helpdesk", "deploy"))
    outcome = sudo_nopasswd(on("linux-weak", params))
    assert outcome.status is Status.passed
    assert [e.source for e in outcome.evidence] == [
        "/etc/sudoers",
        "/etc/sudoers.d/50-deploy:3",
        "/etc/sudoers.d/90-helpdesk:2",
    ]
    assert str(outcome.evidence[2].observed).endswith("(accepted: hung.le, helpdesk allowed)")


def test_includedir_skips_backup_and_dotted_names(tmp_path: Path) -> None:
    grant = "bob ALL=(ALL) NOPASSWD: ALL\n"
    outcome = sudoers(
        tmp_path,
        "@includedir /etc/sudoers.d\n",
        **{"a~": grant, "b.conf": grant, "c.dpkg-dist": grant, "zz": "# nothing\n"},
    )
    assert outcome.status is Status.passed
    assert (
        str(outcome.evidence[0].observed)
        == "no `NOPASSWD: ALL` grant in /etc/sudoers, /etc/sudoers.d/zz"
    )


def test_include_relative_to_the_including_file(tmp_path: Path) -> None:
    outcome = sudoers(
        tmp_path,
        '#include sudoers.local\n@include "/etc/sudoers.d/with space"\n',
        **{
            "../sudoers.local": "carol ALL = NOPASSWD: ALL\n",
            "with space": "dave ALL=NOPASSWD:ALL\n",
        },
    )
    assert outcome.status is Status.failed
    assert [e.source for e in outcome.evidence] == [
        "/etc/sudoers.local:1",
        "/etc/sudoers.d/with space:1",
    ]


def test_include_loop_terminates(tmp_path: Path) -> None:
    outcome = sudoers(
        tmp_path,
        "@include /etc/sudoers\n@includedir /etc/sudoers.d\n",
        loop="@include /etc/sudoers\n",
    )
    assert outcome.status is Status.passed


@pytest.mark.parametrize(
    ("line", "principals"),
    [
        ("%wheel ALL=(ALL:ALL) NOPASSWD: ALL", "%wheel"),
        ("alice, bob  host1,host2 = (ALL : ALL) NOPASSWD:ALL", "alice, bob"),
        ("#1000 ALL=(ALL) NOPASSWD: ALL  # uid spec, then a comment", "#1000"),
        ("%domain\\ admins ALL=(ALL) NOPASSWD: ALL", "%domain admins"),
        ("eve ALL=(root) NOPASSWD: /usr/bin/ls, ALL", "eve"),
        ("eve ALL=(ALL) NOPASSWD: ALL, !/usr/bin/su", "eve"),
        ("frank ALL=(ALL) ALL : db1 = NOPASSWD: ALL", "frank"),
        ("gina ALL=(ALL) CWD=/tmp NOEXEC: NOPASSWD: SETENV: ALL", "gina"),
        ("User_Alias OPS = hanh, %ops\nOPS ALL=(ALL) NOPASSWD: ALL", "hanh, %ops"),
        ("Cmnd_Alias A = B\nCmnd_Alias B = /bin/x, ALL\nivan ALL = NOPASSWD: A", "ivan"),
        ("jane ALL=(ALL) \\\n    NOPASSWD: \\\n    ALL", "jane"),
    ],
)
def test_grants_found(tmp_path: Path, line: str, principals: str) -> None:
    outcome = sudoers(tmp_path, "Defaults env_reset\n" + line + "\n")
    assert outcome.status is Status.failed
    assert str(outcome.evidence[0].observed).endswith(
        f"({principals}: any command as root, no password)"
    )


@pytest.mark.parametrize(
    "line",
    [
        "# bob ALL=(ALL) NOPASSWD: ALL",
        'Defaults:bob !authenticate, env_keep += "NOPASSWD: ALL"',
        "bob ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart nginx",
        "bob ALL=(ALL) NOPASSWD: /usr/bin/apt update, PASSWD: ALL",
        "bob ALL=(ALL) ALL",
        "bob ALL=(ALL) NOPASSWD: sha256:Zm9vYmFy= /usr/bin/backup",
        "Cmnd_Alias EVERYTHING = ALL",
        "User_Alias NOBODY = !bob\nNOBODY ALL=(ALL) NOPASSWD: ALL",
        'bob ALL=(ALL) NOPASSWD: ALL"unbalanced',
        "garbage without equals NOPASSWD: ALL",
        "bob = NOPASSWD: ALL",
    ],
)
def test_no_grant(tmp_path: Path, line: str) -> None:
    outcome = sudoers(tmp_path, line + "\n")
    assert outcome.status is Status.passed
    assert outcome.evidence[0].source == "/etc/sudoers"


def test_shared_parsers() -> None:
    settings = parse_settings("PASS_MAX_DAYS\t30\nBAD KEY\n# x\n", "/l", spaced=True)
    assert {k: (s.value, s.source) for k, s in settings.items()} == {
        "PASS_MAX_DAYS": ("30", "/l:1"),
        "BAD": ("KEY", "/l:2"),
    }
