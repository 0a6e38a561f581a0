"""Network interfaces: identity, addresses, link state and traffic counters."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field

import psutil

DEFAULT_EXCLUDED_INTERFACES = r"^(lo|veth.*|docker\d*|br-[0-9a-f]+|virbr\d+.*|cali.*|flannel.*)$"
_MAC_FAMILIES = {getattr(psutil, "AF_LINK", -1), getattr(socket, "AF_PACKET", -2)}


@dataclass(frozen=True)
class Address:
    """One IP address on an interface."""

    family: str
    address: str
    prefix: int


@dataclass(frozen=True)
class Counters:
    """Traffic counters since boot."""

    bytes_sent: int
    bytes_recv: int
    packets_sent: int
    packets_recv: int
    errin: int
    errout: int
    dropin: int
    dropout: int


@dataclass(frozen=True)
class Nic:
    """One network interface."""

    name: str
    mac: str
    up: bool
    speed_mbps: int
    mtu: int
    addresses: tuple[Address, ...] = ()
    counters: Counters | None = field(default=None)


def prefix_length(netmask: str | None) -> int:
    """CIDR prefix of an IPv4 dotted or IPv6 netmask (0 when unknown)."""
    if not netmask:
        return 0
    try:
        if ":" in netmask:
            return sum(bin(int(part or "0", 16)).count("1") for part in netmask.split(":"))
        return sum(bin(int(octet)).count("1") for octet in netmask.split("."))
    except ValueError:
        return 0


def gather_nics(
    exclude: str = DEFAULT_EXCLUDED_INTERFACES, limit: int = 64
) -> tuple[list[Nic], int]:
    """Interfaces (at most ``limit``, skipping names matching ``exclude``) and how many were cut."""
    skip = re.compile(exclude) if exclude else None
    addrs = psutil.net_if_addrs()
    stats = psutil.net_if_stats()
    counters = psutil.net_io_counters(pernic=True)
    names = sorted(name for name in set(addrs) | set(stats) if not (skip and skip.match(name)))
    nics = []
    for name in names[:limit]:
        mac = ""
        addresses = []
        for entry in addrs.get(name, []):
            if entry.family in _MAC_FAMILIES:
                mac = entry.address.lower().replace("-", ":")
            elif entry.family in (socket.AF_INET, socket.AF_INET6):
                family = "ipv4" if entry.family == socket.AF_INET else "ipv6"
                addresses.append(
                    Address(family, entry.address.split("%", 1)[0], prefix_length(entry.netmask))
                )
        stat = stats.get(name)
        io = counters.get(name)
        nics.append(
            Nic(
                name=name,
                mac=mac,
                up=bool(stat and stat.isup),
                speed_mbps=stat.speed if stat else 0,
                mtu=stat.mtu if stat else 0,
                addresses=tuple(addresses),
                counters=Counters(*io[:8]) if io else None,
            )
        )
    return nics, max(0, len(names) - limit)
