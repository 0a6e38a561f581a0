"""Windows scripting engines attackers favour: PowerShell 2 and Windows Script Host."""

from __future__ import annotations

from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    registry_dword,
    registry_value,
    shown,
    signed_in_users,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

# Present (PowerShellVersion 2.0) while the optional feature MicrosoftWindowsPowerShellV2
# is installed; removing the feature removes the key. Windows 11 24H2 no longer has it.
POWERSHELL_V2_KEY = "HKLM\\SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine"


@check("windows.scripting.powershell_v2")
@windows_check(needs_registry=True)
def powershell_v2(ctx: CheckContext) -> Outcome:
    """The PowerShell 1/2 engine key names no engine version."""
    version = registry_value(ctx, POWERSHELL_V2_KEY, "PowerShellVersion")
    item = Evidence(
        value_source(POWERSHELL_V2_KEY, "PowerShellVersion"),
        (
            msg("not set (engine not installed)")
            if version is None
            else msg("{version} (engine installed)", version=str(version))
        ),
        msg("not set"),
    )
    return passed(item) if version is None else failed(item)


WSH_KEYS = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows Script Host\\Settings",  # 32-bit hosts
)

WSH_USER_KEY = "Software\\Microsoft\\Windows Script Host\\Settings"

WSH_ENABLED_DEFAULT = 1  # Enabled unset: wscript and cscript run .vbs and .js files


@check("windows.scripting.wsh")
@windows_check(needs_registry=True)
def wsh(ctx: CheckContext) -> Outcome:
    """Both registry views disable WSH and no signed-in user enables it again.

    A user's own Enabled value wins over the machine's unless IgnoreUserSettings=1.
    """
    evidence: list[Evidence] = []
    enabled: list[str] = []
    for key in WSH_KEYS:
        value = registry_dword(ctx, key, "Enabled")
        evidence.append(
            Evidence(value_source(key, "Enabled"), shown(value, WSH_ENABLED_DEFAULT), "0")
        )
        if (WSH_ENABLED_DEFAULT if value is None else value) != 0:
            enabled.append(key)
    ignore_users = registry_dword(ctx, WSH_KEYS[0], "IgnoreUserSettings") == 1
    if not ignore_users:
        for sid in signed_in_users(ctx):
            key = f"HKU\\{sid}\\{WSH_USER_KEY}"
            value = registry_dword(ctx, key, "Enabled")
            if value is not None:
                evidence.append(
                    Evidence(value_source(key, "Enabled"), str(value), msg("0 or not set"))
                )
                if value != 0:
                    enabled.append(key)
    if enabled:
        return failed(
            *evidence,
            reason=msg("`Windows Script Host` enabled by {keys}", keys=", ".join(enabled)),
        )
    return passed(*evidence)
