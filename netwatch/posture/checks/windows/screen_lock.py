"""Screen lock after inactivity, and with a password."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    SYSTEM_POLICIES,
    dword,
    registry,
    signed_in_users,
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


@dataclass(frozen=True)
class ScreenSaver:
    """One signed-in user's effective screen saver settings and where they come from."""

    program: str
    numbers: dict[str, int]
    source: str
    origin: Message

    def describe(self) -> Message:
        """Evidence text: every value read (or its default) and its origin."""
        numbers = ", ".join(f"{name}={value}" for name, value in self.numbers.items())
        return msg(
            "SCRNSAVE.EXE={program}, {numbers} ({origin})",
            program=self.program or msg("not set"),
            numbers=numbers,
            origin=self.origin,
        )


def user_screen_saver(ctx: CheckContext, sid: str) -> ScreenSaver:
    """A signed-in user's screen saver: the per-user Group Policy key overrides the user's own
    setting, value by value."""
    policy_key, user_key = f"HKU\\{sid}\\{DESKTOP_POLICY}", f"HKU\\{sid}\\{DESKTOP_SETTING}"
    policy, own = registry(ctx).values(policy_key), registry(ctx).values(user_key)
    merged = {**own, **policy}
    numbers = {
        name: default if merged.get(name) in (None, "") else to_int(merged[name], name)
        for name, default in SCREEN_SAVER_DEFAULTS.items()
    }
    return ScreenSaver(
        str(merged.get("SCRNSAVE.EXE") or ""),
        numbers,
        policy_key if policy else user_key,
        msg("Group Policy") if policy else msg("user setting"),
    )


def _user_screen_saver(ctx: CheckContext, sid: str, max_seconds: int) -> tuple[bool, Evidence]:
    """Whether one signed-in user's effective screen saver locks in time."""
    saver = user_screen_saver(ctx, sid)
    locks = (
        bool(saver.program)
        and saver.numbers["ScreenSaveActive"] == 1
        and saver.numbers["ScreenSaverIsSecure"] == 1
        and 1 <= saver.numbers["ScreenSaveTimeOut"] <= max_seconds
    )
    return locks, Evidence(
        saver.source,
        saver.describe(),
        msg("a secure screen saver within {seconds} s", seconds=max_seconds),
    )


NO_LIMIT_NO_USER = msg("no machine inactivity limit and no signed-in user")


def _limit_text(limit: int | None) -> Message:
    """Evidence text for the machine inactivity limit."""
    if limit is None:
        return msg("not set (no machine inactivity limit)")
    return msg("{seconds} s", seconds=limit)


def machine_inactivity_limit(ctx: CheckContext) -> int | None:
    """'Interactive logon: Machine inactivity limit' in seconds; None when not set."""
    return dword(registry(ctx).values(SYSTEM_POLICIES), SYSTEM_POLICIES, "InactivityTimeoutSecs")


@check("windows.screen_lock.timeout", params=ScreenLockParams)
@windows_check(needs_registry=True)
def screen_lock_timeout(ctx: CheckContext) -> Outcome:
    """The machine inactivity limit, or every signed-in user's screen saver, locks in time.

    The machine-wide limit covers everyone. Without it, screen savers are
    per-user, so the loaded hives (users signed in now) are checked.
    """
    max_seconds = ctx.params_as(ScreenLockParams).max_seconds
    limit = machine_inactivity_limit(ctx)
    machine = Evidence(
        value_source(SYSTEM_POLICIES, "InactivityTimeoutSecs"),
        _limit_text(limit),
        msg("1 to {seconds} s", seconds=max_seconds),
    )
    if limit is not None and 1 <= limit <= max_seconds:
        return passed(machine)
    users = signed_in_users(ctx)
    results = [_user_screen_saver(ctx, sid, max_seconds) for sid in users]
    evidence = [machine, *(item for _locks, item in results)]
    if not users:
        return failed(*evidence, reason=NO_LIMIT_NO_USER)
    if all(locks for locks, _item in results):
        return passed(*evidence, reason=msg("every signed-in user has a secure screen saver"))
    return failed(
        *evidence, reason=msg("no machine inactivity limit; a user's session does not lock")
    )


@check("windows.screen_lock.password")
@windows_check(needs_registry=True)
def screen_lock_password(ctx: CheckContext) -> Outcome:
    """The machine inactivity limit is set, or every signed-in user's screen saver asks for
    the password (ScreenSaverIsSecure=1 by Group Policy or the user's own setting).

    The machine limit locks the session itself, and unlocking always needs the password.
    """
    limit = machine_inactivity_limit(ctx)
    machine = Evidence(
        value_source(SYSTEM_POLICIES, "InactivityTimeoutSecs"),
        _limit_text(limit),
        msg("set (the session locks), or every user's screen saver secure"),
    )
    if limit is not None and limit >= 1:
        return passed(machine, reason=msg("the machine inactivity limit locks every session"))
    users = signed_in_users(ctx)
    savers = [user_screen_saver(ctx, sid) for sid in users]
    evidence = [
        machine,
        *(Evidence(saver.source, saver.describe(), "ScreenSaverIsSecure=1") for saver in savers),
    ]
    if not users:
        return failed(*evidence, reason=NO_LIMIT_NO_USER)
    insecure = [
        sid
        for sid, saver in zip(users, savers, strict=True)
        if saver.numbers["ScreenSaverIsSecure"] != 1
    ]
    if insecure:
        return failed(
            *evidence,
            reason=msg(
                "the screen saver resumes without a password for {users}", users=", ".join(insecure)
            ),
        )
    return passed(
        *evidence, reason=msg("every signed-in user's screen saver asks for the password")
    )
