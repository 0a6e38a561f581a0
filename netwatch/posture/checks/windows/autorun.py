"""AutoRun/AutoPlay of removable media."""

from __future__ import annotations

from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    dword,
    registry,
    shown,
    value_source,
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

EXPLORER_POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer"

ALL_DRIVE_TYPES = 0xFF

NO_DRIVE_TYPE_AUTORUN_DEFAULT = 0x91  # unset: AutoRun off only for unknown and network drives

NO_AUTORUN_DEFAULT = 0  # unset: autorun.inf commands are honoured


@check("windows.autorun.disabled")
@windows_check(needs_registry=True)
def autorun_disabled(ctx: CheckContext) -> Outcome:
    """AutoRun is off for every drive type, or autorun commands are never executed."""
    values = registry(ctx).values(EXPLORER_POLICIES)
    drive_types = dword(values, EXPLORER_POLICIES, "NoDriveTypeAutoRun")
    no_autorun = dword(values, EXPLORER_POLICIES, "NoAutorun")
    effective = NO_DRIVE_TYPE_AUTORUN_DEFAULT if drive_types is None else drive_types
    all_off = effective & ALL_DRIVE_TYPES == ALL_DRIVE_TYPES
    never = (NO_AUTORUN_DEFAULT if no_autorun is None else no_autorun) == 1
    evidence = (
        Evidence(
            value_source(EXPLORER_POLICIES, "NoDriveTypeAutoRun"),
            shown(drive_types, NO_DRIVE_TYPE_AUTORUN_DEFAULT, f"0x{effective:02X}"),
            msg("255 (0xFF, all drives)"),
        ),
        Evidence(
            value_source(EXPLORER_POLICIES, "NoAutorun"), shown(no_autorun, NO_AUTORUN_DEFAULT), "1"
        ),
    )
    if not (all_off or never):
        return failed(*evidence)
    return passed(*evidence)
