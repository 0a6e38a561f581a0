"""Account checks: password policy, extra UID 0 accounts, empty passwords, sudo NOPASSWD: ALL.

All of them read files only (passwd, shadow, login.defs, PAM stacks, sudoers),
so they decide the same way on a running host and on a mounted disk image.
"""

from __future__ import annotations

import re

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.facts.accounts import ShadowEntry
from netwatch.facts.files import UnreadableFile, list_dir, read_optional
from netwatch.hostaccess import Files
from netwatch.hostaccess.confine import os_problem
from netwatch.i18n import Message, msg
from netwatch.posture.checks._keyvalue import Setting, parse_settings
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers.logindefs import (
    LOGIN_DEFS,
    LoginDefs,
    useradd_aging,
)
from netwatch.posture.parsers.pam import (
    PamRule,
    PamStack,
)
from netwatch.posture.parsers.sudoers import (
    SUDOERS,
    Sudoers,
    SudoUser,
)
from netwatch.posture.registry import check

PASSWD = "/etc/passwd"

SHADOW = "/etc/shadow"

PWQUALITY = "/etc/security/pwquality.conf"

PWQUALITY_DIR = "/etc/security/pwquality.conf.d"

FAILLOCK = "/etc/security/faillock.conf"

PASSWORD_STACKS = ("/etc/pam.d/common-password", "/etc/pam.d/system-auth")

AUTH_STACKS = ("/etc/pam.d/common-auth", "/etc/pam.d/system-auth")

# Built-in minimum lengths when no minlen= is given (pam_pwquality never goes below 6).
DEFAULT_MINLEN = {"pam_pwquality": 8, "pam_cracklib": 9, "pam_unix": 6}

FAILLOCK_DEFAULT_DENY = 3

Verdict = tuple[bool, Evidence]


class PasswordPolicyParams(StrictModel):
    """What the password policy must enforce."""

    max_days: int | None = Field(
        90,
        ge=1,
        le=99999,
        description="Longest password age in days (PASS_MAX_DAYS and every account with a "
        "password in /etc/shadow); null to not require expiry, as NIST SP 800-63B advises.",
    )
    min_length: int = Field(
        8,
        ge=1,
        le=256,
        description="Shortest password PAM must accept. 8 is the NIST SP 800-63B minimum for "
        "user-chosen passwords; raise it (e.g. 12) where the office policy asks for more.",
    )
    lockout_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Most failed logins pam_faillock (or pam_tally2) may allow before locking.",
    )


class SudoNopasswdParams(StrictModel):
    """Accepted exceptions to the NOPASSWD: ALL rule."""

    allowed: tuple[str, ...] = Field(
        (),
        description="Users and %groups, written as in sudoers (e.g. ansible, %automation), "
        "whose NOPASSWD: ALL grants are accepted.",
    )


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _first_stack(ctx: CheckContext, candidates: tuple[str, ...], kind: str) -> PamStack | None:
    """The ``kind`` rules of the first PAM stack file that exists, as libpam reads it."""
    for path in candidates:
        if ctx.access.files.exists(path):
            return ctx.facts.pam(path.rsplit("/", 1)[1]).own_stack(kind)
    return None


def _working(stack: PamStack) -> list[PamRule]:
    """The rules that run a module (no broken line, missing module or substack marker)."""
    return [r for r in stack.rules if not (r.broken or r.missing or r.substack)]


def _expiry(
    defs: LoginDefs | None, limit: int, shadow: tuple[ShadowEntry, ...] | None
) -> list[Verdict]:
    """PASS_MAX_DAYS for new accounts and the shadow maximum age of existing ones."""
    verdicts: list[Verdict] = []
    expected = msg("`PASS_MAX_DAYS` between 1 and {limit}", limit=str(limit))
    _, maximum, _ = useradd_aging(defs)
    if maximum.definition is None:
        observed = msg("`PASS_MAX_DAYS` not set: passwords of new accounts never expire")
        verdicts.append((False, Evidence(LOGIN_DEFS, observed, expected)))
    elif maximum.problem is not None:
        observed = msg(
            "{setting}: `useradd` cannot parse it, new accounts never expire", setting=maximum.shown
        )
        verdicts.append((False, Evidence(maximum.definition.source, observed, expected)))
    else:
        ok = 0 < maximum.value <= limit
        verdicts.append((ok, Evidence(maximum.definition.source, maximum.shown, expected)))
    if shadow is None:
        return verdicts
    stale = []
    at_most = msg("at most {limit} days", limit=str(limit))
    for entry in shadow:
        days = _int(entry.max_days)
        if entry.usable_password and not (days is not None and 0 <= days <= limit):
            observed = msg(
                "account '{name}': maximum password age {days}",
                name=entry.name,
                days=entry.max_days or msg("unset"),
            )
            stale.append(Evidence(entry.source, observed, at_most))
    verdicts.extend((False, evidence) for evidence in stale)
    if not stale:
        observed = msg(
            "no account with a password may keep it longer than {limit} days", limit=str(limit)
        )
        verdicts.append((True, Evidence(SHADOW, observed, at_most)))
    return verdicts


def _pwquality_settings(files: Files) -> dict[str, Setting]:
    """pwquality.conf.d/*.conf in ASCII order, then pwquality.conf; later values win."""
    settings: dict[str, Setting] = {}
    paths = [f"{PWQUALITY_DIR}/{n}" for n in list_dir(files, PWQUALITY_DIR) if n.endswith(".conf")]
    for path in [*paths, PWQUALITY]:
        settings.update(parse_settings(read_optional(files, path) or "", path))
    return settings


def _module_minlen(rule: PamRule, pwquality: dict[str, Setting]) -> tuple[int, str, str | Message]:
    """A password module's minimum length, where it comes from, and how it was set."""
    argument = _int(rule.arg("minlen") or "")
    configured = pwquality.get("minlen") if rule.module == "pam_pwquality" else None
    how: str | Message
    if argument is not None:
        length, source, how = argument, rule.source, f"minlen={argument}"
    elif configured is not None and _int(configured.value) is not None:
        length, source = int(configured.value), configured.source
        how = f"minlen = {configured.value}"
    else:
        length = DEFAULT_MINLEN[rule.module]
        source = rule.source
        how = msg("no `minlen`: built-in default {length}", length=str(length))
    if rule.module == "pam_pwquality" and length < 6:
        length, how = 6, msg("{how}, raised to the `pwquality` floor of 6", how=how)
    return (
        length,
        source,
        msg("{module} ({source}): {how}", module=rule.module, source=rule.source, how=how),
    )


def _min_length(ctx: CheckContext, minimum: int) -> tuple[list[Verdict], list[Evidence]]:
    """The effective minimum length of the PAM password stack, and explanatory notes."""
    files = ctx.access.files
    expected = msg("at least {minimum} characters", minimum=str(minimum))
    notes: list[Evidence] = []
    defs = ctx.facts.login_defs
    setting = defs.get("PASS_MIN_LEN") if defs else None
    if setting is not None:
        observed = msg(
            "`PASS_MIN_LEN {value}` (ignored: PAM sets the length, not `login.defs`)",
            value=setting.value,
        )
        notes.append(Evidence(setting.source, observed))
    stack = _first_stack(ctx, PASSWORD_STACKS, "password")
    if stack is None:
        observed = msg("no PAM `password` stack (`common-password` or `system-auth`)")
        return [(False, Evidence(PASSWORD_STACKS[0], observed, expected))], notes
    path = stack.origin
    if stack.refused:
        refused = msg("`libpam` refuses it: {problem}", problem=stack.refused)
        return [(False, Evidence(path, refused, expected))], notes
    pwquality = _pwquality_settings(files)
    modules = [r for r in _working(stack) if r.module in DEFAULT_MINLEN]
    configured = pwquality.get("minlen")
    if configured is not None and not any(r.module == "pam_pwquality" for r in modules):
        observed = msg(
            "`minlen = {value}` has no effect: `pam_pwquality` is not in {path}",
            value=configured.value,
            path=path,
        )
        notes.append(Evidence(configured.source, observed))
    if not modules:
        observed = msg("no `pam_pwquality`, `pam_cracklib` or `pam_unix` `password` rule")
        return [(False, Evidence(path, observed, expected))], notes
    length, source, how = max(
        (_module_minlen(rule, pwquality) for rule in modules),
        key=lambda found: (found[0], found[1], str(found[2])),
    )
    observed = msg("minimum password length {length}: {how}", length=str(length), how=how)
    return [(length >= minimum, Evidence(source, observed, expected))], notes


def _faillock_deny(
    rule: PamRule, conf: dict[str, Setting]
) -> tuple[int | None, str, str | Message]:
    """pam_faillock's deny: the module argument, else faillock.conf, else the default 3."""
    argument = rule.arg("deny")
    if argument is not None:
        return _int(argument), rule.source, f"deny={argument}"
    if "deny" in conf:
        return _int(conf["deny"].value), conf["deny"].source, f"deny = {conf['deny'].value}"
    how = msg("no `deny` set: default {deny}", deny=str(FAILLOCK_DEFAULT_DENY))
    return FAILLOCK_DEFAULT_DENY, rule.source, how


def _lockout(ctx: CheckContext, attempts: int) -> list[Verdict]:
    """pam_faillock (recording failures with authfail) or pam_tally2 in the auth stack."""
    files = ctx.access.files
    expected = msg(
        "`pam_faillock` `authfail` with `deny` between 1 and {attempts}", attempts=str(attempts)
    )
    stack = _first_stack(ctx, AUTH_STACKS, "auth")
    if stack is None:
        observed: str | Message = msg("no PAM `auth` stack (`common-auth` or `system-auth`)")
        return [(False, Evidence(AUTH_STACKS[0], observed, expected))]
    path = stack.origin
    if stack.refused:
        refused = msg("`libpam` refuses it: {problem}", problem=stack.refused)
        return [(False, Evidence(path, refused, expected))]
    rules = _working(stack)
    faillock = [r for r in rules if r.module == "pam_faillock" and "authfail" in r.args]
    tally = [r for r in rules if r.module == "pam_tally2"]
    if faillock:
        conf = parse_settings(read_optional(files, FAILLOCK) or "", FAILLOCK)
        deny, source, how = _faillock_deny(faillock[0], conf)
        observed = msg(
            "{module} ({source}): {how}", module="pam_faillock", source=faillock[0].source, how=how
        )
    elif tally:
        deny, source = _int(tally[0].arg("deny") or "0"), tally[0].source
        observed = msg(
            "{key}={value}",
            key="pam_tally2: deny",
            value=tally[0].arg("deny") or msg("0 (never locks)"),
        )
    else:
        observed = msg(
            "no `pam_faillock` `authfail` or `pam_tally2` rule: password guessing is unlimited"
        )
        return [(False, Evidence(path, observed, expected))]
    ok = deny is not None and 0 < deny <= attempts
    return [(ok, Evidence(source, observed, expected))]


@check("linux.accounts.password_policy", params=PasswordPolicyParams)
def password_policy(ctx: CheckContext) -> Outcome:
    """Fail listing every unmet element: expiry, minimum length, lockout."""
    params = ctx.params_as(PasswordPolicyParams)
    files = ctx.access.files
    if not any(files.exists(p) for p in (LOGIN_DEFS, *PASSWORD_STACKS, *AUTH_STACKS)):
        return not_applicable(
            msg("no {path} and no PAM stack: not a shadow/PAM based system", path=LOGIN_DEFS)
        )
    try:
        limit = params.max_days
        verdicts = (
            _expiry(ctx.facts.login_defs, limit, ctx.facts.shadow) if limit is not None else []
        )
        length, notes = _min_length(ctx, params.min_length)
        verdicts += length + _lockout(ctx, params.lockout_attempts)
    except UnreadableFile as exc:
        return error(exc.message)
    unmet = [evidence for ok, evidence in verdicts if not ok]
    if unmet:
        return failed(*unmet, *notes)
    return passed(*(evidence for _, evidence in verdicts), *notes)


@check("linux.accounts.extra_uid0")
def extra_uid0(ctx: CheckContext) -> Outcome:
    """Fail for every account other than root with UID 0 in /etc/passwd."""
    try:
        entries = ctx.facts.users
    except UnreadableFile as exc:
        return error(exc.message)
    if entries is None:
        return not_applicable(msg("no {path} under the audited root", path=PASSWD))
    expected = msg("only root has UID 0")
    extra = [
        Evidence(
            f"{PASSWD}:{e.line}",
            msg("account '{name}' has UID 0 (full root rights)", name=e.name),
            expected,
        )
        for e in entries
        if e.uid == 0 and e.name != "root"
    ]
    if extra:
        return failed(*extra)
    root = [e for e in entries if e.name == "root"]
    source = f"{PASSWD}:{root[0].line}" if root else PASSWD
    observed = msg("UID 0 belongs to root only ({count} accounts)", count=str(len(entries)))
    return passed(Evidence(source, observed, expected))


@check("linux.accounts.empty_password_hash")
def empty_password_hash(ctx: CheckContext) -> Outcome:
    """Fail for accounts whose password field is empty (never printing any hash)."""
    try:
        passwd, shadow = ctx.facts.users, ctx.facts.shadow
    except UnreadableFile as exc:
        return error(exc.message)
    if passwd is None and shadow is None:
        return not_applicable(
            msg("no {passwd} or {shadow} under the audited root", passwd=PASSWD, shadow=SHADOW)
        )
    expected = msg("a password hash, or a lock (! or *)")
    found = [(PASSWD, e.line, e.name) for e in passwd or () if not e.password]
    accounts = shadow or ()
    found += [(SHADOW, e.line, e.name) for e in accounts if not e.password]
    if found:
        return failed(
            *(
                Evidence(
                    f"{path}:{line}",
                    msg("account '{name}': empty password field", name=name),
                    expected,
                )
                for path, line, name in found
            )
        )
    if shadow is None:
        observed = msg(
            "no {shadow}; no empty password field in {passwd}", shadow=SHADOW, passwd=PASSWD
        )
        return passed(Evidence(PASSWD, observed, expected))
    observed = msg(
        "all {count} accounts have a password hash or are locked", count=str(len(accounts))
    )
    return passed(Evidence(SHADOW, observed, expected))


@check("linux.accounts.sudo_nopasswd", params=SudoNopasswdParams)
def sudo_nopasswd(ctx: CheckContext) -> Outcome:
    """Fail for every user sudo lets run any command as root without a password."""
    params = ctx.params_as(SudoNopasswdParams)
    try:
        policy = ctx.facts.sudoers
        users, root = _sudo_users(ctx, policy)
    except UnreadableFile as exc:
        return error(exc.message)
    except OSError as exc:
        return error(msg("cannot read sudoers: {problem}", problem=os_problem(exc)))
    if not policy.files and policy.usable:
        return not_applicable(msg("sudo is not installed (no {path})", path=SUDOERS))
    if not policy.usable:
        return error(
            msg(
                "sudo would refuse {path}: {problem}",
                path=SUDOERS,
                problem=policy.refused[0].reason,
            )
        )
    expected = msg("a password prompt before running any command as root")
    refused = [
        Evidence(r.source, msg("refused: {problem}", problem=r.reason))
        for r in policy.refused
        if not r.sudo_reads
    ]
    grants: dict[int, list[tuple[str, bool, str]]] = {}
    for label, user in users:
        verdict = policy.root_verdict(user, root)
        if verdict.allowed and verdict.nopasswd and verdict.spec is not None:
            via = "" if verdict.auth_source == verdict.spec.source else f", {verdict.auth_source}"
            grant = (label, _allowed(user, params.allowed), via)
            grants.setdefault(policy.specs.index(verdict.spec), []).append(grant)
    bad: list[Evidence] = []
    accepted: list[Evidence] = []
    for index, found in sorted(grants.items()):
        spec = policy.specs[index]
        others = [label for label, ok, _ in found if not ok]
        via = "".join(sorted({via for _, _, via in found}))
        if others:
            observed = msg(
                "{text} ({users}: any command as root, no password{via})",
                text=spec.text,
                users=", ".join(others),
                via=via,
            )
            bad.append(Evidence(spec.source, observed, expected))
        else:
            labels = ", ".join(label for label, _, _ in found)
            observed = msg(
                "{text} (accepted: {users} allowed{via})", text=spec.text, users=labels, via=via
            )
            accepted.append(Evidence(spec.source, observed, expected))
    if bad:
        return failed(*bad, *accepted, *refused)
    observed = msg("no `NOPASSWD: ALL` grant in {files}", files=", ".join(policy.files))
    return passed(Evidence(SUDOERS, observed, expected), *accepted, *refused)


def _allowed(user: SudoUser, allowed: tuple[str, ...]) -> bool:
    names = {user.name, *(f"%{g}" for g in user.groups), *(f"%#{g}" for g in user.gids)}
    if user.uid is not None:
        names.add(f"#{user.uid}")
    return not names.isdisjoint(allowed)


def _sudo_users(ctx: CheckContext, policy: Sudoers) -> tuple[list[tuple[str, SudoUser]], SudoUser]:
    """Each account, plus one stand-in for each principal in sudoers that no account is."""
    groups = [(g.name, g.gid, g.members) for g in ctx.facts.groups or ()]
    users: list[tuple[str, SudoUser]] = []
    for entry in ctx.facts.users or ():
        gid = entry.gid
        mine = [(n, g) for n, g, members in groups if entry.name in members or g == gid]
        names = frozenset(n for n, _ in mine)
        gids = frozenset(
            {g for _, g in mine if g is not None} | ({gid} if gid is not None else set())
        )
        users.append((entry.name, SudoUser(entry.name, entry.uid, names, gids)))
    root = next(
        (u for n, u in users if n == "root"),
        SudoUser("root", 0, frozenset({"root"}), frozenset({0})),
    )
    for principal in policy.principals():
        if any(_user_item_named(principal, user) for _, user in users):
            continue
        users.append((principal, _stand_in(principal, groups)))
    return users, root


def _user_item_named(principal: str, user: SudoUser) -> bool:
    if principal.startswith("%#"):
        return _int(principal[2:]) in user.gids
    if principal.startswith("%"):
        return principal[1:] in user.groups
    if principal.startswith("#"):
        return user.uid is not None and _int(principal[1:]) == user.uid
    return principal == user.name


def _stand_in(principal: str, groups: list[tuple[str, int | None, frozenset[str]]]) -> SudoUser:
    """A user who is only what ``principal`` names (a name, a uid, a group's member)."""
    if principal.startswith("%#"):
        gid = _int(principal[2:])
        names = frozenset(n for n, g, _ in groups if g == gid)
        return SudoUser(principal, None, names, frozenset({gid} if gid is not None else ()))
    if principal.startswith("%"):
        gids = frozenset(g for n, g, _ in groups if n == principal[1:] and g is not None)
        return SudoUser(principal, None, frozenset({principal[1:]}), gids)
    if principal.startswith("#"):
        return SudoUser(principal, _int(principal[1:]))
    names = frozenset(n for n, _, members in groups if principal in members)
    return SudoUser(principal, None, names)


PAM_D = "/etc/pam.d"


def _pam_services(files: Files, common: str) -> list[str]:
    """The PAM services of /etc/pam.d (``common-*`` are includes, not services), and the
    include ``common`` itself, judged as a service that includes it would load it."""
    try:
        names = list_dir(files, PAM_D)
    except UnreadableFile:
        return []
    services = [n for n in names if not n.startswith("common-") and "." not in n]
    return [*services, *([common] if common in names else [])]


@check("linux.accounts.pam_nullok")
def pam_nullok(ctx: CheckContext) -> Outcome:
    """Fail when an auth stack libpam runs (a service's, with its includes) calls pam_unix
    with ``nullok``: an account with an empty password field then logs in with no password.

    Stacks are read as Linux-PAM reads them (parsers.pam: include, substack, @include).
    """
    files = ctx.access.files
    services = _pam_services(files, "common-auth")
    if not services:
        return not_applicable(msg("no PAM configuration in {path}", path=PAM_D))
    expected = msg("`pam_unix` without `nullok` in every `auth` stack")
    bad: list[Evidence] = []
    seen: set[str] = set()
    judged: list[str] = []
    for service in services:
        try:
            stack = ctx.facts.pam(service).stack("auth")
            # pam_unix compares its options by prefix: nullok_secure is nullok (libpam agrees)
            rules = stack.using("pam_unix", "nullok", prefix=True)
        except OSError as exc:
            return error(
                msg(
                    "cannot read the PAM stack of {service}: {problem}",
                    service=service,
                    problem=os_problem(exc),
                )
            )
        if stack.refused:
            continue
        judged.append(service)
        for rule in rules:
            if rule.source in seen:
                continue
            seen.add(rule.source)
            shown: str | Message = rule.shown
            if rule.via:
                shown = msg(
                    "{rule} (`auth` stack of {service}, via {via})",
                    rule=rule.shown,
                    service=service,
                    via=" -> ".join(rule.via),
                )
            bad.append(Evidence(rule.source, shown, expected))
    if not judged:
        return not_applicable(msg("`libpam` loads no `auth` stack from {path}", path=PAM_D))
    if bad:
        return failed(*bad)
    observed = msg(
        "no `pam_unix` `nullok` in the `auth` stacks of {services}", services=", ".join(judged)
    )
    return passed(Evidence(PAM_D, observed, expected))


class DefaultUmaskParams(StrictModel):
    """The loosest default umask accepted."""

    umask: str = Field(
        "027",
        pattern="^0?[0-7]{3}$",
        description="Octal umask; every bit it sets must be set by the effective default "
        "(027: no write for the group, nothing for others).",
    )


PROFILE_FILES = ("/etc/profile",)
PROFILE_DIR = "/etc/profile.d"
BASHRC = "/etc/bash.bashrc"
_UMASK_COMMAND = re.compile(r"(?:^\s*|[;&|{(]\s*|\b(?:then|else|do)\s+)umask\s+([0-7]{1,4})\b")


def _shell_umasks(files: Files) -> list[tuple[int, Evidence]]:
    """``umask NNN`` commands of the files a login shell reads, in the order it reads them."""
    paths = list(PROFILE_FILES)
    if files.exists(PROFILE_DIR):
        paths += [f"{PROFILE_DIR}/{n}" for n in list_dir(files, PROFILE_DIR) if n.endswith(".sh")]
    paths.append(BASHRC)
    found: list[tuple[int, Evidence]] = []
    for path in paths:
        text = read_optional(files, path)
        for number, line in enumerate((text or "").splitlines(), start=1):
            code = line.split("#", 1)[0]
            for match in _UMASK_COMMAND.finditer(code):
                found.append((int(match.group(1), 8), Evidence(f"{path}:{number}", line.strip())))
    return found


def _pam_umask(ctx: CheckContext, defs: LoginDefs | None) -> tuple[int, Evidence] | None:
    """The umask pam_umask sets in a session stack (umask= argument, else login.defs UMASK)."""
    for service in _pam_services(ctx.access.files, "common-session"):
        stack = ctx.facts.pam(service).stack("session")
        if stack.refused:
            continue
        for rule in stack.using("pam_umask"):
            argument = rule.arg("umask")
            if argument is not None and re.fullmatch("0?[0-7]{3}", argument):
                return int(argument, 8), Evidence(rule.source, rule.shown)
            number = (defs or LoginDefs(LOGIN_DEFS, {})).number("UMASK", 0o022)
            source = number.definition.source if number.definition else LOGIN_DEFS
            observed = msg(
                "{value} (applied by {rule} at {source})",
                value=number.shown,
                rule=rule.shown,
                source=rule.source,
            )
            return number.value & 0o777, Evidence(source, observed)
    return None


@check("linux.accounts.default_umask", params=DefaultUmaskParams)
def default_umask(ctx: CheckContext) -> Outcome:
    """The umask new files of a login get: shell start-up files (/etc/profile, profile.d,
    bash.bashrc) run last and win; before them pam_umask in a session stack applies
    login.defs UMASK; with neither, processes keep the 022 sshd and systemd start with
    (login.defs UMASK alone only sets new home directories' modes).

    Every ``umask`` command of the shell files must be strict enough: one inside an
    ``if`` may be the one that runs.
    """
    files = ctx.access.files
    wanted = int(ctx.params_as(DefaultUmaskParams).umask, 8)
    expected = msg("umask {umask} or stricter", umask=f"{wanted:03o}")
    try:
        defs = ctx.facts.login_defs
        shell = _shell_umasks(files)
        pam = _pam_umask(ctx, defs)
    except UnreadableFile as exc:
        return error(exc.message)
    if shell:
        verdicts = [
            (value & wanted == wanted, Evidence(e.source, f"{e.observed} ({value:03o})", expected))
            for value, e in shell
        ]
        bad = [e for ok, e in verdicts if not ok]
        return failed(*bad) if bad else passed(*(e for _, e in verdicts))
    if pam is not None:
        value, found = pam
        shown = msg("{text} ({umask})", text=found.observed, umask=f"{value:03o}")
        evidence = Evidence(found.source, shown, expected)
        return passed(evidence) if value & wanted == wanted else failed(evidence)
    umask = (defs or LoginDefs(LOGIN_DEFS, {})).number("UMASK", 0o022)
    note = Evidence(
        umask.definition.source if umask.definition else LOGIN_DEFS,
        msg(
            "{value}: used only for new home directories, as no `pam_umask` is in a "
            "`session` stack",
            value=umask.shown,
        ),
    )
    observed = msg("no umask in the shell start-up files and no `pam_umask`: logins keep 022")
    return failed(Evidence(PROFILE_DIR, observed, expected), note)
