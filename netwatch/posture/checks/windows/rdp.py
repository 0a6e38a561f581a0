"""Remote Desktop only with Network Level Authentication."""

from __future__ import annotations

from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    dword,
    registry,
    shown,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

TS_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server"

RDP_TCP_KEY = TS_KEY + "\\WinStations\\RDP-Tcp"

TS_POLICY_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"

DENY_DEFAULT = 1  # fDenyTSConnections unset: Remote Desktop connections refused

NLA_DEFAULT = 1  # UserAuthentication unset: NLA enforced (Windows 8 / Server 2012 onwards)


def _effective(
    ctx: CheckContext, name: str, local_key: str, default: int, meaning: dict[bool, Message]
) -> tuple[int, str, Message]:
    """A Remote Desktop setting, its source and evidence text; Group Policy wins over local."""
    policy = dword(registry(ctx).values(TS_POLICY_KEY), TS_POLICY_KEY, name)
    if policy is not None:
        return (
            policy,
            value_source(TS_POLICY_KEY, name),
            msg("{value} ({meaning}), Group Policy", value=policy, meaning=meaning[policy == 1]),
        )
    local = dword(registry(ctx).values(local_key), local_key, name)
    value = default if local is None else local
    observed = msg(
        "{value}, not set by Group Policy", value=shown(local, default, meaning[value == 1])
    )
    return value, value_source(local_key, name), observed


@check("windows.rdp.nla")
@windows_check(needs_registry=True)
def rdp_nla(ctx: CheckContext) -> Outcome:
    """Remote Desktop refuses connections, or demands NLA before a session starts."""
    deny, deny_source, deny_text = _effective(
        ctx,
        "fDenyTSConnections",
        TS_KEY,
        DENY_DEFAULT,
        {True: msg("RDP off"), False: msg("RDP on")},
    )
    expected = msg("1 (RDP off), or NLA required")
    if deny == 1:
        return passed(Evidence(deny_source, deny_text, expected))
    nla, nla_source, nla_text = _effective(
        ctx,
        "UserAuthentication",
        RDP_TCP_KEY,
        NLA_DEFAULT,
        {True: msg("NLA required"), False: msg("NLA not required")},
    )
    evidence = (
        Evidence(deny_source, deny_text, expected),
        Evidence(nla_source, nla_text, msg("1 (NLA required)")),
    )
    if nla != 1:
        return failed(
            *evidence, reason=msg("`Remote Desktop` is on without Network Level Authentication")
        )
    return passed(*evidence)
