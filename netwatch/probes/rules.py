"""Which targets a /probe module may reach: host-name syntax, allowed targets, denied ranges.

Without ``allowed_targets`` a module reaches any host except the ranges in
:data:`DENIED_RANGES` (loopback, link-local, cloud metadata, unspecified,
multicast, broadcast). Private LAN ranges are allowed: an office agent exists to
probe the office LAN. With ``allowed_targets`` only listed targets are reached:
a host name listed as such (``portal.ubnd.local``) or under a listed suffix
(``*.ubnd.local``), or addresses inside a listed network (``10.20.0.0/16``,
``192.168.1.10``). A denied range is reached only when a listed network covers
the address and lies inside the range (``127.0.0.1``, ``169.254.0.0/16``): a
listed name is not enough, since a name can be pointed anywhere, and neither is
a wide network such as ``0.0.0.0/0``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from netwatch.i18n import Message, msg

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Checked in this order: the first range an address falls in names the rule.
DENIED_RANGES: tuple[tuple[Message, tuple[str, ...]], ...] = (
    (msg("cloud metadata"), ("169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32")),
    (msg("loopback"), ("127.0.0.0/8", "::1/128")),
    (msg("link-local"), ("169.254.0.0/16", "fe80::/10")),
    (msg("unspecified"), ("0.0.0.0/8", "::/128")),
    (msg("multicast"), ("224.0.0.0/4", "ff00::/8")),
    (msg("broadcast and reserved"), ("240.0.0.0/4",)),
)
_DENIED = tuple(
    (rule, cidrs, tuple(ipaddress.ip_network(cidr) for cidr in cidrs))
    for rule, cidrs in DENIED_RANGES
)
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_NUMERIC_LABEL = re.compile(r"\d+|0x[0-9a-f]*", re.IGNORECASE)
NON_CANONICAL = msg("a numeric address in a non-canonical form (write IPv4 as a.b.c.d)")
INVALID_NAME = msg("not a valid host name")


class TargetDenied(Exception):
    """The target is refused, naming the rule: ``message`` for readers (a message in their
    language), ``str()`` its English text, for logs."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def _address(text: str) -> IpAddress | None:
    """The address of a canonical IP literal (IPv6 may carry a zone), else None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _inet_aton_form(host: str) -> bool:
    """True when the C resolver reads ``host`` as an IPv4 address (``127.1``, ``0x7f.1``,
    ``2130706433``, ``017700000001``)."""
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


def host_name_problem(host: str) -> Message | None:
    """Why ``host`` is no canonical IP address nor DNS name, or None when it is one."""
    if _address(host) is not None:
        return None
    if _inet_aton_form(host):
        return NON_CANONICAL
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return INVALID_NAME
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return NON_CANONICAL
    return None


def _plain(address: IpAddress) -> IpAddress:
    """An IPv4-mapped IPv6 address as the IPv4 address it reaches; others unchanged."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return address.__class__(address.packed)  # without a zone
    return address


def denied_rule(address: IpAddress) -> tuple[Message, tuple[str, ...], IpNetwork] | None:
    """The default rule refusing ``address``: its name, its ranges and the one matched."""
    plain = _plain(address)
    for rule, cidrs, networks in _DENIED:
        for network in networks:
            if plain.version == network.version and plain in network:
                return rule, cidrs, network
    return None


def _inside(network: IpNetwork, outer: IpNetwork) -> bool:
    """True when ``network`` lies wholly inside ``outer``."""
    return network.network_address in outer and network.broadcast_address in outer


@dataclass(frozen=True)
class TargetRules:
    """A module's target rules; ``where`` names the setting in messages."""

    where: str
    networks: tuple[IpNetwork, ...] = ()
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    listed: bool = False

    @classmethod
    def parse(cls, entries: Sequence[str] | None, where: str) -> TargetRules:
        """Rules from ``allowed_targets`` entries (None: the default rules)."""
        if entries is None:
            return cls(where)
        networks, names, suffixes = [], set(), []
        for entry in entries:
            kind, value = parse_entry(entry)
            if kind == "network":
                networks.append(ipaddress.ip_network(value))
            elif kind == "suffix":
                suffixes.append(value)
            else:
                names.add(value)
        return cls(where, tuple(networks), frozenset(names), tuple(suffixes), listed=True)

    def _name_listed(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.names or any(name.endswith(suffix) for suffix in self.suffixes)

    def _covered(self, address: IpAddress, within: IpNetwork | None = None) -> bool:
        """True when a listed network holds ``address`` (and lies inside ``within``)."""
        forms = {_plain(address), address.__class__(address.packed)}
        return any(
            form.version == net.version and form in net
            and (within is None or _inside(net, within))
            for form in forms
            for net in self.networks
        )  # fmt: skip

    def check_host(self, host: str) -> None:
        """Refuse a host before resolving it: bad syntax, or a name no entry can allow."""
        problem = host_name_problem(host)
        if problem is not None:
            why = msg("target host {host} is refused: {problem}", host=repr(host), problem=problem)
            raise TargetDenied(why)
        unlisted = self.listed and not self.networks and not self._name_listed(host)
        if unlisted and _address(host) is None:
            why = msg("target host {host} is not in {where}", host=repr(host), where=self.where)
            raise TargetDenied(why)

    def check_addresses(self, host: str, addresses: Sequence[str]) -> None:
        """Refuse unless every address ``host`` resolved to may be reached."""
        parsed = [ipaddress.ip_address(text) for text in addresses]
        if self.listed and not self._name_listed(host):
            outside = [str(a) for a in parsed if not self._covered(a)]
            if outside:
                raise TargetDenied(self._not_listed(host, outside))
        for address in parsed:
            found = denied_rule(address)
            if found is not None and not self._covered(address, within=found[2]):
                rule, cidrs, _ = found
                raise TargetDenied(self._in_denied_range(host, str(address), rule, cidrs))

    def _not_listed(self, host: str, outside: list[str]) -> Message:
        """Why ``host``, resolved to the ``outside`` addresses, is refused by the list."""
        if outside == [host]:
            return msg("target {host} is not in {where}", host=host, where=self.where)
        return msg(
            "target {host} (resolves to {addresses}) is not in {where}",
            host=host,
            addresses=", ".join(outside),
            where=self.where,
        )

    def _in_denied_range(
        self, host: str, address: str, rule: Message, cidrs: tuple[str, ...]
    ) -> Message:
        """Why ``host``, resolved to ``address`` in a denied range, is refused."""
        ranges = ", ".join(cidrs)
        if address == host:
            return msg(
                "target {host}: {rule} addresses ({ranges}) are refused unless {where} lists them",
                host=host, rule=rule, ranges=ranges, where=self.where,
            )  # fmt: skip
        return msg(
            "target {host} resolves to {address}: {rule} addresses ({ranges}) are refused "
            "unless {where} lists them",
            host=host, address=address, rule=rule, ranges=ranges, where=self.where,
        )  # fmt: skip


def parse_entry(entry: str) -> tuple[str, str]:
    """An ``allowed_targets`` entry as ("network" | "suffix" | "name", normal form)."""
    text = entry.strip()
    if "/" in text or _address(text) is not None:
        try:
            return "network", str(ipaddress.ip_network(text, strict=True))
        except ValueError as exc:
            raise ValueError(f"allowed_targets entry {entry!r}: {exc}") from None
    if text.startswith("*."):
        problem = host_name_problem(text[2:])
        if problem is None and _address(text[2:]) is None:
            return "suffix", "." + text[2:].lower().rstrip(".")
        raise ValueError(f"allowed_targets entry {entry!r}: after '*.' write a domain name")
    problem = host_name_problem(text)
    if problem is not None:
        raise ValueError(
            f"allowed_targets entry {entry!r} is {problem}; use a CIDR (10.0.0.0/8), an "
            "address, a host name or *.domain"
        )
    return "name", text.lower().rstrip(".")
