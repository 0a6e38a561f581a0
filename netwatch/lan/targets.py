"""Which networks to sweep, on which interface.

By default every up, non-loopback interface that has an Ethernet address and a
private IPv4 address is swept: RFC 1918 (10/8, 172.16/12, 192.168/16) and the
RFC 2544 benchmark range 198.18.0.0/15, which some labs (and netwatch's tests)
use as a LAN. Virtual links (veth, docker, libvirt, CNI) are skipped. Networks
larger than the cap (/22 by default, 1022 addresses) are refused unless forced,
so a typo such as ``10.0.0.0/8`` cannot start a 16-million-address sweep.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_network

from netwatch.inventory.nics import DEFAULT_EXCLUDED_INTERFACES, Nic, gather_nics

PRIVATE_NETWORKS = tuple(
    IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15")
)
_NO_MAC = {"", "00:00:00:00:00:00"}
_MAX_INTERFACES = 4096


class TargetError(ValueError):
    """A CIDR or interface cannot be swept; the one-line message names the bad input."""


@dataclass(frozen=True)
class Link:
    """What a sweep needs on one interface: its MAC, a source IP and the addresses to ask."""

    interface: str
    mac: str
    source: IPv4Address  # 0.0.0.0 (an ARP probe) when the interface has no IPv4 address
    targets: tuple[IPv4Address, ...]


def is_private(address: IPv4Address) -> bool:
    """True for RFC 1918 addresses and the 198.18.0.0/15 benchmark range."""
    return any(address in network for network in PRIVATE_NETWORKS)


def list_interfaces() -> list[Nic]:
    """Every interface of this host (the sweep's view; no name is excluded)."""
    return gather_nics(exclude="", limit=_MAX_INTERFACES)[0]


def ipv4_interfaces(nic: Nic) -> list[IPv4Interface]:
    """The IPv4 addresses of ``nic`` with their prefix."""
    return [
        IPv4Interface(f"{address.address}/{address.prefix}")
        for address in nic.addresses
        if address.family == "ipv4"
    ]


def _sweepable(nic: Nic) -> bool:
    return nic.up and nic.mac not in _NO_MAC


def _parse(text: str) -> IPv4Network:
    try:
        network = ip_network(text.strip(), strict=False)
    except ValueError:
        raise TargetError(
            f"invalid CIDR {text!r}: expected an IPv4 network such as 192.168.1.0/24"
        ) from None
    if not isinstance(network, IPv4Network):
        raise TargetError(f"{text}: ARP sweeps need an IPv4 network, not IPv6")
    return network


def _check_size(network: IPv4Network, max_prefix: int, force: bool, where: str = "") -> None:
    if network.prefixlen < max_prefix and not force:
        raise TargetError(
            f"{network}{where} has {network.num_addresses} addresses, more than the "
            f"/{max_prefix} cap: give a smaller CIDR or force the sweep"
        )


def _interface(name: str, nics: Sequence[Nic]) -> Nic:
    found = next((nic for nic in nics if nic.name == name), None)
    if found is None:
        known = ", ".join(nic.name for nic in nics) or "none"
        raise TargetError(f"unknown interface {name!r} (this host has: {known})")
    if not found.up:
        raise TargetError(f"interface {name} is down")
    if found.mac in _NO_MAC:
        raise TargetError(f"interface {name} has no Ethernet address; ARP needs an Ethernet link")
    return found


def _route(network: IPv4Network, nics: Sequence[Nic]) -> str:
    """The interface whose attached network contains ``network`` (most specific wins)."""
    best: tuple[int, str] | None = None
    for nic in sorted(nics, key=lambda nic: nic.name):
        if not _sweepable(nic):
            continue
        for own in ipv4_interfaces(nic):
            fits = not own.ip.is_loopback and network.subnet_of(own.network)
            if fits and (best is None or own.network.prefixlen > best[0]):
                best = (own.network.prefixlen, nic.name)
    if best is None:
        raise TargetError(
            f"{network} is not inside the network of any up interface: "
            "name the interface to sweep it there"
        )
    return best[1]


def _defaults(nics: Sequence[Nic], max_prefix: int, force: bool) -> list[tuple[str, IPv4Network]]:
    skip = re.compile(DEFAULT_EXCLUDED_INTERFACES)
    chosen = []
    for nic in sorted(nics, key=lambda nic: nic.name):
        if skip.match(nic.name) or not _sweepable(nic):
            continue
        for own in ipv4_interfaces(nic):
            if is_private(own.ip) and not own.ip.is_loopback and own.network.prefixlen < 32:
                _check_size(own.network, max_prefix, force, f" (on {nic.name})")
                chosen.append((nic.name, own.network))
    if not chosen:
        raise TargetError(
            "no up interface has a private IPv4 network (RFC 1918 or 198.18.0.0/15): "
            "give a CIDR or an interface"
        )
    return chosen


def choose_networks(
    cidrs: list[str],
    interface: str | None,
    max_prefix: int = 22,
    force: bool = False,
    *,
    nics: Sequence[Nic] | None = None,
) -> list[tuple[str, IPv4Network]]:
    """The (interface, network) pairs to sweep, without duplicates.

    - ``cidrs`` given: each is swept on ``interface`` when named, else on the
      interface whose network contains it.
    - only ``interface``: every IPv4 network on it (private or not).
    - neither: every private network on every up, non-virtual interface.

    Networks larger than ``/max_prefix`` raise :class:`TargetError` unless
    ``force``; so do invalid CIDRs and unknown, down or non-Ethernet interfaces.
    ``nics`` replaces the host's interfaces (tests).
    """
    if not 0 <= max_prefix <= 32:
        raise TargetError(f"invalid size cap /{max_prefix}: expected 0 to 32")
    known = list(nics) if nics is not None else list_interfaces()
    if cidrs:
        networks = [_parse(text) for text in cidrs]
        for network in networks:
            _check_size(network, max_prefix, force)
        if interface is not None:
            name = _interface(interface, known).name
            pairs = [(name, network) for network in networks]
        else:
            pairs = [(_route(network, known), network) for network in networks]
    elif interface is not None:
        nic = _interface(interface, known)
        own = [address for address in ipv4_interfaces(nic) if address.network.prefixlen < 32]
        if not own:
            raise TargetError(f"interface {interface} has no IPv4 network: give a CIDR to sweep")
        for address in own:
            _check_size(address.network, max_prefix, force, f" (on {interface})")
        pairs = [(nic.name, address.network) for address in own]
    else:
        pairs = _defaults(known, max_prefix, force)
    unique: dict[IPv4Network, str] = {}
    for name, network in pairs:
        unique.setdefault(network, name)
    return [(name, network) for network, name in unique.items()]


def plan_links(
    networks: Sequence[tuple[str, IPv4Network]], nics: Sequence[Nic] | None = None
) -> list[Link]:
    """One :class:`Link` per interface, from :func:`choose_networks` pairs.

    Targets are the usable host addresses (every address of a /31 or /32), in
    order, without duplicates and without the interface's own addresses. The
    source IP is the interface's address inside the first network, else its
    first IPv4 address.
    """
    known = list(nics) if nics is not None else list_interfaces()
    by_interface: dict[str, list[IPv4Network]] = {}
    for name, network in networks:
        by_interface.setdefault(name, []).append(network)
    links = []
    for name, nets in by_interface.items():
        nic = _interface(name, known)
        own = ipv4_interfaces(nic)
        mine = {address.ip for address in own}
        inside = [address.ip for address in own if address.ip in nets[0]]
        source = (inside or [address.ip for address in own] or [IPv4Address(0)])[0]
        targets = dict.fromkeys(
            address for network in nets for address in network.hosts() if address not in mine
        )
        links.append(Link(name, nic.mac, source, tuple(targets)))
    return links
