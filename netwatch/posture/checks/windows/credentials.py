"""Windows credential protection: WDigest, LSA protection, unique local admin passwords."""

from __future__ import annotations

from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    CONTROL,
    LSA_KEY,
    one_value_check,
    registry_dword,
    shown,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

WDIGEST_KEY = f"{CONTROL}\\SecurityProviders\\WDigest"

WDIGEST_DEFAULT = 0  # UseLogonCredential unset: no clear-text password (8.1 / 2012 R2 onwards)


@check("windows.credentials.wdigest")
@windows_check(needs_registry=True)
def wdigest(ctx: CheckContext) -> Outcome:
    """UseLogonCredential is 0 or unset."""
    return one_value_check(
        ctx, WDIGEST_KEY, "UseLogonCredential", WDIGEST_DEFAULT, {0}, msg("0 or not set")
    )


RUN_AS_PPL_DEFAULT = 0  # RunAsPPL unset: LSASS is an ordinary process (Windows 10, upgrades)


@check("windows.credentials.lsa_protection")
@windows_check(needs_registry=True)
def lsa_protection(ctx: CheckContext) -> Outcome:
    """RunAsPPL is 1 or 2."""
    return one_value_check(
        ctx, LSA_KEY, "RunAsPPL", RUN_AS_PPL_DEFAULT, {1, 2}, msg("1 or 2 (LSASS protected)")
    )


# Windows LAPS reads its policy from the CSP key (Intune) before the Group Policy key.
WINDOWS_LAPS_KEYS = (
    "HKLM\\SOFTWARE\\Microsoft\\Policies\\LAPS",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LAPS",
)

LEGACY_LAPS_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft Services\\AdmPwd"

BACKUP_DIRECTORIES: dict[int, str | Message] = {
    0: msg("disabled"),
    1: "Microsoft Entra ID",
    2: "Active Directory",
}

BACKUP_DIRECTORY_DEFAULT = 0  # unset: Windows LAPS manages no password


@check("windows.credentials.laps")
@windows_check(needs_registry=True)
def laps(ctx: CheckContext) -> Outcome:
    """Windows LAPS backs the password up to AD or Entra ID, or legacy LAPS is enabled."""
    for key in WINDOWS_LAPS_KEYS:
        directory = registry_dword(ctx, key, "BackupDirectory")
        if directory is not None:
            meaning = BACKUP_DIRECTORIES.get(directory, msg("unknown"))
            item = Evidence(
                value_source(key, "BackupDirectory"),
                msg("{value} ({meaning})", value=directory, meaning=meaning),
                msg("1 or 2"),
            )
            return passed(item) if directory in (1, 2) else failed(item)
    windows_laps = Evidence(
        value_source(WINDOWS_LAPS_KEYS[-1], "BackupDirectory"),
        shown(None, BACKUP_DIRECTORY_DEFAULT, msg("Windows LAPS off")),
        msg("1 or 2"),
    )
    legacy = registry_dword(ctx, LEGACY_LAPS_KEY, "AdmPwdEnabled")
    legacy_item = Evidence(
        value_source(LEGACY_LAPS_KEY, "AdmPwdEnabled"), shown(legacy, 0), msg("1 (legacy LAPS)")
    )
    if legacy == 1:
        return passed(legacy_item)
    return failed(
        windows_laps, legacy_item, reason=msg("no LAPS policy manages the local password")
    )
