"""Zero-config targets: the host's default gateways (ICMP) and DNS resolvers (DNS)."""

from __future__ import annotations

import ipaddress
import re
import socket
import struct
from typing import Any

from netwatch.hostaccess import HostAccess

RTF_UP = 0x1
RTF_GATEWAY = 0x2
WINDOWS_INTERFACES_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Interfaces"
WINDOWS_TCPIP_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"


def parse_proc_net_route(text: str) -> list[str]:
    """IPv4 default gateways from /proc/net/route (hex, little-endian), in table order."""
    gateways: list[str] = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[1] != "00000000":
            continue
        try:
            gateway = socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
            flags = int(fields[3], 16)
        except (ValueError, struct.error):
            continue
        if flags & RTF_UP and flags & RTF_GATEWAY and gateway not in gateways:
            gateways.append(gateway)
    return gateways


def parse_resolv_conf(text: str) -> tuple[list[str], str | None]:
    """Nameservers and the first search domain from resolv.conf."""
    servers: list[str] = []
    domain: str | None = None
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(fields) < 2:
            continue
        if fields[0] == "nameserver" and _is_ip(fields[1]) and fields[1] not in servers:
            servers.append(fields[1])
        elif fields[0] in ("search", "domain") and domain is None:
            domain = fields[1].rstrip(".")
    return servers, domain


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _split_windows_list(value: object) -> list[str]:
    """Registry address lists are REG_MULTI_SZ, or REG_SZ separated by spaces or commas."""
    items = value if isinstance(value, list) else str(value or "").replace(",", " ").split()
    return [str(item).strip() for item in items if _is_ip(str(item).strip())]


def windows_gateways_and_resolvers(access: HostAccess) -> tuple[list[str], list[str], str | None]:
    """Gateways, resolvers and the primary DNS suffix from the TCP/IP registry keys."""
    registry = access.registry
    if registry is None:
        return [], [], None
    gateways: list[str] = []
    resolvers: list[str] = []
    for interface in registry.subkeys(WINDOWS_INTERFACES_KEY):
        values = registry.values(f"{WINDOWS_INTERFACES_KEY}\\{interface}")
        for key in ("DefaultGateway", "DhcpDefaultGateway"):
            gateways += [g for g in _split_windows_list(values.get(key)) if g not in gateways]
        for key in ("NameServer", "DhcpNameServer"):
            resolvers += [r for r in _split_windows_list(values.get(key)) if r not in resolvers]
    domain = str(registry.values(WINDOWS_TCPIP_KEY).get("Domain", "")).strip() or None
    return gateways, resolvers, domain


def discover(access: HostAccess) -> tuple[list[str], list[str], str | None]:
    """(default gateways, DNS resolvers, search domain) of the host."""
    if access.registry is not None:
        return windows_gateways_and_resolvers(access)
    gateways = parse_proc_net_route(access.files.read_text_or_none("/proc/net/route") or "")
    servers, domain = parse_resolv_conf(access.files.read_text_or_none("/etc/resolv.conf") or "")
    return gateways, servers, domain


def default_services(access: HostAccess, service_model: type) -> list[Any]:
    """Services probed when the config lists none: gateways by ICMP, resolvers by DNS."""
    gateways, resolvers, domain = discover(access)
    services = [
        service_model(
            name=f"gateway-{gateway}", prober="icmp", target=gateway, labels={"role": "gateway"}
        )  # fmt: skip
        for gateway in gateways
    ]
    query = {"query_name": domain, "query_type": "SOA"} if domain else {"query_type": "NS"}
    for resolver in resolvers:
        target = f"[{resolver}]" if ":" in resolver else resolver
        services.append(
            service_model(
                name="dns-" + re.sub(r"[^A-Za-z0-9_.-]", "_", resolver),
                prober="dns",
                target=target,
                labels={"role": "resolver"},
                dns={**query, "valid_rcodes": ["NOERROR", "NXDOMAIN"]},
            )
        )
    return services
