"""The icmp prober: real pings to loopback, and stand-in sockets for loss and failures.

Nothing here sends a packet beyond 127.0.0.1 and ::1; the stand-in sockets send nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import functools
import os
import socket
import struct
from collections.abc import Iterable
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.icmp import (
    PROBER,
    IcmpMessage,
    IcmpParams,
    SocketFactory,
    checksum,
    echo_request,
    open_socket,
    parse_message,
    probe,
)
from netwatch.probes.metrics import result_families
from netwatch.probes.result import ProbeFailure, ProbeResult

# Recorded on Linux with raw sockets: identifier 0x1234, sequence 7, payload b"netwatch".
RAW_V4_REQUEST = bytes.fromhex(
    "4500002427044000400115d37f0000017f00000108003e0b123400076e65747761746368"
)
RAW_V4_REPLY = bytes.fromhex(
    "4500002427050000400155d27f0000017f0000010000460b123400076e65747761746368"
)
RAW_V6_REQUEST = bytes.fromhex("8000c5be123400076e65747761746368")
RAW_V6_REPLY = bytes.fromhex("8100c4be123400076e65747761746368")


def run(
    target: str, timeout: float = 10.0, factory: SocketFactory | None = None, **params: object
) -> ProbeResult:
    prober = PROBER
    if factory is not None:
        prober = dataclasses.replace(PROBER, probe=functools.partial(probe, socket_factory=factory))
    return asyncio.run(run_probe(prober, target, IcmpParams.model_validate(params), timeout))


def sample(result: ProbeResult, name: str) -> float | None:
    """The value of metric ``name`` for service ``svc`` built from ``result``; None if absent."""
    for family in result_families([("svc", "icmp", result)], {}):
        for metric in family.samples:
            if metric.name == name and metric.labels.get("phase") in (None, "total"):
                return float(metric.value)
    return None


def can_open(family: int, kind: int) -> bool:
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    try:
        socket.socket(family, kind, proto).close()
    except OSError:
        return False
    return True


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def ping_group_allows_us() -> bool:
    path = Path("/proc/sys/net/ipv4/ping_group_range")
    if not path.exists():
        return False
    low, high = (int(part) for part in path.read_text().split())
    return any(low <= gid <= high for gid in {os.getgid(), *os.getgroups()})


RAW_V4 = pytest.mark.skipif(
    not can_open(socket.AF_INET, socket.SOCK_RAW), reason="no raw ICMP socket (needs CAP_NET_RAW)"
)
IPV6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback (::1)")


class StandInHost:
    """Stands in for an ICMP datagram socket: a host that answers some sequence numbers.

    Sent packets go into one end of a socketpair; answers come back out of the other, so
    nothing reaches the network. ``replies`` are the sequences answered with an echo reply
    (with a different identifier, as the kernel rewrites it), ``unreachable`` those
    answered with a destination-unreachable error, ``send_error`` an errno sendto raises.
    """

    def __init__(
        self, replies: Iterable[int] = (), unreachable: Iterable[int] = (), send_error: int = 0
    ) -> None:
        self.replies, self.unreachable, self.send_error = set(replies), set(unreachable), send_error
        self.sent: list[tuple[bytes, tuple[str, int]]] = []
        self.opened: list[tuple[int, int, int]] = []
        self._sock, self._host = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)

    def factory(self, family: int, kind: int, proto: int) -> StandInHost:
        self.opened.append((family, kind, proto))
        return self

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        if self.send_error:
            raise OSError(self.send_error, os.strerror(self.send_error))
        self.sent.append((data, address))
        _, _, _, identifier, sequence = struct.unpack_from("!BBHHH", data)
        if sequence in self.replies:
            self._host.send(echo_reply((identifier + 1) % 0x10000, sequence, data[8:]))
        if sequence in self.unreachable:
            self._host.send(unreachable_v4(data))
        return len(data)

    def recv(self, size: int) -> bytes:
        return self._sock.recv(size)

    def fileno(self) -> int:
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def gettimeout(self) -> float | None:
        return self._sock.gettimeout()

    def close(self) -> None:
        self._sock.close()
        self._host.close()


def echo_reply(identifier: int, sequence: int, payload: bytes) -> bytes:
    packet = struct.pack("!BBHHH", 0, 0, 0, identifier, sequence) + payload
    return struct.pack("!BBHHH", 0, 0, checksum(packet), identifier, sequence) + payload


def ipv4_header(protocol: int, length: int) -> bytes:
    return struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + length, 1, 0, 64, protocol, 0,
        socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"),
    )  # fmt: skip


def unreachable_v4(request: bytes, code: int = 1) -> bytes:
    """A host-unreachable error quoting ``request`` (IP header and the first 8 bytes)."""
    quoted = ipv4_header(socket.IPPROTO_ICMP, len(request)) + request[:8]
    return struct.pack("!BBHI", 3, code, 0, 0) + quoted


@RAW_V4
@pytest.mark.parametrize("mode", ["raw", "auto"])
def test_ping_ipv4_loopback(mode: str) -> None:
    result = run("127.0.0.1", socket_mode=mode, interval="50ms")
    assert result.success, result.detail
    assert result.info["icmp_replies"] == "3/3"
    assert result.info["icmp_socket"] in ("raw", "unprivileged")
    assert 0 < result.values["icmp_rtt_seconds"] < 0.5
    assert result.phases["rtt"] == result.values["icmp_rtt_seconds"]
    assert sample(result, "netwatch_probe_success") == 1
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == 0
    assert 0 < (sample(result, "netwatch_probe_icmp_rtt_seconds") or 0) < 0.5


@pytest.mark.skipif(
    not (ping_group_allows_us() and can_open(socket.AF_INET, socket.SOCK_DGRAM)),
    reason="unprivileged ICMP sockets not allowed (net.ipv4.ping_group_range)",
)
def test_ping_ipv4_loopback_unprivileged() -> None:
    result = run("127.0.0.1", socket_mode="unprivileged", count=2)
    assert result.success, result.detail
    assert result.info["icmp_socket"] == "unprivileged"
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == 0


@IPV6
@pytest.mark.skipif(
    not (
        can_open(socket.AF_INET6, socket.SOCK_RAW) or can_open(socket.AF_INET6, socket.SOCK_DGRAM)
    ),
    reason="no ICMPv6 socket available",
)
def test_ping_ipv6_loopback() -> None:
    result = run("::1", count=2, payload_size=100)
    assert result.success, result.detail
    assert result.info["address"] == "::1"
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == 0


@RAW_V4
def test_host_name_is_resolved() -> None:
    result = run("localhost", ip_family="ipv4", count=1)
    assert result.success, result.detail
    assert "resolve" in result.phases
    assert result.info["address"] == "127.0.0.1"


def test_no_reply_ends_in_timeout() -> None:
    host = StandInHost()
    result = run("127.0.0.1", timeout=1.5, factory=host.factory)
    assert result.reason == "timeout"
    assert 1.4 < result.duration < 3.0
    assert result.info["icmp_socket"] == "unprivileged"
    assert host.opened == [(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)]
    sequences = [struct.unpack_from("!BBHHH", data)[4] for data, _ in host.sent]
    assert sequences == [0, 1, 2]
    assert {address for _, address in host.sent} == {("127.0.0.1", 0)}
    assert sample(result, "netwatch_probe_success") == 0
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == 1
    assert sample(result, "netwatch_probe_icmp_rtt_seconds") is None


def test_partial_loss_still_succeeds() -> None:
    host = StandInHost(replies={0, 2})
    result = run("127.0.0.1", timeout=10, factory=host.factory)
    assert result.success, result.detail
    assert result.info["icmp_replies"] == "2/3"
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == pytest.approx(1 / 3)
    # Success proves the missing reply was not awaited until the timeout (that would fail the
    # probe); the duration is the network time (resolve + mean round trip), not the waiting.
    assert result.duration == result.phases["resolve"] + result.phases["rtt"]


def test_reply_with_other_payload_is_ignored() -> None:
    host = StandInHost(replies={0})
    original = host.sendto

    def corrupt(data: bytes, address: tuple[str, int]) -> int:
        return original(data[:-1] + bytes([data[-1] ^ 0xFF]), address)

    host.sendto = corrupt  # type: ignore[method-assign]
    result = run("127.0.0.1", timeout=1.5, factory=host.factory, count=1)
    assert result.reason == "timeout"


def test_send_error_is_unreachable() -> None:
    host = StandInHost(send_error=errno.EHOSTUNREACH)
    result = run("127.0.0.1", timeout=10, factory=host.factory, count=2, interval="10ms")
    assert result.reason == "unreachable"
    assert result.duration < 5
    assert sample(result, "netwatch_probe_icmp_loss_ratio") == 1


def test_destination_unreachable_errors_fail_fast() -> None:
    host = StandInHost(unreachable={0, 1, 2})
    result = run("127.0.0.1", timeout=10, factory=host.factory, interval="10ms")
    assert result.reason == "unreachable"
    assert result.detail == "destination unreachable (ICMP code 1)"
    assert result.duration < 5


def test_permission_failure_says_how_to_fix() -> None:
    attempts: list[int] = []

    def refuse(family: int, kind: int, proto: int) -> socket.socket:
        attempts.append(kind)
        raise PermissionError(errno.EPERM, "Operation not permitted")

    result = run("127.0.0.1", factory=refuse)
    assert result.reason == "permission"
    assert "sysctl -w net.ipv4.ping_group_range='0 2147483647'" in result.detail
    assert "CAP_NET_RAW" in result.detail
    assert attempts == [socket.SOCK_DGRAM, socket.SOCK_RAW]
    assert sample(result, "netwatch_probe_success") == 0


@pytest.mark.parametrize(
    ("mode", "fix", "not_fix"),
    [("unprivileged", "ping_group_range", "CAP_NET_RAW"), ("raw", "CAP_NET_RAW", "sysctl")],
)
def test_permission_detail_matches_the_mode(mode: str, fix: str, not_fix: str) -> None:
    def refuse(family: int, kind: int, proto: int) -> socket.socket:
        raise PermissionError(errno.EACCES, "Permission denied")

    with pytest.raises(ProbeFailure) as failure:
        open_socket(socket.AF_INET, mode, refuse)  # type: ignore[arg-type]
    assert failure.value.reason == "permission"
    assert fix in failure.value.detail and not_fix not in failure.value.detail


def test_other_socket_errors_are_not_permission() -> None:
    def unsupported(family: int, kind: int, proto: int) -> socket.socket:
        raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")

    with pytest.raises(ProbeFailure) as failure:
        open_socket(socket.AF_INET6, "auto", unsupported)
    assert failure.value.reason == "error"
    assert "Address family not supported" in failure.value.detail


def test_parse_recorded_packets() -> None:
    reply = IcmpMessage("reply", 0x1234, 7, b"netwatch")
    assert parse_message(socket.AF_INET, RAW_V4_REPLY) == reply
    assert parse_message(socket.AF_INET, RAW_V4_REPLY[20:]) == reply  # datagram socket
    assert parse_message(socket.AF_INET6, RAW_V6_REPLY) == reply
    assert parse_message(socket.AF_INET, RAW_V4_REQUEST) is None  # our own request, looped
    assert parse_message(socket.AF_INET6, RAW_V6_REQUEST) is None
    assert parse_message(socket.AF_INET, b"\x00\x00\x00") is None


def test_parse_unreachable_quoting_our_request() -> None:
    error = unreachable_v4(RAW_V4_REQUEST[20:], code=3)
    expected = IcmpMessage("unreachable", 0x1234, 7, code=3)
    assert parse_message(socket.AF_INET, error) == expected
    assert parse_message(socket.AF_INET, ipv4_header(1, len(error)) + error) == expected
    ipv6_header = struct.pack("!IHBB16s16s", 6 << 28, 16, 58, 64, bytes(16), bytes(16))
    error6 = struct.pack("!BBHI", 1, 0, 0, 0) + ipv6_header + RAW_V6_REQUEST
    assert parse_message(socket.AF_INET6, error6) == IcmpMessage("unreachable", 0x1234, 7)
    udp_quoted = struct.pack("!BBHI", 3, 3, 0, 0) + ipv4_header(17, 8) + bytes(8)
    assert parse_message(socket.AF_INET, udp_quoted) is None


def test_echo_request_layout() -> None:
    packet = echo_request(socket.AF_INET, 0x1234, 7, b"netwatch")
    assert packet == RAW_V4_REQUEST[20:]
    assert checksum(packet) == 0
    assert echo_request(socket.AF_INET6, 0x1234, 7, b"netwatch")[:2] == b"\x80\x00"
    assert checksum(b"\x01") == 0xFEFF


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"count": 0}, "greater than or equal to 1"),
        ({"count": 21}, "less than or equal to 20"),
        ({"interval": "200"}, "invalid duration"),
        ({"payload_size": -1}, "greater than or equal to 0"),
        ({"socket_mode": "privileged"}, "socket_mode"),
    ],
)
def test_invalid_params_are_rejected(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IcmpParams.model_validate(params)


def test_default_params() -> None:
    params = IcmpParams()
    assert (params.count, params.interval, params.payload_size) == (3, 0.2, 56)
    assert params.model_dump(mode="json")["interval"] == "200ms"
