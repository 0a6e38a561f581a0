"""Windows name resolution and sharing: LLMNR, NetBIOS over TCP/IP and the Mobile Hotspot."""

from __future__ import annotations

from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    POLICIES,
    SERVICES,
    START_DISABLED,
    WindowsDataError,
    one_value_check,
    registry,
    registry_dword,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

DNS_CLIENT_POLICY = f"{POLICIES}\\Windows NT\\DNSClient"

MULTICAST_DEFAULT = 1  # EnableMulticast unset: LLMNR answers and asks on the LAN


@check("windows.network.llmnr")
@windows_check(needs_registry=True)
def llmnr(ctx: CheckContext) -> Outcome:
    """EnableMulticast is 0 by policy."""
    return one_value_check(
        ctx, DNS_CLIENT_POLICY, "EnableMulticast", MULTICAST_DEFAULT, {0}, msg("0 (LLMNR off)")
    )


NETBT_INTERFACES = f"{SERVICES}\\NetBT\\Parameters\\Interfaces"

NETBIOS_OPTIONS = {0: msg("DHCP decides, on by default"), 1: msg("on"), 2: msg("off")}

NETBIOS_OPTIONS_DEFAULT = 0

NETBIOS_OFF = 2


@check("windows.network.netbios")
@windows_check(needs_registry=True)
def netbios(ctx: CheckContext) -> Outcome:
    """The NetBT driver is disabled, or every interface has NetbiosOptions=2."""
    start, start_source = service_start(ctx, "NetBT")
    driver = Evidence(start_source, start_text(start), msg("not installed or Start=4 (disabled)"))
    if start is None or start == START_DISABLED:
        return passed(driver)
    interfaces = [
        name for name in registry(ctx).subkeys(NETBT_INTERFACES) if name.startswith("Tcpip_")
    ]
    if not interfaces:
        raise WindowsDataError(
            msg("the `NetBT` driver is enabled but lists no interface: the answer is incomplete"),
            driver,
            Evidence(NETBT_INTERFACES, msg("no Tcpip_* subkey"), msg("one subkey per interface")),
        )
    evidence, on = [driver], []
    for name in interfaces:
        key = f"{NETBT_INTERFACES}\\{name}"
        value = registry_dword(ctx, key, "NetbiosOptions")
        effective = NETBIOS_OPTIONS_DEFAULT if value is None else value
        meaning = NETBIOS_OPTIONS.get(effective, msg("unknown"))
        evidence.append(
            Evidence(
                value_source(key, "NetbiosOptions"),
                shown(value, NETBIOS_OPTIONS_DEFAULT, meaning),
                msg("{value} ({meaning})", value=NETBIOS_OFF, meaning=msg("off")),
            )
        )
        if effective != NETBIOS_OFF:
            on.append(name)
    if on:
        return failed(*evidence, reason=msg("NetBIOS not off on: {names}", names=", ".join(on)))
    return passed(*evidence)


NETWORK_CONNECTIONS_POLICY = f"{POLICIES}\\Windows\\Network Connections"

SHARED_ACCESS_UI_DEFAULT = 1  # NC_ShowSharedAccessUI unset: users may share the connection


@check("windows.network.mobile_hotspot")
@windows_check(needs_registry=True)
def mobile_hotspot(ctx: CheckContext) -> Outcome:
    """NC_ShowSharedAccessUI is 0 by policy."""
    return one_value_check(
        ctx,
        NETWORK_CONNECTIONS_POLICY,
        "NC_ShowSharedAccessUI",
        SHARED_ACCESS_UI_DEFAULT,
        {0},
        msg("0 (sharing prohibited)"),
    )
