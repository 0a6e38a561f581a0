"""Windows Defender Firewall on in every profile."""

from __future__ import annotations

from typing import Any

from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    WindowsDataError,
    as_list,
    command_source,
    run_powershell,
    to_enum,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

# ActiveStore is the effective policy: local settings merged with Group Policy.
FIREWALL_QUERY = powershell_query(
    "firewall_profiles",
    "Get-NetFirewallProfile -PolicyStore ActiveStore | "
    "Select-Object Name,Enabled,DefaultInboundAction",
    "Get-NetFirewallProfile",
)

# NetSecurity enums as ConvertTo-Json writes them.
GPO_BOOLEAN = {"False": 0, "True": 1, "NotConfigured": 2}

FIREWALL_ACTION = {"NotConfigured": 0, "Allow": 2, "AllowBypass": 3, "Block": 4}

FIREWALL_PROFILES = 3  # Domain, Private, Public

ON, NOT_CONFIGURED, BLOCK, ACTION_NOT_CONFIGURED = 1, 2, 4, 0


def _profile_state(profile: dict[str, Any]) -> tuple[str, bool, bool, Message]:
    """Name, enabled, blocks inbound by default, and the evidence text of one profile.

    NotConfigured falls back to the Windows defaults: firewall on, inbound blocked.
    """
    name = str(profile.get("Name") or "?")
    enabled = to_enum(profile.get("Enabled"), GPO_BOOLEAN, f"{name} Enabled")
    inbound = to_enum(
        profile.get("DefaultInboundAction"), FIREWALL_ACTION, f"{name} DefaultInboundAction"
    )
    is_on = enabled in (ON, NOT_CONFIGURED)
    blocks = inbound in (BLOCK, ACTION_NOT_CONFIGURED)
    on_text = msg("on") if is_on else msg("off")
    if enabled == NOT_CONFIGURED:
        on_text = msg("not configured: {state}", state=on_text)
    block_text = msg("block") if blocks else msg("allow")
    if inbound == ACTION_NOT_CONFIGURED:
        block_text = msg("not configured: {state}", state=block_text)
    observed = msg(
        "Enabled={enabled} ({on}), DefaultInboundAction={inbound} ({action})",
        enabled=enabled,
        on=on_text,
        inbound=inbound,
        action=block_text,
    )
    return name, is_on, blocks, observed


@check("windows.firewall.all_profiles", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def firewall_all_profiles(ctx: CheckContext) -> Outcome:
    """Every firewall profile is enabled and blocks unsolicited inbound traffic."""
    profiles = as_list(run_powershell(ctx, FIREWALL_QUERY))
    source = command_source(FIREWALL_QUERY.script)
    expected = msg(
        "Enabled={enabled} ({on}), DefaultInboundAction={inbound} ({action})",
        enabled=1,
        on=msg("on"),
        inbound=4,
        action=msg("block"),
    )
    if not profiles:
        raise WindowsDataError(
            msg("Get-NetFirewallProfile listed no profiles: the answer is incomplete"),
            Evidence(source, msg("no profiles"), msg("{count} profiles", count=FIREWALL_PROFILES)),
        )
    if len(profiles) != FIREWALL_PROFILES:
        return failed(
            Evidence(
                source,
                msg("{count} firewall profiles reported", count=len(profiles)),
                msg("{count} profiles", count=FIREWALL_PROFILES),
            ),
            reason=msg("Get-NetFirewallProfile did not report the three profiles"),
        )
    evidence, weak = [], []
    for profile in profiles:
        name, is_on, blocks, observed = _profile_state(profile)
        evidence.append(Evidence(f"{source} [{name}]", observed, expected))
        if not (is_on and blocks):
            weak.append(name)
    if weak:
        return failed(
            *evidence,
            reason=msg("profiles off or allowing inbound: {names}", names=", ".join(weak)),
        )
    return passed(*evidence)
