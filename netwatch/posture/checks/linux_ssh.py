"""SSH server checks, decided on the effective sshd configuration (Include files and all).

Every verdict names the file and line sshd takes the value from. Later lines that
sshd ignores (an earlier value wins) and Match-block overrides are listed too, as
they are what administrators usually mistake for the setting in force.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from netwatch.posture.checks._linux_users import UnreadableFile
from netwatch.posture.checks._sshd import (
    SSHD_CONFIG,
    Directive,
    SshdConfig,
    load_sshd_config,
    sshd_installed,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    CheckMeta,
    Evidence,
    Outcome,
    Severity,
    Text,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.registry import check

WEAK_ALGORITHMS = (
    "3des-cbc",
    "aes*-cbc",
    "rijndael-cbc@lysator.liu.se",
    "arcfour*",
    "blowfish-cbc",
    "cast128-cbc",
    "hmac-md5*",
    "hmac-sha1*",
    "umac-64*",
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
)
_PASSWORD_METHODS = ("password", "keyboard-interactive")
_ROOT_LOGIN_RISK = {
    "yes": "root may log in with a password",
    "prohibit-password": "root may still log in with a key, so actions are not tied to a person",
    "without-password": "root may still log in with a key, so actions are not tied to a person",
    "forced-commands-only": "root may log in with a key that runs a forced command",
}


def _load(ctx: CheckContext) -> SshdConfig | Outcome:
    """The effective configuration, or the outcome when there is none to judge."""
    files = ctx.access.files
    if not sshd_installed(files):
        return not_applicable("no SSH server installed (no sshd in /usr/sbin, /usr/bin or /sbin)")
    try:
        config = load_sshd_config(files)
    except UnreadableFile as exc:
        return error(str(exc))
    if config is None:
        return not_applicable(f"sshd is installed but {SSHD_CONFIG} is missing: sshd cannot start")
    return config


def _notes(config: SshdConfig, *keywords: str) -> list[Evidence]:
    """Lines that look like the setting but are not in force, and lines sshd rejects."""
    notes = [
        Evidence(d.source, f"{d.text} (ignored: sshd already took an earlier value)")
        for d in config.ignored(*keywords)
    ]
    notes += [
        Evidence(d.source, f"{d.text} (only for connections matching 'Match {d.match}')")
        for d in config.conditional(*keywords)
    ]
    notes += [
        Evidence(source, "line rejected by sshd (missing argument, bad quoting or Include loop)")
        for source in config.skipped
    ]
    return notes


def _is(directive: Directive | None, value: str) -> bool:
    return directive is not None and directive.value.lower() == value


@check(
    CheckMeta(
        id="linux.ssh.root_login",
        title=Text(
            "SSH does not allow root login",
            "SSH không cho phép đăng nhập bằng tài khoản root",
        ),
        rationale=Text(
            "Logging in directly as root bypasses personal accounts, so nobody can tell which "
            "administrator did what, and root is the first account attackers try.",
            "Đăng nhập trực tiếp bằng root bỏ qua tài khoản cá nhân, nên không thể biết quản trị "
            "viên nào đã thao tác, và root là tài khoản đầu tiên kẻ tấn công thử dò.",
        ),
        remediation=Text(
            "Set `PermitRootLogin no` where sshd reads it first (an Include at the top of "
            "sshd_config makes /etc/ssh/sshd_config.d/*.conf win over later lines), confirm with "
            "`sshd -T | grep -i permitrootlogin` and reload sshd. Administrators log in with "
            "their own accounts and use sudo.",
            "Đặt `PermitRootLogin no` tại nơi sshd đọc giá trị này đầu tiên (dòng Include ở đầu "
            "sshd_config khiến các tệp /etc/ssh/sshd_config.d/*.conf được ưu tiên hơn các dòng "
            "phía sau), kiểm tra bằng `sshd -T | grep -i permitrootlogin` rồi nạp lại sshd. Quản "
            "trị viên đăng nhập bằng tài khoản riêng và dùng sudo.",
        ),
        category="network",
        severity=Severity.high,
        platforms=("linux",),
    )
)
def ssh_root_login(ctx: CheckContext) -> Outcome:
    """Pass only when the effective PermitRootLogin is ``no``."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    notes = _notes(config, "PermitRootLogin")
    expected = "PermitRootLogin no"
    found = config.effective("PermitRootLogin")
    if found is None:
        observed = "not set: the OpenSSH default prohibit-password lets root log in with a key"
        return failed(Evidence(SSHD_CONFIG, observed, expected), *notes)
    if _is(found, "no"):
        return passed(Evidence(found.source, found.text, expected), *notes)
    risk = _ROOT_LOGIN_RISK.get(found.value.lower(), "not a value sshd accepts")
    return failed(Evidence(found.source, f"{found.text} ({risk})", expected), *notes)


def _key_only_methods(config: SshdConfig) -> Evidence | None:
    """Evidence when AuthenticationMethods allows no list using a password, else None."""
    methods = config.effective("AuthenticationMethods")
    if methods is None or _is(methods, "any"):
        return None
    steps = [step for chain in methods.args for step in chain.split(",")]
    if any(step.split(":")[0] in _PASSWORD_METHODS for step in steps):
        return None
    observed = f"{methods.text}: no allowed login uses a password"
    return Evidence(methods.source, observed, "no login by password alone")


@check(
    CheckMeta(
        id="linux.ssh.password_auth",
        title=Text(
            "SSH does not accept passwords",
            "SSH không chấp nhận đăng nhập bằng mật khẩu",
        ),
        rationale=Text(
            "Passwords offered over SSH can be guessed from the network around the clock; "
            "SSH keys cannot.",
            "Mật khẩu dùng cho SSH có thể bị dò đoán từ mạng suốt ngày đêm; khóa SSH thì không.",
        ),
        remediation=Text(
            "Give every administrator an SSH key, then set `PasswordAuthentication no` and "
            "`KbdInteractiveAuthentication no` where sshd reads them first, confirm with "
            "`sshd -T` and reload sshd.",
            "Cấp khóa SSH cho mọi quản trị viên, sau đó đặt `PasswordAuthentication no` và "
            "`KbdInteractiveAuthentication no` tại nơi sshd đọc đầu tiên, kiểm tra bằng `sshd -T` "
            "rồi nạp lại sshd.",
        ),
        category="network",
        severity=Severity.high,
        platforms=("linux",),
    )
)
def ssh_password_auth(ctx: CheckContext) -> Outcome:
    """Fail when passwords work, directly or through PAM keyboard-interactive."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    notes = _notes(
        config,
        "AuthenticationMethods",
        "PasswordAuthentication",
        "KbdInteractiveAuthentication",
        "UsePAM",
    )
    key_only = _key_only_methods(config)
    if key_only is not None:
        return passed(key_only, *notes)
    good: list[Evidence] = []
    bad: list[Evidence] = []
    password = config.effective("PasswordAuthentication")
    expected = "PasswordAuthentication no"
    if password is None:
        bad.append(Evidence(SSHD_CONFIG, "not set: the OpenSSH default is yes", expected))
    else:
        (good if _is(password, "no") else bad).append(
            Evidence(password.source, password.text, expected)
        )
    kbd = config.effective("KbdInteractiveAuthentication")  # or ChallengeResponseAuthentication
    pam = config.effective("UsePAM")
    kbd_source = kbd.source if kbd else SSHD_CONFIG
    kbd_text = kbd.text if kbd else "KbdInteractiveAuthentication not set (default yes)"
    kbd_expected = "KbdInteractiveAuthentication no (or UsePAM no)"
    if _is(kbd, "no"):
        good.append(Evidence(kbd_source, kbd_text, kbd_expected))
    elif pam is None or not _is(pam, "yes"):
        observed = f"{kbd_text}, but PAM is off, so it offers no password prompt"
        good.append(Evidence(kbd_source, observed, kbd_expected))
    else:
        observed = f"{kbd_text} with {pam.text} ({pam.source}): PAM can ask for the password"
        bad.append(Evidence(kbd_source, observed, kbd_expected))
    if bad:
        return failed(*bad, *notes)
    return passed(*good, *notes)


@check(
    CheckMeta(
        id="linux.ssh.empty_passwords",
        title=Text(
            "SSH refuses accounts with empty passwords",
            "SSH từ chối tài khoản có mật khẩu rỗng",
        ),
        rationale=Text(
            "With PermitEmptyPasswords yes, any account without a password can be entered over "
            "the network by knowing its name.",
            "Khi bật PermitEmptyPasswords, bất kỳ tài khoản nào không có mật khẩu đều có thể bị "
            "truy cập qua mạng chỉ cần biết tên tài khoản.",
        ),
        remediation=Text(
            "Set `PermitEmptyPasswords no` (the default) or delete the line, reload sshd, and "
            "give every account a password or lock it with `passwd -l`.",
            "Đặt `PermitEmptyPasswords no` (giá trị mặc định) hoặc xóa dòng này, nạp lại sshd, "
            "đồng thời đặt mật khẩu hoặc khóa mọi tài khoản bằng `passwd -l`.",
        ),
        category="network",
        severity=Severity.critical,
        platforms=("linux",),
    )
)
def ssh_empty_passwords(ctx: CheckContext) -> Outcome:
    """Pass when the effective PermitEmptyPasswords is ``no`` (the default)."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    notes = _notes(config, "PermitEmptyPasswords")
    expected = "PermitEmptyPasswords no"
    found = config.effective("PermitEmptyPasswords")
    if found is None:
        return passed(Evidence(SSHD_CONFIG, "not set: the OpenSSH default is no", expected), *notes)
    if _is(found, "no"):
        return passed(Evidence(found.source, found.text, expected), *notes)
    return failed(Evidence(found.source, found.text, expected), *notes)


def _weak(names: list[str]) -> list[str]:
    return [n for n in names if any(fnmatchcase(n.lower(), w) for w in WEAK_ALGORITHMS)]


def _algorithms(config: SshdConfig, keyword: str) -> tuple[bool, Evidence]:
    """Whether one algorithm list is free of weak names, with the evidence."""
    expected = "no CBC, RC4, 3DES, MD5, SHA-1 or 64-bit-tag algorithms"
    found = config.effective(keyword)
    if found is None:
        return True, Evidence(SSHD_CONFIG, f"{keyword} not set: OpenSSH defaults", expected)
    spec = found.value
    if spec.startswith("-"):
        observed = f"{found.text} (removes algorithms from the OpenSSH defaults)"
        return True, Evidence(found.source, observed, expected)
    weak = _weak(spec.lstrip("+^").split(","))
    if not weak:
        return True, Evidence(found.source, found.text, expected)
    observed = f"{found.text} (weak: {', '.join(weak)})"
    return False, Evidence(found.source, observed, expected)


@check(
    CheckMeta(
        id="linux.ssh.weak_crypto",
        title=Text(
            "SSH uses no weak ciphers, MACs or key exchange",
            "SSH không dùng thuật toán mã hóa, MAC hay trao đổi khóa yếu",
        ),
        rationale=Text(
            "CBC-mode ciphers, RC4, 3DES and MD5 or SHA-1 based algorithms have practical "
            "attacks; offering them lets an attacker push a connection down to them.",
            "Các thuật toán mã hóa chế độ CBC, RC4, 3DES và các thuật toán dựa trên MD5 hoặc SHA-1 "
            "đều đã có cách tấn công thực tế; còn cho phép chúng thì kẻ tấn công có thể ép kết nối "
            "dùng mật mã yếu.",
        ),
        remediation=Text(
            "Remove the weak names from the Ciphers, MACs and KexAlgorithms lines (or delete the "
            "lines to get the OpenSSH defaults), confirm with `sshd -T` and reload sshd. Upgrade "
            "old clients rather than re-enabling legacy algorithms.",
            "Xóa các thuật toán yếu khỏi các dòng Ciphers, MACs và KexAlgorithms (hoặc xóa hẳn "
            "các dòng đó để dùng mặc định của OpenSSH), kiểm tra bằng `sshd -T` rồi nạp lại sshd. "
            "Hãy nâng cấp máy khách cũ thay vì bật lại thuật toán lỗi thời.",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("linux",),
    )
)
def ssh_weak_crypto(ctx: CheckContext) -> Outcome:
    """Fail when an explicit Ciphers, MACs or KexAlgorithms list names a weak algorithm."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    keywords = ("Ciphers", "MACs", "KexAlgorithms")
    verdicts = [_algorithms(config, keyword) for keyword in keywords]
    notes = _notes(config, *keywords)
    bad = [evidence for ok, evidence in verdicts if not ok]
    if bad:
        return failed(*bad, *notes)
    return passed(*(evidence for _, evidence in verdicts), *notes)
