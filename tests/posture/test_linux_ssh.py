"""SSH checks: the effective sshd configuration across Include files and Match blocks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks.linux.ssh import (
    ssh_empty_passwords,
    ssh_password_auth,
    ssh_root_login,
    ssh_weak_crypto,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Outcome, Status
from netwatch.posture.parsers.sshd import Connection, argv_split, load_sshd_config
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands

CHECKS = (ssh_root_login, ssh_password_auth, ssh_empty_passwords, ssh_weak_crypto)
MAIN = "/etc/ssh/sshd_config"
LEGACY = "/etc/ssh/sshd_config.d/50-legacy.conf"


def on(host: str) -> CheckContext:
    return CheckContext(recorded_host(host), "linux")


def tree(root: Path, files: dict[str, str], sshd: bool = True) -> CheckContext:
    """A host whose file system holds ``files`` (and the sshd program unless told not to)."""
    if sshd:
        files = {"usr/sbin/sshd": "", **files}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    access = HostAccess(FileReader(root), RecordedCommands({}), None, live=True)  # type: ignore[arg-type]
    return CheckContext(access, "linux")


def config(root: Path, text: str, **extra: str) -> CheckContext:
    return tree(root, {"etc/ssh/sshd_config": text, **extra})


def first(outcome: Outcome) -> tuple[str, str]:
    return outcome.evidence[0].source, str(outcome.evidence[0].observed)


def sources(outcome: Outcome) -> list[str]:
    return [e.source for e in outcome.evidence]


# fixture hosts


def test_hardened_host_passes_every_ssh_check() -> None:
    outcomes = {check.__name__: check(on("linux-hardened")) for check in CHECKS}
    assert {name: o.status for name, o in outcomes.items()} == dict.fromkeys(
        outcomes, Status.passed
    )
    hardening = "/etc/ssh/sshd_config.d/10-hardening.conf"
    assert first(outcomes["ssh_root_login"]) == (f"{hardening}:4", "PermitRootLogin no")
    assert first(outcomes["ssh_password_auth"]) == (f"{hardening}:5", "PasswordAuthentication no")
    assert outcomes["ssh_password_auth"].evidence[1].source == f"{MAIN}:43"
    assert first(outcomes["ssh_empty_passwords"]) == (f"{hardening}:6", "PermitEmptyPasswords no")
    crypto = outcomes["ssh_weak_crypto"]
    assert sources(crypto) == [f"/etc/ssh/sshd_config.d/20-crypto.conf:{n}" for n in (2, 3, 4)]
    assert str(crypto.evidence[1].observed).startswith("MACs hmac-sha2-512-etm@openssh.com,")


def test_weak_host_root_login_comes_from_the_included_file_read_first() -> None:
    outcome = ssh_root_login(on("linux-weak"))
    assert outcome.status is Status.failed
    assert first(outcome) == (
        f"{LEGACY}:2",
        "PermitRootLogin yes (root may log in with a password)",
    )
    assert str(outcome.evidence[0].expected) == "PermitRootLogin no"
    notes = {e.source: str(e.observed) for e in outcome.evidence[1:]}
    # Later "no" lines (a later include and the bottom of sshd_config) do not count.
    assert notes["/etc/ssh/sshd_config.d/60-baseline.conf:2"].endswith(
        "(ignored: sshd already took an earlier value)"
    )
    assert notes[f"{MAIN}:61"] == "PermitRootLogin no (ignored: sshd already took an earlier value)"
    assert (
        notes[f"{MAIN}:66"]
        == "PermitRootLogin no (only for connections matching 'Match Address 10.20.0.0/16')"
    )
    # A file renamed to *.conf.disabled is not matched by the Include glob.
    assert not any("40-lockdown" in source for source in sources(outcome))


def test_weak_host_password_auth_fails_on_both_password_paths() -> None:
    outcome = ssh_password_auth(on("linux-weak"))
    assert outcome.status is Status.failed
    assert first(outcome) == (f"{LEGACY}:3", "PasswordAuthentication yes")
    # The Match block lets passwords in from 10.20.0.0/16 too: a failing value of its own.
    assert outcome.evidence[1].source == f"{MAIN}:67"
    assert str(outcome.evidence[1].observed) == (
        "PasswordAuthentication yes (only for connections matching 'Match Address 10.20.0.0/16')"
    )
    # The image runs OpenSSH 7.9 (read as 8.4): PAM's password prompt follows
    # ChallengeResponseAuthentication (default yes), not KbdInteractiveAuthentication.
    assert outcome.evidence[2].source == MAIN
    assert str(outcome.evidence[2].observed) == (
        "ChallengeResponseAuthentication not set: the OpenSSH default is yes with UsePAM yes "
        "(/etc/ssh/sshd_config:46): PAM can ask for the password"
    )


def test_weak_host_empty_passwords_and_crypto_fail() -> None:
    empty = ssh_empty_passwords(on("linux-weak"))
    assert empty.status is Status.failed
    assert first(empty) == (f"{LEGACY}:5", "PermitEmptyPasswords yes")
    crypto = ssh_weak_crypto(on("linux-weak"))
    assert crypto.status is Status.failed
    assert sources(crypto)[:3] == [f"{LEGACY}:{n}" for n in (6, 7, 8)]
    observed = [str(e.observed) for e in crypto.evidence[:3]]
    assert (
        observed[0]
        == "Ciphers aes128-ctr,aes256-ctr,aes128-cbc,3des-cbc (weak: aes128-cbc, 3des-cbc)"
    )
    assert observed[1].startswith("MACs +hmac-sha1,hmac-md5 (sshd offers: umac-64-etm@openssh.com,")
    assert observed[1].endswith(",hmac-sha1,hmac-md5) (weak: hmac-md5)")
    assert observed[2].endswith("(weak: diffie-hellman-group1-sha1, diffie-hellman-group14-sha1)")
    assert crypto.evidence[3].source == "/etc/ssh/sshd_config.d/60-baseline.conf:5"
    assert "ignored" in str(crypto.evidence[3].observed)


@pytest.mark.parametrize("host", ["linux-hardened", "linux-weak"])
def test_offline_image_gives_the_same_verdicts_and_evidence(host: str) -> None:
    for check in CHECKS:
        live = check(on(host))
        offline = check(CheckContext(offline_image(host), "linux"))
        assert offline.status is live.status
        assert offline.evidence == live.evidence


@pytest.mark.parametrize(
    ("host", "status"), [("linux-hardened", Status.passed), ("linux-weak", Status.failed)]
)
def test_runner_path_with_the_baseline_policy(host: str, status: Status) -> None:
    baseline = load_policy(None)
    mine = tuple(s for s in baseline.selected if s.check.meta.id.startswith("linux.ssh."))
    results = run_policy(dataclasses.replace(baseline, selected=mine), recorded_host(host), "linux")
    assert [r.meta.id for r in results] == [
        "linux.ssh.access_restricted",
        "linux.ssh.banner",
        "linux.ssh.empty_passwords",
        "linux.ssh.idle_timeout",
        "linux.ssh.max_auth_tries",
        "linux.ssh.password_auth",
        "linux.ssh.root_login",
        "linux.ssh.weak_crypto",
        "linux.ssh.x11_forwarding",
    ]
    assert {r.status for r in results} == {status}
    assert all(r.outcome.evidence[0].source.startswith("/etc/ssh/") for r in results)


# not applicable, errors


def test_no_sshd_program_is_not_applicable(tmp_path: Path) -> None:
    for check in CHECKS:
        outcome = check(on("empty-root"))
        assert outcome.status is Status.not_applicable
        assert (
            str(outcome.reason)
            == "no SSH server installed (no sshd in /usr/sbin, /usr/bin or /sbin)"
        )
    leftover = tree(tmp_path, {"etc/ssh/sshd_config": "PermitRootLogin yes\n"}, sshd=False)
    assert ssh_root_login(leftover).status is Status.not_applicable


def test_sshd_without_its_config_is_not_applicable(tmp_path: Path) -> None:
    outcome = ssh_root_login(tree(tmp_path, {}))
    assert outcome.status is Status.not_applicable
    assert (
        str(outcome.reason)
        == "sshd is installed but /etc/ssh/sshd_config is missing: sshd cannot start"
    )


def test_unreadable_include_is_an_error(tmp_path: Path) -> None:
    ctx = config(
        tmp_path, "Include sshd_config.d/*.conf\n", **{"etc/ssh/sshd_config.d/a.conf": "x y\n"}
    )

    class Denied(FileReader):
        def read_text(self, system_path: str, limit: int = 1 << 24) -> str:
            if system_path.endswith("a.conf"):
                raise PermissionError(13, "Permission denied")
            return super().read_text(system_path, limit)

    access = HostAccess(Denied(tmp_path), ctx.access.commands, None, live=True)
    outcome = ssh_root_login(CheckContext(access, "linux"))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "cannot read /etc/ssh/sshd_config.d/a.conf: Permission denied"


# effective configuration semantics


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    ctx = config(tmp_path, "# nothing but comments\n\nUsePAM no\n")
    root = ssh_root_login(ctx)
    assert root.status is Status.failed
    assert first(root) == (
        MAIN,
        "PermitRootLogin not set: the OpenSSH default is prohibit-password (root may still "
        "log in with a key, so actions are not tied to a person)",
    )
    password = ssh_password_auth(ctx)
    assert password.status is Status.failed
    assert first(password) == (MAIN, "PasswordAuthentication not set: the OpenSSH default is yes")
    assert len(password.evidence) == 1  # keyboard-interactive without PAM offers no password
    empty = ssh_empty_passwords(ctx)
    assert (empty.status, first(empty)) == (
        Status.passed,
        (MAIN, "PermitEmptyPasswords not set: the OpenSSH default is no"),
    )
    crypto = ssh_weak_crypto(ctx)
    assert crypto.status is Status.passed
    assert [str(e.observed) for e in crypto.evidence] == [
        "Ciphers not set: OpenSSH defaults",
        "MACs not set: OpenSSH defaults",
        "KexAlgorithms not set: OpenSSH defaults",
    ]


@pytest.mark.parametrize(
    ("value", "status", "observed"),
    [
        ("no", Status.passed, "PermitRootLogin no"),
        ("No", Status.passed, "PermitRootLogin No"),
        (
            "prohibit-password",
            Status.failed,
            "PermitRootLogin prohibit-password (root may still log in with a key, so actions are not tied to a person)",
        ),
        (
            "without-password",
            Status.failed,
            "PermitRootLogin without-password (root may still log in with a key, so actions are not tied to a person)",
        ),
        (
            "forced-commands-only",
            Status.failed,
            "PermitRootLogin forced-commands-only (root may log in with a key that runs a forced command)",
        ),
    ],
)
def test_root_login_values(tmp_path: Path, value: str, status: Status, observed: str) -> None:
    outcome = ssh_root_login(config(tmp_path, f"PermitRootLogin {value}\n"))
    assert outcome.status is status
    assert first(outcome) == (f"{MAIN}:1", observed)


def test_first_value_wins_across_include_in_lexical_order(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Port 22\nInclude sshd_config.d/*.conf\nPermitRootLogin yes\n",
        **{
            "etc/ssh/sshd_config.d/20-b.conf": "PermitRootLogin yes\n",
            "etc/ssh/sshd_config.d/10-a.conf": "# first in lexical order\nPermitRootLogin no\n",
            "etc/ssh/sshd_config.d/.hidden.conf": "PermitRootLogin yes\n",
            "etc/ssh/sshd_config.d/05-notes.txt": "PermitRootLogin yes\n",
        },
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert sources(outcome) == [
        "/etc/ssh/sshd_config.d/10-a.conf:2",
        "/etc/ssh/sshd_config.d/20-b.conf:1",
        f"{MAIN}:3",
    ]


def test_value_before_the_include_wins_over_included_files(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nInclude /etc/ssh/extra/*\n",
        **{"etc/ssh/extra/legacy": "PasswordAuthentication yes\n"},
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (f"{MAIN}:1", "PasswordAuthentication no")
    assert outcome.evidence[-1].source == "/etc/ssh/extra/legacy:1"


def test_nested_includes_and_several_patterns(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Include missing.conf conf.d/one.conf\n",
        **{
            "etc/ssh/conf.d/one.conf": "Include /etc/ssh/conf.d/two.conf\n",
            "etc/ssh/conf.d/two.conf": "PermitEmptyPasswords yes\n",
        },
    )
    outcome = ssh_empty_passwords(ctx)
    assert outcome.status is Status.failed
    assert first(outcome) == ("/etc/ssh/conf.d/two.conf:1", "PermitEmptyPasswords yes")


def test_include_loop_is_refused(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Include loop.conf\n",
        **{"etc/ssh/loop.conf": "Include loop.conf\nPermitRootLogin no\n"},
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.error
    assert str(outcome.reason) == (
        "sshd would refuse this config: /etc/ssh/loop.conf: too many recursive configuration "
        "includes (more than 16)"
    )


def test_match_block_does_not_set_the_global_value(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Match User backup\n    PermitRootLogin no\n    PasswordAuthentication no\n",
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.failed
    assert first(outcome)[0] == MAIN
    assert outcome.evidence[1].source == f"{MAIN}:2"
    assert (
        str(outcome.evidence[1].observed)
        == "PermitRootLogin no (only for connections matching 'Match User backup')"
    )


def test_match_all_ends_the_conditional_block(tmp_path: Path) -> None:
    ctx = config(
        tmp_path, "Match Group sftp\n  PermitRootLogin yes\nMatch all\nPermitRootLogin no\n"
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (f"{MAIN}:4", "PermitRootLogin no")


def test_match_in_an_included_file_ends_with_that_file(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Include sshd_config.d/*.conf\nPermitRootLogin no\n",
        **{"etc/ssh/sshd_config.d/sftp.conf": "Match Group sftp\n  PermitRootLogin yes\n"},
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (f"{MAIN}:2", "PermitRootLogin no")
    assert "Match Group sftp" in str(outcome.evidence[1].observed)


def test_include_inside_a_match_block_is_conditional(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Match Address 192.0.2.0/24\n  Include lab.conf\n",
        **{"etc/ssh/lab.conf": "PermitRootLogin no\n"},
    )
    loaded = load_sshd_config(ctx.access.files)
    assert loaded is not None
    assert loaded.global_setting("permitrootlogin").directive is None
    inside = Connection("root", "h", "192.0.2.7", "192.0.2.1", 22, groups=("root",))
    outside = Connection("root", "h", "198.51.100.7", "192.0.2.1", 22, groups=("root",))
    assert loaded.setting("permitrootlogin", inside).value == ("no",)
    assert loaded.setting("permitrootlogin", outside).value == ("prohibit-password",)


def test_keyword_syntax_variants(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        'permitrootlogin=no\nPASSWORDAUTHENTICATION = "no"  # trailing comment\n'
        "KbdInteractiveAuthentication\tno\n",
    )
    assert first(ssh_root_login(ctx)) == (f"{MAIN}:1", "permitrootlogin no")
    password = ssh_password_auth(ctx)
    assert password.status is Status.passed
    assert first(password) == (f"{MAIN}:2", "PASSWORDAUTHENTICATION no")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("PermitRootLogin\nPermitRootLogin no\n", 'no argument after keyword "PermitRootLogin"'),
        ('PermitRootLogin "no\nPermitRootLogin no\n', "invalid quotes"),
        ("PermitRootLogin no\nPermitRootLogin maybe\n", 'line 2: unsupported option "maybe"'),
        ("PermitRootLogin no#old\n", 'unsupported option "no#old"'),
        ("PermitRootLogin no yes\n", "keyword PermitRootLogin extra arguments at end of line"),
        ("PermitRootLogins no\n", "Bad configuration option: PermitRootLogins"),
        ("Match User bob\n  UsePAM no\n", "Directive 'UsePAM' is not allowed within a Match block"),
        ("Match Address 10.0.0.1/8\n", "Invalid Match Address argument '10.0.0.1/8'"),
        ("Ciphers aes128-ctr,arcfour\n", "Bad ciphers spec 'aes128-ctr,arcfour'"),
        ("\x00\xff garbage line\n", "Bad configuration option"),
    ],
)
def test_configs_sshd_refuses_are_errors_not_verdicts(tmp_path: Path, text: str, why: str) -> None:
    """sshd would not start with these (checked against sshd 9.2 in tests/differential)."""
    for check in CHECKS:
        outcome = check(config(tmp_path, text))
        assert outcome.status is Status.error
        assert str(outcome.reason).startswith("sshd would refuse this config: /etc/ssh/sshd_config")
        assert why in str(outcome.reason)
        assert str(outcome.evidence[0].observed).startswith(str(outcome.reason))


def test_argv_split_quotes_and_comments() -> None:
    assert argv_split('"a b" c # d') == ["a b", "c"]
    assert argv_split("'x' \"\"") == ["x", ""]
    assert argv_split('n"o"') == ["no"]
    assert argv_split("no#x") == ["no#x"]
    assert argv_split('\\"no\\"') == ['"no"']
    assert argv_split('"open') is None


# password authentication paths


def test_keyboard_interactive_with_pam_allows_passwords(tmp_path: Path) -> None:
    ctx = config(tmp_path, "PasswordAuthentication no\nUsePAM yes\n")
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.failed
    assert first(outcome) == (
        MAIN,
        "KbdInteractiveAuthentication not set: the OpenSSH default is yes with UsePAM yes "
        "(/etc/ssh/sshd_config:2): PAM can ask for the password",
    )


def test_challenge_response_is_the_old_name_of_keyboard_interactive(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "ChallengeResponseAuthentication yes\nKbdInteractiveAuthentication no\n"
        "PasswordAuthentication no\nUsePAM yes\n",
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.failed
    assert first(outcome)[0] == f"{MAIN}:1"
    assert outcome.evidence[1].source == f"{MAIN}:2"
    assert "ignored" in str(outcome.evidence[1].observed)


def test_key_only_authentication_methods_pass_whatever_the_password_flags(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "AuthenticationMethods publickey publickey,gssapi-with-mic\nPasswordAuthentication yes\n",
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (
        f"{MAIN}:1",
        "AuthenticationMethods publickey publickey,gssapi-with-mic",
    )
    assert str(outcome.evidence[0].expected) == "no login by password alone"


def test_key_only_methods_except_in_a_match_block_fail(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "AuthenticationMethods publickey\nMatch Group scanners\n  AuthenticationMethods password\n",
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.failed
    assert first(outcome) == (MAIN, "PasswordAuthentication not set: the OpenSSH default is yes")


def test_authentication_methods_with_a_password_step_fall_back_to_the_flags(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "AuthenticationMethods publickey,keyboard-interactive:pam\nUsePAM yes\nPasswordAuthentication no\n",
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.failed
    assert "PAM can ask for the password" in first(outcome)[1]


# algorithms


@pytest.mark.parametrize(
    ("line", "status", "observed"),
    [
        (
            "Ciphers -aes128-ctr,chacha20*",
            Status.passed,
            "Ciphers -aes128-ctr,chacha20* (sshd offers: aes192-ctr,aes256-ctr,"
            "aes128-gcm@openssh.com,aes256-gcm@openssh.com)",
        ),
        (
            "Ciphers ^aes256-cbc",
            Status.failed,
            "Ciphers ^aes256-cbc (sshd offers: aes256-cbc,chacha20-poly1305@openssh.com,"
            "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com) "
            "(weak: aes256-cbc)",
        ),
        (
            "Ciphers aes128-ctr,3des-cbc",
            Status.failed,
            "Ciphers aes128-ctr,3des-cbc (weak: 3des-cbc)",
        ),
        (
            "MACs umac-64-etm@openssh.com,hmac-sha2-256",
            Status.passed,
            "MACs umac-64-etm@openssh.com,hmac-sha2-256",
        ),
        (
            "MACs hmac-sha1-96,hmac-sha2-512",
            Status.failed,
            "MACs hmac-sha1-96,hmac-sha2-512 (weak: hmac-sha1-96)",
        ),
        (
            "KexAlgorithms diffie-hellman-group-exchange-sha1",
            Status.failed,
            "KexAlgorithms diffie-hellman-group-exchange-sha1 (weak: diffie-hellman-group-exchange-sha1)",
        ),
    ],
)
def test_algorithm_lists(tmp_path: Path, line: str, status: Status, observed: str) -> None:
    outcome = ssh_weak_crypto(config(tmp_path, line + "\n"))
    assert outcome.status is status
    assert (f"{MAIN}:1", observed) in [(e.source, str(e.observed)) for e in outcome.evidence]


@pytest.mark.parametrize("keyword", ["Ciphers", "MACs", "KexAlgorithms"])
def test_defaults_written_out_are_judged_like_defaults_left_out(
    tmp_path: Path, keyword: str
) -> None:
    """OpenSSH's default MACs hold umac-64 and hmac-sha1: writing them out changes nothing."""
    loaded = load_sshd_config(config(tmp_path, "").access.files)
    assert loaded is not None
    defaults = ",".join(loaded.global_setting(keyword.lower()).value)
    written = ssh_weak_crypto(config(tmp_path, f"{keyword} {defaults}\n"))
    left_out = ssh_weak_crypto(config(tmp_path, "# nothing\n"))
    assert written.status is left_out.status is Status.passed


# Match blocks: the worst case over connections


def test_match_user_root_lets_root_in_despite_the_global_no(tmp_path: Path) -> None:
    ctx = config(tmp_path, "PermitRootLogin no\nMatch User root\n  PermitRootLogin yes\n")
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.failed
    assert first(outcome) == (
        f"{MAIN}:3",
        "PermitRootLogin yes (only for connections matching 'Match User root') "
        "(root may log in with a password)",
    )


def test_match_blocks_root_cannot_enter_do_not_count(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "PermitRootLogin no\nMatch User alice,!root\n  PermitRootLogin yes\n"
        "Match Group admins\n  PermitRootLogin yes\n",
        **{"etc/passwd": "root:x:0:0::/root:/bin/sh\n", "etc/group": "root:x:0:\nadmins:x:5:bob\n"},
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (f"{MAIN}:1", "PermitRootLogin no")
    assert [e.source for e in outcome.evidence[1:]] == [f"{MAIN}:3", f"{MAIN}:5"]


def test_match_group_root_belongs_to(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "PermitRootLogin no\nMatch Group admins\n  PermitRootLogin prohibit-password\n",
        **{"etc/passwd": "root:x:0:0::/root:/bin/sh\n", "etc/group": "admins:x:5:bob,root\n"},
    )
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.failed
    assert first(outcome)[0] == f"{MAIN}:3"


def test_match_address_may_let_passwords_in(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "Match Address 10.0.0.0/8\n  PasswordAuthentication yes\n",
    )
    outcome = ssh_password_auth(ctx)
    assert outcome.status is Status.failed
    assert first(outcome) == (
        f"{MAIN}:4",
        "PasswordAuthentication yes (only for connections matching 'Match Address 10.0.0.0/8')",
    )


def test_match_all_overrides_an_earlier_global_value(tmp_path: Path) -> None:
    """sshd applies lines after Match all to every connection, over the first global value."""
    ctx = config(tmp_path, "PermitRootLogin yes\nMatch all\nPermitRootLogin no\n")
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == (f"{MAIN}:3", "PermitRootLogin no")


def test_include_through_an_absolute_symlink_stays_in_the_image(tmp_path: Path) -> None:
    ctx = config(
        tmp_path,
        "Include sshd_config.d/*.conf\nPermitRootLogin yes\n",
        **{"opt/ssh/10.conf": "PermitRootLogin no\n"},
    )
    (tmp_path / "etc/ssh/sshd_config.d").mkdir()
    (tmp_path / "etc/ssh/sshd_config.d/10.conf").symlink_to("/opt/ssh/10.conf")
    outcome = ssh_root_login(ctx)
    assert outcome.status is Status.passed
    assert first(outcome) == ("/etc/ssh/sshd_config.d/10.conf:1", "PermitRootLogin no")


# OpenSSH 8.4 (Debian 11): from its sources and manual; no 8.4 sshd runs here


def dpkg(version: str) -> dict[str, str]:
    status = f"Package: openssh-server\nStatus: install ok installed\nVersion: {version}\n\n"
    return {"var/lib/dpkg/status": status}


def test_version_comes_from_the_openssh_server_package(tmp_path: Path) -> None:
    ctx = config(tmp_path, "PermitRootLogin no\n", **dpkg("1:8.4p1-5+deb11u3"))
    loaded = load_sshd_config(ctx.access.files, (8, 4))
    assert loaded is not None and loaded.version == (8, 4)
    # 8.4 cuts every line at its first '#', even inside quotes (sshd 8.4 -T agrees).
    outcome = ssh_root_login(config(tmp_path, "PermitRootLogin no # comment\n"))
    assert outcome.status is Status.passed
    outcome = ssh_root_login(config(tmp_path, 'PermitRootLogin "no # x"\n'))
    assert outcome.status is Status.error
    assert "missing argument" in str(outcome.reason)
    assert "(OpenSSH 8.4)" in str(outcome.evidence[0].observed)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # ChallengeResponse is on by default in 8.4: PAM asks for the password.
        ("PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM yes\n", Status.failed),
        (
            "PasswordAuthentication no\nChallengeResponseAuthentication no\nUsePAM yes\n",
            Status.passed,
        ),
        # KbdInteractive yes without ChallengeResponse offers the method but no PAM prompt.
        (
            "PasswordAuthentication no\nChallengeResponseAuthentication no\n"
            "KbdInteractiveAuthentication yes\nUsePAM yes\n",
            Status.passed,
        ),
        ("PasswordAuthentication no\nUsePAM no\n", Status.passed),
    ],
)
def test_openssh_84_challenge_response_decides_the_pam_prompt(
    tmp_path: Path, text: str, status: Status
) -> None:
    outcome = ssh_password_auth(config(tmp_path, text, **dpkg("1:8.4p1-5+deb11u3")))
    assert outcome.status is status
    if status is Status.failed:
        assert first(outcome) == (
            MAIN,
            "ChallengeResponseAuthentication not set: the OpenSSH default is yes with UsePAM yes "
            "(/etc/ssh/sshd_config:3): PAM can ask for the password",
        )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Match User bob\n  ChallengeResponseAuthentication no\n", "not allowed within a Match"),
        ("PubkeyAcceptedAlgorithms ssh-ed25519\n", "Bad configuration option"),
        ("PermitRootLogin no yes\n", 'garbage at end of line; "yes"'),
    ],
)
def test_openssh_84_refuses_what_92_reads_differently(tmp_path: Path, text: str, why: str) -> None:
    files = config(tmp_path, text).access.files
    old, new = load_sshd_config(files, (8, 4)), load_sshd_config(files, (9, 2))
    assert old is not None and new is not None
    assert old.refused is not None and why in old.refused
    assert (new.refused is None) is ("yes" not in text)


def test_openssh_84_reads_quotes_as_whole_words(tmp_path: Path) -> None:
    files = config(tmp_path, 'PermitRootLogin "no"\nPasswordAuthentication no\n').access.files
    loaded = load_sshd_config(files, (8, 4))
    assert loaded is not None and loaded.refused is None
    assert loaded.global_setting("permitrootlogin").value == ("no",)
    assert loaded.global_setting("kexalgorithms").value[0] == "curve25519-sha256"
