"""Windows advanced audit policy: logon and account-management events reach the Security log.

``auditpol /get /r`` prints each subcategory's setting as words in the display
language ("Success and Failure"), so the checks read ``auditpol /backup`` instead:
the same system policy as CSV whose last column, Setting Value, is a number
(bit 1 success, bit 2 failure). Rows are found by Subcategory GUID, never by their
localised names. The backup goes to a new file in the service account's TEMP that
the same pipeline deletes; nothing else is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    LSA_KEY,
    WindowsDataError,
    as_object,
    command_source,
    joined,
    registry_dword,
    run_powershell,
    shown,
    to_int,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

AUDIT_QUERY = powershell_query(
    "audit_policy",
    "$file = Join-Path $env:TEMP ('netwatch-auditpol-' + [guid]::NewGuid() + '.csv'); "
    "try { $null = & (Join-Path $env:SystemRoot 'System32\\auditpol.exe') /backup "
    "('/file:' + $file); [pscustomobject]@{ExitCode = $LASTEXITCODE; "
    "Lines = @(if (Test-Path -LiteralPath $file) { Get-Content -LiteralPath $file })} } "
    "finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }",
    "auditpol /backup",
)

SUCCESS, FAILURE = 1, 2
_GUID = re.compile(r"\{[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}")
# "Audit: Force audit policy subcategory settings": unset means enabled (Windows 7 onwards).
FORCE_SUBCATEGORIES = "SCENoApplyLegacyAuditPolicy"


@dataclass(frozen=True)
class Requirement:
    """A subcategory and the events (SUCCESS | FAILURE bits) it must audit."""

    guid: str
    name: str
    needed: int


LOGON_EVENTS = (
    Requirement("{0CCE9215-69AE-11D9-BED3-505054503030}", "Logon", SUCCESS | FAILURE),
    Requirement("{0CCE921B-69AE-11D9-BED3-505054503030}", "Special Logon", SUCCESS),
    Requirement("{0CCE9217-69AE-11D9-BED3-505054503030}", "Account Lockout", FAILURE),
)
ACCOUNT_EVENTS = (
    Requirement(
        "{0CCE9235-69AE-11D9-BED3-505054503030}", "User Account Management", SUCCESS | FAILURE
    ),
    Requirement("{0CCE9237-69AE-11D9-BED3-505054503030}", "Security Group Management", SUCCESS),
)


def settings_text(value: int) -> Message:
    """What a Setting Value audits, in words for the evidence."""
    if value & SUCCESS and value & FAILURE:
        return msg("success and failure")
    if value & SUCCESS:
        return msg("success")
    return msg("failure") if value & FAILURE else msg("no auditing")


def audit_settings(ctx: CheckContext) -> dict[str, int]:
    """Setting Value by upper-case Subcategory GUID, from the backup CSV."""
    answer = as_object(run_powershell(ctx, AUDIT_QUERY), "auditpol /backup")
    lines = answer.get("Lines") or []
    if isinstance(lines, str):
        lines = [lines]
    exit_code = to_int(answer.get("ExitCode"), "auditpol exit code")
    source = command_source("auditpol /backup")
    if exit_code != 0 or not lines:
        written = " | ".join(str(line) for line in lines[:2])[:280]
        raise WindowsDataError(
            msg("`auditpol /backup` failed with exit code {code}", code=exit_code),
            Evidence(
                source,
                msg(
                    "exit code {code}: {output}",
                    code=exit_code,
                    output=written or msg("no backup written"),
                ),
                msg("exit code 0, CSV"),
            ),
        )
    settings: dict[str, int] = {}
    for line in lines:
        guid = _GUID.search(str(line))
        if guid is None:
            continue  # the header, options (Option:CrashOnAuditFail) and global SACL rows
        value = str(line).rstrip().rsplit(",", 1)[-1].strip()
        if not value.isdigit():
            raise WindowsDataError(
                msg("`auditpol /backup`: no `Setting Value` for {guid}", guid=guid.group(0)),
                Evidence(source, str(line)[:200], msg("a number in the last column")),
            )
        settings[guid.group(0).upper()] = int(value)
    return settings


def _judge(ctx: CheckContext, requirements: tuple[Requirement, ...]) -> Outcome:
    """Each subcategory audits at least the events it must."""
    settings = audit_settings(ctx)
    source = command_source("auditpol /backup")
    evidence: list[Evidence] = []
    missing: list[Message] = []
    for item in requirements:
        value = settings.get(item.guid)
        if value is None:
            raise WindowsDataError(
                msg(
                    "`auditpol /backup` did not list {name} {guid}", name=item.name, guid=item.guid
                ),
                Evidence(f"{source} [{item.guid}]", msg("subcategory missing"), item.name),
            )
        evidence.append(
            Evidence(
                f"{source} [{item.name} {item.guid}]",
                msg(
                    "`Setting Value`={value} ({meaning})", value=value, meaning=settings_text(value)
                ),
                msg("{events} audited", events=settings_text(item.needed)),
            )
        )
        lacking = item.needed & ~value
        if lacking:
            missing.append(msg("{name}: {events}", name=item.name, events=settings_text(lacking)))
    force = registry_dword(ctx, LSA_KEY, FORCE_SUBCATEGORIES)
    forced = force != 0
    evidence.append(
        Evidence(
            value_source(LSA_KEY, FORCE_SUBCATEGORIES),
            shown(force, 1, msg("subcategory settings forced") if forced else msg("not forced")),
            msg("1 (a legacy category policy cannot override these subcategories)"),
        )
    )
    note = msg(
        "subcategory settings are not forced, so a legacy category audit policy "
        "can overwrite them at the next Group Policy refresh"
    )
    if missing:
        problem = msg("not audited: {missing}", missing=joined(missing))
        return failed(*evidence, reason=problem if forced else joined([problem, note]))
    return passed(*evidence, reason="" if forced else note)


@check("windows.audit.logon_events", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def audit_logon_events(ctx: CheckContext) -> Outcome:
    """Logon (success and failure), Special Logon (success), Account Lockout (failure)."""
    return _judge(ctx, LOGON_EVENTS)


@check("windows.audit.account_management", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def audit_account_management(ctx: CheckContext) -> Outcome:
    """User Account Management (success and failure), Security Group Management (success)."""
    return _judge(ctx, ACCOUNT_EVENTS)
