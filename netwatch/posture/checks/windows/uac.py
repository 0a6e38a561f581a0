"""User Account Control."""

from __future__ import annotations

from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    SYSTEM_POLICIES,
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

ENABLE_LUA_DEFAULT = 1  # EnableLUA unset: UAC on

CONSENT_ADMIN_DEFAULT = 5  # ConsentPromptBehaviorAdmin unset: consent for non-Windows binaries


@check("windows.uac.enabled")
@windows_check(needs_registry=True)
def uac_enabled(ctx: CheckContext) -> Outcome:
    """EnableLUA is 1 and administrators are not elevated silently."""
    values = registry(ctx).values(SYSTEM_POLICIES)
    lua = dword(values, SYSTEM_POLICIES, "EnableLUA")
    consent = dword(values, SYSTEM_POLICIES, "ConsentPromptBehaviorAdmin")
    lua_on = (ENABLE_LUA_DEFAULT if lua is None else lua) == 1
    prompts = (CONSENT_ADMIN_DEFAULT if consent is None else consent) != 0
    evidence = (
        Evidence(
            value_source(SYSTEM_POLICIES, "EnableLUA"),
            shown(lua, ENABLE_LUA_DEFAULT, msg("UAC on") if lua_on else msg("UAC off")),
            "1",
        ),
        Evidence(
            value_source(SYSTEM_POLICIES, "ConsentPromptBehaviorAdmin"),
            shown(
                consent,
                CONSENT_ADMIN_DEFAULT,
                msg("prompts") if prompts else msg("elevates without prompting"),
            ),
            msg("not 0"),
        ),
    )
    if not (lua_on and prompts):
        return failed(*evidence)
    return passed(*evidence)
