"""Choosing what to sweep: default interfaces, CIDRs, the size cap and bad input."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest

from netwatch.inventory.nics import Address, Nic
from netwatch.lan.targets import TargetError, choose_networks, is_private, plan_links


def nic(name: str, *cidrs: str, up: bool = True, mac: str = "52:54:00:12:34:56") -> Nic:
    addresses = tuple(Address("ipv4", c.split("/")[0], int(c.split("/")[1])) for c in cidrs)
    return Nic(name=name, mac=mac, up=up, speed_mbps=1000, mtu=1500, addresses=addresses)


HOST = [
    nic("lo", "127.0.0.1/8", mac="00:00:00:00:00:00"),
    nic("eth0", "192.168.10.5/24"),
    nic("eth1", "198.18.0.2/24"),
    nic("eth2", "203.0.113.7/24"),  # public
    nic("eth3", "10.1.0.5/24", up=False),
    nic("wg0", "10.9.0.1/24", mac=""),  # no Ethernet address
    nic("docker0", "172.17.0.1/16"),
    nic("veth12ab", "172.18.0.1/24"),
    nic("ppp0", "10.64.0.9/32"),
    nic("eth4", "100.64.3.3/24"),  # CGNAT: not private
]


def nets(pairs: list[tuple[str, IPv4Network]]) -> list[tuple[str, str]]:
    return [(name, str(network)) for name, network in pairs]


def test_default_is_every_up_private_ethernet_network() -> None:
    assert nets(choose_networks([], None, nics=HOST)) == [
        ("eth0", "192.168.10.0/24"),
        ("eth1", "198.18.0.0/24"),
    ]


def test_private_ranges_include_the_benchmark_range() -> None:
    assert is_private(IPv4Address("198.19.255.1"))
    assert is_private(IPv4Address("172.31.0.1"))
    assert not is_private(IPv4Address("198.20.0.1"))
    assert not is_private(IPv4Address("100.64.0.1"))


def test_default_over_the_cap_is_refused_unless_forced() -> None:
    host = [nic("eth0", "10.20.0.5/16")]
    with pytest.raises(
        TargetError, match=r"10\.20\.0\.0/16 \(on eth0\) has 65536 addresses, more than the /22 cap"
    ):
        choose_networks([], None, nics=host)
    assert nets(choose_networks([], None, force=True, nics=host)) == [("eth0", "10.20.0.0/16")]
    assert nets(choose_networks([], None, max_prefix=16, nics=host)) == [("eth0", "10.20.0.0/16")]


def test_no_default_network_is_an_error() -> None:
    with pytest.raises(TargetError, match="no up interface has a private IPv4 network"):
        choose_networks([], None, nics=HOST[:1])


def test_named_interface_sweeps_its_networks_even_public_ones() -> None:
    assert nets(choose_networks([], "eth2", nics=HOST)) == [("eth2", "203.0.113.0/24")]
    assert nets(choose_networks([], "veth12ab", nics=HOST)) == [("veth12ab", "172.18.0.0/24")]


@pytest.mark.parametrize(
    ("interface", "message"),
    [
        ("nope0", r"unknown interface 'nope0' \(this host has: lo, eth0, eth1"),
        ("eth3", "interface eth3 is down"),
        ("wg0", "interface wg0 has no Ethernet address"),
        ("ppp0", "interface ppp0 has no IPv4 network"),
    ],
)
def test_bad_interface(interface: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        choose_networks([], interface, nics=HOST)


def test_cidr_goes_to_the_interface_whose_network_contains_it() -> None:
    host = [nic("eth0", "10.0.0.5/16"), nic("eth1", "10.0.4.5/24"), nic("eth2", "192.168.1.2/24")]
    assert nets(
        choose_networks(["10.0.4.0/25", "10.0.9.0/24", "192.168.1.77"], None, nics=host)
    ) == [
        ("eth1", "10.0.4.0/25"),  # the most specific network wins
        ("eth0", "10.0.9.0/24"),
        ("eth2", "192.168.1.77/32"),
    ]


def test_cidr_host_bits_and_duplicates() -> None:
    assert nets(choose_networks(["192.168.10.77/24", " 192.168.10.0/24 "], None, nics=HOST)) == [
        ("eth0", "192.168.10.0/24")
    ]


def test_cidr_on_no_interface_needs_one_named() -> None:
    with pytest.raises(
        TargetError, match=r"^10\.50\.0\.0/24 is not inside the network of any up interface"
    ):
        choose_networks(["10.50.0.0/24"], None, nics=HOST)
    with pytest.raises(TargetError, match="is not inside"):
        choose_networks(["10.1.0.0/24"], None, nics=HOST)  # eth3 is down
    with pytest.raises(TargetError, match="is not inside"):
        choose_networks(["198.18.0.0/22"], None, nics=HOST)  # wider than eth1's /24
    assert nets(choose_networks(["10.50.0.0/24"], "eth0", nics=HOST)) == [("eth0", "10.50.0.0/24")]


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("192.168.1.0/33", r"invalid CIDR '192\.168\.1\.0/33'"),
        ("office-lan", r"invalid CIDR 'office-lan'"),
        ("", r"invalid CIDR ''"),
        ("fd00::/64", r"fd00::/64: ARP sweeps need an IPv4 network"),
        ("10.0.0.0/8", r"10\.0\.0\.0/8 has 16777216 addresses, more than the /22 cap"),
    ],
)
def test_bad_cidr(cidr: str, message: str) -> None:
    with pytest.raises(TargetError, match=message) as caught:
        choose_networks([cidr], None, nics=HOST)
    assert "\n" not in str(caught.value)


def test_force_lifts_only_the_cap() -> None:
    assert nets(choose_networks(["192.168.0.0/16"], "eth0", force=True, nics=HOST)) == [
        ("eth0", "192.168.0.0/16")
    ]
    with pytest.raises(TargetError, match="invalid CIDR"):
        choose_networks(["nope"], "eth0", force=True, nics=HOST)
    with pytest.raises(TargetError, match="invalid size cap /33"):
        choose_networks([], None, max_prefix=33, nics=HOST)


def test_plan_links_skips_own_network_and_broadcast_addresses() -> None:
    host = [nic("eth0", "192.168.10.5/29", "10.0.0.1/24"), nic("eth1", mac="52:54:00:00:00:01")]
    links = plan_links(
        [
            (name, IPv4Network(n))
            for name, n in [
                ("eth0", "192.168.10.0/29"),
                ("eth0", "192.168.10.4/30"),
                ("eth1", "10.7.0.8/31"),
            ]
        ],
        nics=host,
    )
    assert [
        (link.interface, str(link.source), [str(ip) for ip in link.targets]) for link in links
    ] == [
        (
            "eth0",
            "192.168.10.5",
            ["192.168.10.1", "192.168.10.2", "192.168.10.3", "192.168.10.4", "192.168.10.6"],
        ),
        ("eth1", "0.0.0.0", ["10.7.0.8", "10.7.0.9"]),  # no IPv4 address: ARP probes
    ]
    assert links[0].mac == "52:54:00:12:34:56"
