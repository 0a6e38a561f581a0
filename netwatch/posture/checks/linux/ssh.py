"""SSH server checks, decided on the configuration as the installed sshd reads it.

:mod:`netwatch.posture.parsers.sshd` reads it (Include files, Match blocks, defaults of
the OpenSSH version). Each check asks the worst case: the value for any connection that
Match blocks may select (root's own groups for root login; any user, host and address
otherwise). Match blocks are taken one keyword at a time, so two blocks that no single
connection matches together may still be judged together: a check may fail where a
narrower reading would pass, never the reverse. Every verdict names the file and line the
value comes from; later lines that sshd ignores and Match lines that do not change the
verdict are listed too, as they are what administrators usually mistake for the setting
in force. A configuration sshd would refuse to start with is an error, not judged.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from netwatch.hostaccess.confine import UnsafeFileError
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers.sshd import (
    SSHD_CONFIG,
    Connection,
    Setting,
    SshdConfig,
    UnreadableSshdFile,
    user_groups,
)
from netwatch.posture.registry import check

# Algorithms with practical attacks. OpenSSH's own defaults (umac-64, hmac-sha1 as a MAC,
# whose HMAC construction SHA-1's collisions do not break) are not on the list, so a
# configuration that writes the defaults out is judged like one that leaves them.
WEAK_ALGORITHMS = (
    "3des-cbc",
    "aes*-cbc",
    "rijndael-cbc@lysator.liu.se",
    "arcfour*",
    "blowfish-cbc",
    "cast128-cbc",
    "hmac-md5*",
    "hmac-sha1-96*",
    "hmac-ripemd160*",
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
)


_NAMES = {
    "permitrootlogin": "PermitRootLogin",
    "passwordauthentication": "PasswordAuthentication",
    "kbdinteractiveauthentication": "KbdInteractiveAuthentication",
    "challengeresponseauthentication": "ChallengeResponseAuthentication",
    "permitemptypasswords": "PermitEmptyPasswords",
    "authenticationmethods": "AuthenticationMethods",
    "usepam": "UsePAM",
    "ciphers": "Ciphers",
    "macs": "MACs",
    "kexalgorithms": "KexAlgorithms",
}


_ROOT_LOGIN_RISK = {
    "yes": "root may log in with a password",
    "prohibit-password": "root may still log in with a key, so actions are not tied to a person",
    "forced-commands-only": "root may log in with a key that runs a forced command",
}


ANY = Connection()


def _load(ctx: CheckContext) -> SshdConfig | Outcome:
    """The configuration, or the outcome when there is none to judge."""
    try:
        sshd = ctx.facts.sshd
    except (UnreadableSshdFile, UnsafeFileError) as exc:
        return error(str(exc))
    if not sshd.installed:
        return not_applicable("no SSH server installed (no sshd in /usr/sbin, /usr/bin or /sbin)")
    config, how = sshd.config, sshd.semantics
    if config is None:
        return not_applicable(f"sshd is installed but {SSHD_CONFIG} is missing: sshd cannot start")
    if config.refused:
        reason = f"sshd would refuse this config: {config.refused}"
        return error(reason, Evidence(SSHD_CONFIG, f"{reason} ({how})", "a config sshd accepts"))
    return config


def _where(setting: Setting, risk: str = "") -> tuple[str, str]:
    """(source, observed) for a value: its line, or the default it falls back to."""
    name = _NAMES.get(setting.keyword, setting.keyword)
    directive = setting.directive
    if directive is None:
        source, text = SSHD_CONFIG, f"{name} not set: the OpenSSH default is {setting.first}"
    else:
        source, text = directive.source, directive.text
        if directive.match:
            text += f" (only for connections matching '{directive.match}')"
    return source, f"{text} ({risk})" if risk else text


def _evidence(setting: Setting, expected: str, risk: str = "") -> Evidence:
    source, observed = _where(setting, risk)
    return Evidence(source, observed, expected)


def _notes(config: SshdConfig, shown: list[Setting], *keywords: str) -> list[Evidence]:
    """Lines that look like the setting but are not what the verdict rests on."""
    used = {id(s.directive) for s in shown if s.directive is not None}
    notes: list[Evidence] = []
    for keyword in keywords:
        ignored = config.ignored(keyword)
        for directive in config.directives:
            if directive.keyword != keyword or id(directive) in used:
                continue
            if directive in ignored:
                observed = f"{directive.text} (ignored: sshd already took an earlier value)"
            elif directive.match:
                observed = f"{directive.text} (only for connections matching '{directive.match}')"
            else:
                continue
            notes.append(Evidence(directive.source, observed))
    return notes


@check("linux.ssh.root_login")
def ssh_root_login(ctx: CheckContext) -> Outcome:
    """Pass only when PermitRootLogin is ``no`` for every connection root can make."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    root = Connection(user="root", groups=user_groups(ctx.access.files, "root"))
    values = config.possible("permitrootlogin", root)
    expected = "PermitRootLogin no"
    bad = [s for s in values if s.first != "no"]
    notes = _notes(config, bad or values, "permitrootlogin")
    if not bad:
        return passed(*(_evidence(s, expected) for s in values), *notes)
    return failed(*(_evidence(s, expected, _ROOT_LOGIN_RISK[s.first]) for s in bad), *notes)


def _allows(methods: Setting, method: str) -> bool:
    """Whether an AuthenticationMethods value has a list that uses ``method``."""
    if methods.value == ("any",):
        return True
    return any(
        method in (step.split(":")[0] for step in chain.split(",")) for chain in methods.value
    )


@check("linux.ssh.password_auth")
def ssh_password_auth(ctx: CheckContext) -> Outcome:
    """Fail when some connection may log in by password, directly or through PAM."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    methods = config.possible("authenticationmethods", ANY)
    by_password = [m for m in methods if _allows(m, "password")]
    by_kbd = [m for m in methods if _allows(m, "keyboard-interactive")]
    kbd_keyword = (
        "kbdinteractiveauthentication"
        if config.version >= (8, 7)
        else "challengeresponseauthentication"
    )
    keywords = ("authenticationmethods", "passwordauthentication", kbd_keyword, "usepam")
    if not by_password and not by_kbd:
        key_only = [Evidence(*_where(m), "no login by password alone") for m in methods]
        return passed(*key_only, *_notes(config, methods, *keywords))
    good: list[Evidence] = []
    bad: list[Evidence] = []
    shown: list[Setting] = []
    expected = "PasswordAuthentication no"
    for setting in config.possible("passwordauthentication", ANY):
        shown.append(setting)
        (bad if setting.first == "yes" and by_password else good).append(
            _evidence(setting, expected)
        )
    pam = config.global_setting("usepam")
    kbd_expected = f"{_NAMES[kbd_keyword]} no (or UsePAM no)"
    for setting in config.possible(kbd_keyword, ANY):
        shown.append(setting)
        source, text = _where(setting)
        if setting.first == "no":
            good.append(Evidence(source, text, kbd_expected))
        elif pam.first != "yes" or not by_kbd:
            why = "PAM is off" if pam.first != "yes" else "AuthenticationMethods leaves it out"
            good.append(
                Evidence(
                    source, f"{text}, but {why}, so it offers no password prompt", kbd_expected
                )
            )
        else:
            pam_source, pam_text = _where(pam)
            observed = f"{text} with {pam_text} ({pam_source}): PAM can ask for the password"
            bad.append(Evidence(source, observed, kbd_expected))
    notes = _notes(config, shown, *keywords)
    if bad:
        return failed(*bad, *notes)
    return passed(*good, *notes)


@check("linux.ssh.empty_passwords")
def ssh_empty_passwords(ctx: CheckContext) -> Outcome:
    """Pass when PermitEmptyPasswords is ``no`` (the default) for every connection."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    values = config.possible("permitemptypasswords", ANY)
    expected = "PermitEmptyPasswords no"
    bad = [s for s in values if s.first != "no"]
    notes = _notes(config, bad or values, "permitemptypasswords")
    if bad:
        return failed(*(_evidence(s, expected) for s in bad), *notes)
    return passed(*(_evidence(s, expected) for s in values), *notes)


def _weak(names: tuple[str, ...]) -> list[str]:
    return [n for n in names if any(fnmatchcase(n.lower(), w) for w in WEAK_ALGORITHMS)]


def _algorithms(config: SshdConfig, keyword: str) -> tuple[bool, Setting, Evidence]:
    """Whether the list sshd offers for ``keyword`` is free of weak names, with evidence."""
    expected = "no CBC, RC4, 3DES, MD5, SHA1-96 or SHA-1 key exchange algorithms"
    setting = config.global_setting(keyword)
    weak = _weak(setting.value)
    source, observed = _where(setting)
    if setting.directive is None:
        observed = f"{_NAMES[keyword]} not set: OpenSSH defaults"
    elif setting.directive.args[0][:1] in ("+", "-", "^"):
        observed += f" (sshd offers: {','.join(setting.value)})"
    if weak:
        observed += f" (weak: {', '.join(weak)})"
    return not weak, setting, Evidence(source, observed, expected)


@check("linux.ssh.weak_crypto")
def ssh_weak_crypto(ctx: CheckContext) -> Outcome:
    """Fail when the Ciphers, MACs or KexAlgorithms list sshd offers holds a weak algorithm."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    verdicts = [_algorithms(config, keyword) for keyword in ("ciphers", "macs", "kexalgorithms")]
    notes = _notes(config, [s for _, s, _ in verdicts], "ciphers", "macs", "kexalgorithms")
    bad = [evidence for ok, _, evidence in verdicts if not ok]
    if bad:
        return failed(*bad, *notes)
    return passed(*(evidence for _, _, evidence in verdicts), *notes)
