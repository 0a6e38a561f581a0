"""Windows accounts: the Administrators group, built-in Administrator and Guest, password policy."""

from __future__ import annotations

import fnmatch
import unicodedata
from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    WindowsDataError,
    as_list,
    as_object,
    command_source,
    is_account_sid,
    joined,
    relative_id,
    run_powershell,
    sid_of,
    to_bool,
    to_int,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    failed,
    passed,
)
from netwatch.posture.registry import check

USERS_QUERY = powershell_query(
    "local_users", "Get-LocalUser | Select-Object Name,SID,Enabled", "Get-LocalUser"
)

ADMINS_QUERY = powershell_query(
    "administrators",
    "Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name,SID,ObjectClass,PrincipalSource",
    "Get-LocalGroupMember",
)

ADMIN_RID, GUEST_RID = 500, 501

# Names Windows gives the built-in Administrator at installation. They follow the
# installation language: fully localised editions translate it (French, Spanish and
# Portuguese, Swedish, Finnish, Hungarian, Russian); Vietnamese is a language pack over
# an English installation, so a Vietnamese machine keeps "Administrator".
DEFAULT_ADMIN_NAMES = frozenset(
    {
        "administrator",
        "administrateur",
        "administrador",
        "administratör",
        "järjestelmänvalvoja",
        "rendszergazda",
        "администратор",
    }
)


def _local_user(ctx: CheckContext, rid: int) -> tuple[dict[str, Any], str]:
    """The local account with relative id ``rid`` (by SID, whatever its name) and its SID.

    Every Windows machine has the built-in Administrator (RID 500) and Guest (RID 501),
    renamed or disabled perhaps but never deleted; a list without them is incomplete
    (PowerShell blocked or broken), so it is an error, never "absent, all good".
    """
    users = as_list(run_powershell(ctx, USERS_QUERY))
    for user in users:
        sid = sid_of(user.get("SID"))
        if is_account_sid(sid) and relative_id(sid) == rid:
            return user, sid
    raise WindowsDataError(
        msg(
            "`Get-LocalUser` listed {count} accounts but none with RID {rid}, which every "
            "Windows machine has: the answer is incomplete",
            count=len(users),
            rid=rid,
        ),
        Evidence(
            command_source(USERS_QUERY.script),
            msg("{count} accounts", count=len(users)),
            f"RID {rid}",
        ),
    )


def _normalized(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


@check("windows.accounts.guest_disabled", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def guest_disabled(ctx: CheckContext) -> Outcome:
    """The local account with RID 501 is disabled."""
    source = command_source(USERS_QUERY.script)
    user, sid = _local_user(ctx, GUEST_RID)
    enabled = to_bool(user.get("Enabled"), "Enabled")
    evidence = Evidence(
        f"{source} [{sid}]", f"{user.get('Name')!s}: Enabled={enabled}", "Enabled=False"
    )
    return failed(evidence) if enabled else passed(evidence)


@check("windows.accounts.builtin_admin", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def builtin_admin(ctx: CheckContext) -> Outcome:
    """The local account with RID 500 is disabled, or no longer has a default name."""
    source = command_source(USERS_QUERY.script)
    user, sid = _local_user(ctx, ADMIN_RID)
    name = str(user.get("Name") or "")
    enabled = to_bool(user.get("Enabled"), "Enabled")
    renamed = _normalized(name) not in DEFAULT_ADMIN_NAMES
    evidence = Evidence(
        f"{source} [{sid}]",
        msg(
            "{name}: Enabled={enabled}, {naming}",
            name=name,
            enabled=str(enabled),
            naming=msg("renamed") if renamed else msg("default name"),
        ),
        msg("Enabled=False, or a name other than the Windows default"),
    )
    return failed(evidence) if enabled and not renamed else passed(evidence)


class AdminMembersParams(StrictModel):
    """Who may be a member of the local Administrators group."""

    allowed: list[str] = Field(
        default_factory=lambda: ["S-1-5-21-*-500", "S-1-5-21-*-512"],
        description="Allowed members of Administrators (S-1-5-32-544): SIDs or names "
        "(DOMAIN\\name or name), '*' wildcards allowed, case-insensitive. Default: the "
        "built-in Administrator (RID 500) and Domain Admins (RID 512).",
    )


def _allowed(member: dict[str, Any], sid: str, patterns: list[str]) -> bool:
    name = str(member.get("Name") or "")
    candidates = {_normalized(sid), _normalized(name), _normalized(name.rsplit("\\", 1)[-1])}
    return any(
        fnmatch.fnmatchcase(candidate, _normalized(pattern))
        for pattern in patterns
        for candidate in candidates
    )


@check(
    "windows.accounts.admin_members", params=AdminMembersParams, timeout=POWERSHELL_CHECK_TIMEOUT
)
@windows_check()
def admin_members(ctx: CheckContext) -> Outcome:
    """Every member of S-1-5-32-544 matches the allowed SIDs or names."""
    patterns = ctx.params_as(AdminMembersParams).allowed
    source = command_source(ADMINS_QUERY.script)
    evidence, extra = [], []
    members = as_list(run_powershell(ctx, ADMINS_QUERY))
    if not members:
        raise WindowsDataError(
            msg(
                "`Get-LocalGroupMember` listed no members of `Administrators` (S-1-5-32-544), "
                "which always has at least one: the answer is incomplete"
            ),
            Evidence(source, msg("no members"), msg("the group's members")),
        )
    for member in members:
        sid = sid_of(member.get("SID"))
        allowed = _allowed(member, sid, patterns)
        name = str(member.get("Name") or sid)
        evidence.append(
            Evidence(
                f"{source} [{sid}]",
                msg(
                    "{name} ({verdict})",
                    name=name,
                    verdict=msg("allowed") if allowed else msg("not allowed"),
                ),
                msg("one of: {patterns}", patterns=", ".join(patterns)),
            )
        )
        if not allowed:
            extra.append(name)
    if extra:
        return failed(*evidence, reason=msg("not allowed: {names}", names=", ".join(extra)))
    return passed(*evidence)


# The effective policy for local accounts as the SAM applies it (NetUserModalsGet),
# read through the WinNT provider: every local user object carries it. `net accounts`
# prints the same numbers but in translated text; secedit /export writes a file; RSoP
# classes only cover domain Group Policy.
PASSWORD_QUERY = powershell_query(
    "account_policy",
    "$users = ([ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')).Children; "
    "$users.SchemaFilter.Add('User') | Out-Null; $u = $users | Select-Object -First 1; "
    "[pscustomobject]@{MinPasswordLength = $u.MinPasswordLength.Value; "
    "MaxBadPasswordsAllowed = $u.MaxBadPasswordsAllowed.Value}",
    "account policy (ADSI WinNT)",
)


class PasswordPolicyParams(StrictModel):
    """Minimum password length and account lockout threshold."""

    min_length: int = Field(8, ge=1, le=128, description="Minimum password length required.")
    max_lockout: int = Field(
        10,
        ge=1,
        description="Accounts must lock after at most this many wrong passwords; a threshold "
        "of 0 (never lock) fails.",
    )


@check(
    "windows.accounts.password_policy",
    params=PasswordPolicyParams,
    timeout=POWERSHELL_CHECK_TIMEOUT,
)
@windows_check()
def password_policy(ctx: CheckContext) -> Outcome:
    """Minimum length >= ``min_length`` and lockout threshold in 1..``max_lockout``."""
    params = ctx.params_as(PasswordPolicyParams)
    policy = as_object(run_powershell(ctx, PASSWORD_QUERY), "account policy")
    length = to_int(policy.get("MinPasswordLength"), "MinPasswordLength")
    lockout = to_int(policy.get("MaxBadPasswordsAllowed"), "MaxBadPasswordsAllowed")
    source = command_source(PASSWORD_QUERY.script)
    evidence = (
        Evidence(
            f"{source} [MinPasswordLength]",
            str(length),
            msg("at least {minimum}", minimum=params.min_length),
        ),
        Evidence(
            f"{source} [MaxBadPasswordsAllowed]",
            msg("{count} (never locks out)", count=lockout) if lockout == 0 else str(lockout),
            msg("1 to {maximum}", maximum=params.max_lockout),
        ),
    )
    problems = []
    if length < params.min_length:
        problems.append(
            msg("minimum length {length} < {minimum}", length=length, minimum=params.min_length)
        )
    if not 1 <= lockout <= params.max_lockout:
        problems.append(
            msg(
                "lockout threshold {count} not in 1..{maximum}",
                count=lockout,
                maximum=params.max_lockout,
            )
        )
    if problems:
        return failed(*evidence, reason=joined(problems))
    return passed(*evidence)
