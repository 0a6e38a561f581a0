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

import stat
from fnmatch import fnmatchcase

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.hostaccess.confine import UnsafeFileError, os_problem
from netwatch.i18n import Message, msg
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
    Listed,
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
    "maxauthtries": "MaxAuthTries",
    "clientaliveinterval": "ClientAliveInterval",
    "clientalivecountmax": "ClientAliveCountMax",
    "x11forwarding": "X11Forwarding",
    "disableforwarding": "DisableForwarding",
    "banner": "Banner",
    "allowusers": "AllowUsers",
    "allowgroups": "AllowGroups",
    "denyusers": "DenyUsers",
    "denygroups": "DenyGroups",
}

_ROOT_LOGIN_RISK = {
    "yes": msg("root may log in with a password"),
    "prohibit-password": msg(
        "root may still log in with a key, so actions are not tied to a person"
    ),
    "forced-commands-only": msg("root may log in with a key that runs a forced command"),
}

ANY = Connection()


def _load(ctx: CheckContext) -> SshdConfig | Outcome:
    """The configuration, or the outcome when there is none to judge."""
    try:
        sshd = ctx.facts.sshd
    except UnreadableSshdFile as exc:
        return error(exc.message)
    except UnsafeFileError as exc:
        return error(exc.message)
    if not sshd.installed:
        return not_applicable(
            msg("no SSH server installed (no sshd in /usr/sbin, /usr/bin or /sbin)")
        )
    config, how = sshd.config, sshd.semantics
    if config is None:
        return not_applicable(
            msg("sshd is installed but {path} is missing: sshd cannot start", path=SSHD_CONFIG)
        )
    if config.refused:
        reason = msg("sshd would refuse this config: {problem}", problem=config.refused)
        observed = msg("{reason} ({how})", reason=reason, how=how)
        return error(reason, Evidence(SSHD_CONFIG, observed, msg("a config sshd accepts")))
    return config


def _matching(text: str | Message, match: str) -> Message:
    return msg("{text} (only for connections matching '{match}')", text=text, match=match)


def _where(setting: Setting, risk: str | Message = "") -> tuple[str, str | Message]:
    """(source, observed) for a value: its line, or the default it falls back to."""
    name = _NAMES.get(setting.keyword, setting.keyword)
    directive = setting.directive
    text: str | Message
    if directive is None:
        default = msg(
            "{name} not set: the OpenSSH default is {value}", name=name, value=setting.first
        )
        source, text = SSHD_CONFIG, default
    else:
        source, text = directive.source, directive.text
        if directive.match:
            text = _matching(text, directive.match)
    return source, msg("{text} ({risk})", text=text, risk=risk) if risk else text


def _evidence(setting: Setting, expected: str | Message, risk: str | Message = "") -> Evidence:
    source, observed = _where(setting, risk)
    return Evidence(source, observed, expected)


def _notes(config: SshdConfig, shown: list[Setting], *keywords: str) -> list[Evidence]:
    """Lines that look like the setting but are not what the verdict rests on."""
    used = {id(s.directive) for s in shown if s.directive is not None}
    notes: list[Evidence] = []
    observed: Message
    for keyword in keywords:
        ignored = config.ignored(keyword)
        for directive in config.directives:
            if directive.keyword != keyword or id(directive) in used:
                continue
            if directive in ignored:
                observed = msg(
                    "{text} (ignored: sshd already took an earlier value)", text=directive.text
                )
            elif directive.match:
                observed = _matching(directive.text, directive.match)
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
        key_only = [Evidence(*_where(m), msg("no login by password alone")) for m in methods]
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
    kbd_expected = msg("`{keyword} no` (or `UsePAM no`)", keyword=_NAMES[kbd_keyword])
    for setting in config.possible(kbd_keyword, ANY):
        shown.append(setting)
        source, text = _where(setting)
        if setting.first == "no":
            good.append(Evidence(source, text, kbd_expected))
        elif pam.first != "yes" or not by_kbd:
            why = (
                msg("PAM is off")
                if pam.first != "yes"
                else msg("`AuthenticationMethods` leaves it out")
            )
            observed = msg("{text}, but {why}, so it offers no password prompt", text=text, why=why)
            good.append(Evidence(source, observed, kbd_expected))
        else:
            pam_source, pam_text = _where(pam)
            observed = msg(
                "{text} with {pam_text} ({pam_source}): PAM can ask for the password",
                text=text,
                pam_text=pam_text,
                pam_source=pam_source,
            )
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
    expected = msg("no CBC, RC4, 3DES, MD5, SHA1-96 or SHA-1 key exchange algorithms")
    setting = config.global_setting(keyword)
    weak = _weak(setting.value)
    source, observed = _where(setting)
    if setting.directive is None:
        observed = msg("{name} not set: OpenSSH defaults", name=_NAMES[keyword])
    elif setting.directive.args[0][:1] in ("+", "-", "^"):
        offered = ",".join(setting.value)
        observed = msg("{text} (sshd offers: {offered})", text=observed, offered=offered)
    if weak:
        observed = msg("{text} (weak: {weak})", text=observed, weak=", ".join(weak))
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


class MaxAuthTriesParams(StrictModel):
    """How many authentication attempts one SSH connection may make."""

    max_tries: int = Field(
        4,
        ge=1,
        le=100,
        description="Highest MaxAuthTries accepted (CIS: 4 or fewer; OpenSSH's default is 6).",
    )


@check("linux.ssh.max_auth_tries", params=MaxAuthTriesParams)
def ssh_max_auth_tries(ctx: CheckContext) -> Outcome:
    """Pass when MaxAuthTries is at most ``max_tries`` for every connection."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    limit = ctx.params_as(MaxAuthTriesParams).max_tries
    values = config.possible("maxauthtries", ANY)
    expected = msg("`MaxAuthTries` {limit} or fewer", limit=str(limit))
    bad = [s for s in values if int(s.first) > limit]
    notes = _notes(config, bad or values, "maxauthtries")
    if bad:
        return failed(*(_evidence(s, expected) for s in bad), *notes)
    return passed(*(_evidence(s, expected) for s in values), *notes)


class IdleTimeoutParams(StrictModel):
    """How long an SSH session whose client stopped answering may stay open."""

    max_seconds: int = Field(
        900,
        ge=1,
        le=86400,
        description="Longest ClientAliveInterval x ClientAliveCountMax accepted, in seconds "
        "(CIS: 900 or less).",
    )


@check("linux.ssh.idle_timeout", params=IdleTimeoutParams)
def ssh_idle_timeout(ctx: CheckContext) -> Outcome:
    """Pass when sshd ends a silent session within ``max_seconds`` for every connection.

    sshd sends a keep-alive after ClientAliveInterval seconds of silence and closes the
    session after ClientAliveCountMax unanswered ones: interval 0 never asks, and count 0
    (OpenSSH 8.2 and later) never closes. Values of Match blocks are combined as the
    worst case, each keyword on its own.
    """
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    limit = ctx.params_as(IdleTimeoutParams).max_seconds
    intervals = config.possible("clientaliveinterval", ANY)
    counts = config.possible("clientalivecountmax", ANY)
    expected = msg(
        "`ClientAliveInterval` > 0 and `ClientAliveCountMax` > 0, product at most {limit} s",
        limit=str(limit),
    )
    bad: list[Evidence] = []
    for interval in intervals:
        seconds = int(interval.first)
        if seconds == 0:
            bad.append(_evidence(interval, expected, msg("sshd never checks on silent clients")))
            continue
        for count in counts:
            if int(count.first) == 0:
                bad.append(_evidence(count, expected, msg("sshd never closes a silent session")))
            elif seconds * int(count.first) > limit:
                risk = msg(
                    "{seconds} s x {count} = {total} s",
                    seconds=str(seconds),
                    count=count.first,
                    total=str(seconds * int(count.first)),
                )
                bad.append(_evidence(interval, expected, risk))
                bad.append(_evidence(count, expected, risk))
    notes = _notes(config, [*intervals, *counts], "clientaliveinterval", "clientalivecountmax")
    if bad:
        return failed(*dict.fromkeys(bad), *notes)
    shown = [_evidence(s, expected) for s in (*intervals, *counts)]
    return passed(*shown, *notes)


def _admits_anyone(listed: Listed) -> bool:
    """A list with a pattern any name matches (``*``, ``*@10.0.0.0/8``) admits unknown users."""
    for word in listed.value:
        name = word.split("@", 1)[0] if listed.keyword == "allowusers" else word
        if name and not name.startswith("!") and not name.strip("*"):
            return True
    return False


def _for_matching(text: str | Message, match: str) -> Message:
    return msg("{text} (for connections matching '{match}')", text=text, match=match)


def _listed_evidence(
    listed: Listed, expected: str | Message, risk: str | Message = ""
) -> list[Evidence]:
    name = _NAMES[listed.keyword]
    if not listed.directives:
        observed = msg("{name} not set ({risk})", name=name, risk=risk or msg("no limit"))
        return [Evidence(SSHD_CONFIG, observed, expected)]
    evidence = []
    for directive in listed.directives:
        text: str | Message = directive.text
        if directive.match:
            text = _for_matching(text, directive.match)
        shown = msg("{text} ({risk})", text=text, risk=risk) if risk else text
        evidence.append(Evidence(directive.source, shown, expected))
    return evidence


@check("linux.ssh.access_restricted")
def ssh_access_restricted(ctx: CheckContext) -> Outcome:
    """Pass when AllowUsers or AllowGroups limits every connection to named users or groups.

    A Match block's list replaces the global one for the connections it matches, so
    the list every connection gets at least is the global one (or a ``Match all``
    one); a Match block that may apply and admits anyone (``AllowUsers *``) undoes
    it. DenyUsers and DenyGroups alone do not pass: they name who may not log in,
    so every account added later (a package's service account with a shell, a new
    employee, an attacker's) may.
    """
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    expected = msg("`AllowUsers` or `AllowGroups` naming the users or groups that may log in")
    anyone = msg("admits any user name")
    good: list[Evidence] = []
    bad: list[Evidence] = []
    notes: list[Evidence] = []
    for keyword in ("allowusers", "allowgroups"):
        least = config.least_listed(keyword, ANY)
        widening = [
            d for d in config.may_add(keyword, ANY) if _admits_anyone(Listed(keyword, d.args, (d,)))
        ]
        if not least.value:
            bad += _listed_evidence(least, expected)
        elif _admits_anyone(least):
            bad += _listed_evidence(least, expected, anyone)
        elif widening:
            bad += _listed_evidence(least, expected)
            bad += [
                Evidence(d.source, msg("{text} ({risk})", text=_for_matching(d.text, d.match),
                                       risk=anyone), expected)
                for d in widening
            ]  # fmt: skip
        else:
            good += _listed_evidence(least, expected)
        notes += [
            Evidence(d.source, _for_matching(d.text, d.match))
            for d in config.may_add(keyword, ANY)
            if d not in widening
        ]
    for keyword in ("denyusers", "denygroups"):
        denied = config.least_listed(keyword, ANY)
        if denied.directives:
            notes += _listed_evidence(
                denied, "", msg("a deny list does not limit logins to known accounts")
            )
    if good:
        return passed(*good, *notes)
    return failed(*bad, *notes)


@check("linux.ssh.x11_forwarding")
def ssh_x11_forwarding(ctx: CheckContext) -> Outcome:
    """Pass when X11Forwarding is ``no`` for every connection, or DisableForwarding ``yes``
    (which overrides it) for every connection."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    values = config.possible("x11forwarding", ANY)
    disabled = config.possible("disableforwarding", ANY)
    expected = msg("`X11Forwarding no` (or `DisableForwarding yes`)")
    bad = [s for s in values if s.first != "no"]
    notes = _notes(config, [*values, *disabled], "x11forwarding", "disableforwarding")
    if not bad:
        return passed(*(_evidence(s, expected) for s in values), *notes)
    if all(s.first == "yes" for s in disabled):
        overridden = msg("overridden: `DisableForwarding yes` turns X11 forwarding off")
        return passed(
            *(_evidence(s, expected, overridden) for s in bad),
            *(_evidence(s, expected) for s in disabled),
            *notes,
        )
    off = [_evidence(s, expected) for s in disabled if s.first != "yes"]
    risk = msg("remote X11 programs can reach the client's screen and keyboard")
    return failed(*(_evidence(s, expected, risk) for s in bad), *off, *notes)


# sshd sends nothing when the Banner file is empty or larger than this (auth2_read_banner).
BANNER_MAX_BYTES = 1024 * 1024


def _banner_problem(ctx: CheckContext, path: str) -> Message | None:
    """Why sshd shows no notice from ``path`` ('' when it shows one)."""
    files = ctx.access.files
    try:
        info = files.stat(path)
    except FileNotFoundError:
        return msg("the file does not exist: sshd shows no banner")
    except OSError as exc:
        return msg("the file cannot be read: {problem}", problem=os_problem(exc))
    if not stat.S_ISREG(info.st_mode):
        return msg("not a regular file: sshd shows no banner")
    if info.st_size == 0 or info.st_size > BANNER_MAX_BYTES:
        return msg(
            "{size} bytes: sshd sends no banner when it is empty or over 1 MiB",
            size=str(info.st_size),
        )
    try:
        text = files.read_text(path)
    except OSError as exc:
        return msg("the file cannot be read: {problem}", problem=os_problem(exc))
    if not text.strip():
        return msg("only blank space: the notice is empty")
    return None


@check("linux.ssh.banner")
def ssh_banner(ctx: CheckContext) -> Outcome:
    """Pass when every connection gets a Banner file that exists and holds a notice."""
    config = _load(ctx)
    if isinstance(config, Outcome):
        return config
    values = config.possible("banner", ANY)
    expected = msg("`Banner` naming a non-empty legal notice file (e.g. `/etc/issue.net`)")
    good: list[Evidence] = []
    bad: list[Evidence] = []
    for setting in values:
        path = setting.first
        if path == "none":
            bad.append(_evidence(setting, expected, msg("no notice before login")))
            continue
        problem = _banner_problem(ctx, "/" + path.lstrip("/"))
        risk = problem or msg("{path} holds a notice", path=path)
        (bad if problem else good).append(_evidence(setting, expected, risk))
    notes = _notes(config, values, "banner")
    return failed(*bad, *notes) if bad else passed(*good, *notes)
