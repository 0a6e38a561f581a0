"""LAN readers: the kernel's neighbour table, ARP frames, MAC spellings, the vendor and
known-devices files, sweep targets. Each returns a result or raises its documented error.

``@example`` lines are inputs that crashed a reader before it was fixed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import FileReader
from netwatch.inventory.nics import Address, Nic
from netwatch.lan.arp import parse_reply
from netwatch.lan.fallback import NeighbourError, parse_ip_neigh, parse_proc_arp, read_neighbours
from netwatch.lan.known import normalise_mac, parse_known_devices
from netwatch.lan.targets import TargetError, choose_networks
from netwatch.lan.vendors import VendorLookup, load_overrides, mac_digits
from tests.fuzz.strategies import DEEP_JSON, EVIL_TOKENS, host_text, json_text, json_values, near
from tests.helpers.recorded import RecordedCommands

PROC_ARP = (
    "IP address       HW type     Flags       HW address            Mask     Device\n"
    "192.168.1.1      0x1         0x2         00:1a:2b:3c:4d:5e     *        eth0\n"
    "192.168.1.7      0x1         0x0         00:00:00:00:00:00     *        eth0\n"
)
IP_NEIGH = '[{"dst":"192.168.1.1","dev":"eth0","lladdr":"00:1a:2b:3c:4d:5e","state":["REACHABLE"]}]'
KNOWN = "devices:\n  - mac: 00:1A:2B:3C:4D:5E\n    name: Máy in tầng 2\n    owner: Kế toán\n"
NIC = Nic("eth0", "00:1a:2b:3c:4d:5e", True, 1000, 1500, (Address("ipv4", "192.168.1.10", 24),))


@given(text=near(PROC_ARP))
@example(text=PROC_ARP.replace("0x2", "zz"))  # int(flags, 16) on a non-hex field
def test_proc_net_arp(text: str) -> None:
    for (device, ip), mac in parse_proc_arp(text).items():
        assert device and ip and mac == mac.lower()


@given(text=st.one_of(near(IP_NEIGH), json_values.map(json_text), st.sampled_from(DEEP_JSON)))
@example(text="[1]")  # AttributeError: 'int' object has no attribute 'get'
@example(text='[{"lladdr": "x"}]')  # KeyError: 'dev'
@example(text="[" * 100_000)  # RecursionError
def test_ip_neigh(text: str) -> None:
    try:
        entries = parse_ip_neigh(text)
    except NeighbourError as exc:
        assert str(exc).startswith("ip -j neigh")
        return
    assert all(isinstance(dev, str) and isinstance(mac, str) for (dev, _), mac in entries.items())


@given(stdout=st.one_of(near(IP_NEIGH), host_text), returncode=st.sampled_from([0, 1]))
def test_read_neighbours_without_proc(stdout: str, returncode: int) -> None:
    argv = "ip -j -4 neigh show"
    commands = RecordedCommands({argv: {"returncode": returncode, "stdout": stdout, "stderr": "x"}})
    empty = FileReader(Path(__file__).parents[1] / "fixtures/posture/empty-root")
    try:
        read_neighbours(empty, commands)
    except NeighbourError as exc:
        assert "neigh" in str(exc)


@given(frame=st.binary(max_size=80) | st.builds(lambda tail: bytes(12) + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + tail, st.binary(max_size=30)))  # fmt: skip
def test_arp_frames(frame: bytes) -> None:
    reply = parse_reply(frame)
    assert reply is None or (len(reply[0]) == 4 and len(reply[1]) == 6)


@given(
    text=host_text
    | st.sampled_from(["00:1a:2b:3c:4d:5e\n", "００:1a:2b:3c:4d:5e", "001a.2b3c.4d5e"])
)
def test_mac_spellings(text: str) -> None:
    try:
        mac = normalise_mac(text)
    except ValueError as exc:
        assert "invalid MAC address" in str(exc)
        return
    assert mac_digits(mac) == mac.replace(":", "")
    assert isinstance(VendorLookup().vendor(text), str)


@given(text=near(KNOWN))
@example(text="devices:\n" + "  - " * 1 + "[" * 5000)
@example(text="a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n")  # fmt: skip
def test_known_devices(text: str) -> None:
    try:
        known = parse_known_devices(text, "devices.yaml")
    except ConfigError as exc:
        assert exc.problems and exc.source == "devices.yaml"
        return
    for mac, device in known.by_mac.items():
        assert normalise_mac(mac) == mac and device.name


@given(
    text=near("00:1A:2B: Printer vendor\n'11:22:33:4': Phòng kế toán\n").map(lambda t: t[:20_000])
)
@example(text="[" * 5000)  # RecursionError from the YAML reader
def test_vendor_overrides(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "vendors.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            overrides = load_overrides(path)
        except ValueError as exc:
            assert str(exc).startswith(str(path))
            return
    assert all(len(prefix) <= 12 and name for prefix, name in overrides.items())


@given(cidrs=st.lists(st.sampled_from(EVIL_TOKENS) | host_text | st.sampled_from(
    ["192.168.1.0/24", "10.0.0.0/8", "::1/128", "192.168.1.300/24", "192.168.1.0/" + "9" * 5000]),
    max_size=3), interface=st.none() | st.sampled_from(["eth0", "wlan0", ""]))  # fmt: skip
def test_sweep_targets(cidrs: list[str], interface: str | None) -> None:
    try:
        chosen = choose_networks(cidrs, interface, nics=[NIC])
    except TargetError as exc:
        assert str(exc)
        return
    assert all(name == "eth0" for name, _ in chosen)
