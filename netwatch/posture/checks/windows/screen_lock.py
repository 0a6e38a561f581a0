"""Screen lock after inactivity."""

from __future__ import annotations

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._windows import (
    SYSTEM_POLICIES,
    USER_HIVE,
    dword,
    registry,
    to_int,
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

DESKTOP_POLICY = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"


DESKTOP_SETTING = "Control Panel\\Desktop"


# Unset values as in a new profile: screen saver active, 900 s, not password protected,
# and no screen saver program (SCRNSAVE.EXE), which means none ever starts.
SCREEN_SAVER_DEFAULTS = {"ScreenSaveActive": 1, "ScreenSaverIsSecure": 0, "ScreenSaveTimeOut": 900}


class ScreenLockParams(StrictModel):
    """How soon an unattended session must lock."""

    max_seconds: int = Field(900, ge=1, description="Lock after at most this many idle seconds.")


def _user_screen_saver(ctx: CheckContext, sid: str, max_seconds: int) -> tuple[bool, Evidence]:
    """Whether one signed-in user's effective screen saver locks in time.

    The per-user Group Policy key overrides the user's own setting, value by value.
    """
    policy_key, user_key = f"HKU\\{sid}\\{DESKTOP_POLICY}", f"HKU\\{sid}\\{DESKTOP_SETTING}"
    policy, own = registry(ctx).values(policy_key), registry(ctx).values(user_key)
    merged = {**own, **policy}
    program = str(merged.get("SCRNSAVE.EXE") or "")
    numbers = {
        name: default if merged.get(name) in (None, "") else to_int(merged[name], name)
        for name, default in SCREEN_SAVER_DEFAULTS.items()
    }
    locks = (
        bool(program)
        and numbers["ScreenSaveActive"] == 1
        and numbers["ScreenSaverIsSecure"] == 1
        and 1 <= numbers["ScreenSaveTimeOut"] <= max_seconds
    )
    observed = ", ".join(
        [f"SCRNSAVE.EXE={program or 'not set'}"]
        + [f"{name}={value}" for name, value in numbers.items()]
    )
    origin = "Group Policy" if policy else "user setting"
    return locks, Evidence(
        policy_key if policy else user_key,
        f"{observed} ({origin})",
        f"a secure screen saver within {max_seconds} s",
    )


@check("windows.screen_lock.timeout", params=ScreenLockParams)
@windows_check(needs_registry=True)
def screen_lock_timeout(ctx: CheckContext) -> Outcome:
    """The machine inactivity limit, or every signed-in user's screen saver, locks in time.

    The machine-wide limit covers everyone. Without it, screen savers are
    per-user, so the loaded hives (users signed in now) are checked.
    """
    max_seconds = ctx.params_as(ScreenLockParams).max_seconds
    limit = dword(registry(ctx).values(SYSTEM_POLICIES), SYSTEM_POLICIES, "InactivityTimeoutSecs")
    machine = Evidence(
        value_source(SYSTEM_POLICIES, "InactivityTimeoutSecs"),
        "not set (no machine inactivity limit)" if limit is None else f"{limit} s",
        f"1 to {max_seconds} s",
    )
    if limit is not None and 1 <= limit <= max_seconds:
        return passed(machine)
    users = [sid for sid in registry(ctx).subkeys("HKU") if USER_HIVE.fullmatch(sid)]
    results = [_user_screen_saver(ctx, sid, max_seconds) for sid in users]
    evidence = [machine, *(item for _locks, item in results)]
    if not users:
        return failed(*evidence, reason="no machine inactivity limit and no signed-in user")
    if all(locks for locks, _item in results):
        return passed(*evidence, reason="every signed-in user has a secure screen saver")
    return failed(*evidence, reason="no machine inactivity limit; a user's session does not lock")
