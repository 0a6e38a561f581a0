"""Windows Update: automatic updates and the age of the last installed patch."""

from __future__ import annotations

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    SECONDS_PER_DAY,
    START_DISABLED,
    WindowsDataError,
    as_list,
    as_object,
    command_source,
    day_text,
    dword,
    parse_date,
    registry,
    run_powershell,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    passed,
)
from netwatch.posture.registry import check

AU_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"


# AUOptions that download updates without asking. Unset: Windows 10/11 download and
# install automatically. 2 (notify before download) and 5 (local admin chooses) do not.
AUTOMATIC_OPTIONS = {
    3: "download automatically, notify to install",
    4: "download automatically, install on a schedule",
    7: "download automatically, notify to install and restart",
}


NO_AUTO_UPDATE_DEFAULT = 0


@check("windows.updates.automatic")
@windows_check(needs_registry=True)
def updates_automatic(ctx: CheckContext) -> Outcome:
    """Automatic Updates is not switched off by policy and the update service can run."""
    values = registry(ctx).values(AU_KEY)
    no_auto = dword(values, AU_KEY, "NoAutoUpdate")
    options = dword(values, AU_KEY, "AUOptions")
    start, start_source = service_start(ctx, "wuauserv")
    options_text = (
        "not set (Windows default: download and install automatically)"
        if options is None
        else f"{options} ({AUTOMATIC_OPTIONS.get(options, 'updates not downloaded automatically')})"
    )
    evidence = (
        Evidence(
            value_source(AU_KEY, "NoAutoUpdate"),
            shown(no_auto, NO_AUTO_UPDATE_DEFAULT),
            "0 or not set",
        ),
        Evidence(value_source(AU_KEY, "AUOptions"), options_text, "3, 4, 7 or not set"),
        Evidence(start_source, start_text(start), "Start=2 or 3 (not disabled)"),
    )
    problems = []
    if no_auto == 1:
        problems.append("automatic updates turned off by policy")
    if options is not None and options not in AUTOMATIC_OPTIONS:
        problems.append(f"AUOptions={options} does not download automatically")
    if start is None or start == START_DISABLED:
        problems.append("the Windows Update service is disabled or missing")
    if problems:
        return failed(*evidence, reason="; ".join(problems))
    return passed(*evidence)


# Now comes from the examined machine's own clock, in the same answer as the install dates.
PATCH_QUERY = powershell_query(
    "hotfixes",
    "[pscustomobject]@{Now = [DateTime]::UtcNow; HotFixes = @(Get-CimInstance "
    "Win32_QuickFixEngineering | Select-Object HotFixID,InstalledOn)}",
    "Win32_QuickFixEngineering",
)


class PatchAgeParams(StrictModel):
    """How long ago the last update may have been installed."""

    max_age_days: int = Field(
        45, ge=1, description="Maximum days since the newest installed update (hotfix)."
    )


@check("windows.updates.last_patch_age", params=PatchAgeParams, timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def updates_last_patch_age(ctx: CheckContext) -> Outcome:
    """The newest hotfix was installed at most ``max_age_days`` ago (by the machine's clock)."""
    max_age = ctx.params_as(PatchAgeParams).max_age_days
    answer = as_object(run_powershell(ctx, PATCH_QUERY), "Win32_QuickFixEngineering")
    source = command_source(PATCH_QUERY.script)
    try:
        now = parse_date(answer.get("Now"))
        dated = [
            (when, str(fix.get("HotFixID") or "?"))
            for fix in as_list(answer.get("HotFixes"))
            if (when := parse_date(fix.get("InstalledOn"))) is not None
        ]
    except ValueError as exc:
        raise WindowsDataError(f"Win32_QuickFixEngineering: {exc}") from None
    if now is None:
        raise WindowsDataError("Win32_QuickFixEngineering: the machine's clock was not reported")
    if not answer.get("HotFixes"):
        return failed(Evidence(source, "no installed update listed", f"within {max_age} days"))
    if not dated:
        return error(
            "no installed update has an install date",
            Evidence(source, "InstalledOn empty for every update"),
        )
    newest, hotfix = max(dated)
    age = int((now - newest).total_seconds() // SECONDS_PER_DAY)
    evidence = Evidence(
        source,
        f"newest {hotfix} installed {day_text(newest)}, {age} days before {day_text(now)}",
        f"within {max_age} days",
    )
    return failed(evidence) if age > max_age else passed(evidence)
