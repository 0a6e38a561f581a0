"""ICMP prober: ping a host (echo request / reply) and report round-trip time and loss."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration, StrictModel
from netwatch.i18n import msg
from netwatch.probes.base import PROBE_LABELS, Prober
from netwatch.probes.netutil import IpFamily, parse_host, resolve
from netwatch.probes.result import ProbeFailure, ProbeResult

SocketMode = Literal["auto", "unprivileged", "raw"]
SocketFactory = Callable[[int, int, int], socket.socket]
"""Makes a socket from (family, type, proto), like :class:`socket.socket`."""

_HEADER = struct.Struct("!BBHHH")  # type, code, checksum, identifier, sequence
# Keyed by address family; callers pass it as a plain int.
_ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
_ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
_UNREACHABLE: dict[int, int] = {socket.AF_INET: 3, socket.AF_INET6: 1}
_PROTOCOL: dict[int, int] = {
    socket.AF_INET: socket.IPPROTO_ICMP,
    socket.AF_INET6: socket.IPPROTO_ICMPV6,
}
_IPV6_HEADER = 40
_BUFFER = 65535
_MIN_LATE_WAIT = 1.0  # seconds to wait for missing replies after the last request, at least
_SOCKET_TYPES = {
    "unprivileged": [socket.SOCK_DGRAM],
    "raw": [socket.SOCK_RAW],
    "auto": [socket.SOCK_DGRAM, socket.SOCK_RAW],
}
_SYSCTL_FIX = msg(
    "allow unprivileged ping with `sysctl -w net.ipv4.ping_group_range='0 2147483647'` "
    "(persist it in /etc/sysctl.d/)"
)
_RAW_FIX = msg(
    "run the agent as root or with CAP_NET_RAW (systemd: `AmbientCapabilities=CAP_NET_RAW`)"
)
_PERMISSION_HELP = {
    "unprivileged": msg("not allowed to open an unprivileged ICMP socket: {fix}", fix=_SYSCTL_FIX),
    "raw": msg("not allowed to open a raw ICMP socket: {fix}", fix=_RAW_FIX),
    "auto": msg(
        "not allowed to open an ICMP socket: {fix}, or {other_fix}",
        fix=_SYSCTL_FIX,
        other_fix=_RAW_FIX,
    ),
}


class IcmpParams(StrictModel):
    """How to ping the target."""

    count: int = Field(
        3, ge=1, le=20, description="Echo requests sent per probe; the probe succeeds when at "
        "least one is answered, and the loss ratio tells how many were not."
    )  # fmt: skip
    interval: Duration = Field(
        0.2, description="Time between two echo requests. Keep count × interval well below "
        "the probe's timeout."
    )  # fmt: skip
    ip_family: IpFamily = Field(
        "any", description="Address family used for a host name: any, ipv4 or ipv6."
    )
    payload_size: int = Field(
        56, ge=0, le=65000, description="Bytes of data in each echo request (56 like ping). "
        "Above 1472 the packets are fragmented on Ethernet."
    )  # fmt: skip
    socket_mode: SocketMode = Field(
        "auto", description="unprivileged: an ICMP datagram socket, allowed for the groups in "
        "the net.ipv4.ping_group_range sysctl; raw: a raw socket, needs root or CAP_NET_RAW; "
        "auto: unprivileged, else raw."
    )  # fmt: skip


@dataclass(frozen=True)
class IcmpMessage:
    """An ICMP message that concerns an echo request: its reply, or an unreachable error."""

    kind: Literal["reply", "unreachable"]
    identifier: int
    sequence: int
    payload: bytes = b""
    code: int = 0


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(family: int, identifier: int, sequence: int, payload: bytes) -> bytes:
    """An echo request; for ICMPv6 the kernel fills in the checksum."""
    kind = _ECHO_REQUEST[family]
    packet = _HEADER.pack(kind, 0, 0, identifier, sequence) + payload
    if family == socket.AF_INET6:
        return packet
    return _HEADER.pack(kind, 0, checksum(packet), identifier, sequence) + payload


def _strip_ipv4_header(data: bytes) -> bytes:
    """Skip an IPv4 header (raw sockets deliver one, Linux datagram sockets do not)."""
    if data and data[0] >> 4 == 4:
        return data[(data[0] & 0x0F) * 4 :]
    return data


def _quoted_request(family: int, data: bytes) -> bytes | None:
    """The echo request an ICMP error quotes (after its 8-byte header), if it quotes one."""
    inner = data[8:]
    if family == socket.AF_INET:
        if len(inner) < 20 or inner[0] >> 4 != 4 or inner[9] != socket.IPPROTO_ICMP:
            return None
        inner = _strip_ipv4_header(inner)
    else:
        if len(inner) < _IPV6_HEADER or inner[6] != socket.IPPROTO_ICMPV6:
            return None
        inner = inner[_IPV6_HEADER:]
    if len(inner) < _HEADER.size or inner[0] != _ECHO_REQUEST[family]:
        return None
    return inner


def parse_message(family: int, data: bytes) -> IcmpMessage | None:
    """An echo reply or an unreachable error about an echo request; None for anything else."""
    if family == socket.AF_INET:
        data = _strip_ipv4_header(data)
    if len(data) < _HEADER.size:
        return None
    kind, code, _, identifier, sequence = _HEADER.unpack_from(data)
    if kind == _ECHO_REPLY[family]:
        return IcmpMessage("reply", identifier, sequence, data[_HEADER.size :], code)
    if kind == _UNREACHABLE[family] and (quoted := _quoted_request(family, data)):
        _, _, _, identifier, sequence = _HEADER.unpack_from(quoted)
        return IcmpMessage("unreachable", identifier, sequence, code=code)
    return None


def open_socket(
    family: int, mode: SocketMode, factory: SocketFactory = socket.socket
) -> tuple[socket.socket, str]:
    """A non-blocking ICMP socket per ``mode``, and which kind it is (unprivileged or raw)."""
    errors: list[OSError] = []
    for kind in _SOCKET_TYPES[mode]:
        try:
            sock = factory(family, kind, _PROTOCOL[family])
        except OSError as exc:
            errors.append(exc)
            continue
        sock.setblocking(False)
        return sock, "raw" if kind == socket.SOCK_RAW else "unprivileged"
    if any(isinstance(error, PermissionError) for error in errors):
        raise ProbeFailure("permission", _PERMISSION_HELP[mode])
    error = errors[-1].strerror or str(errors[-1])
    raise ProbeFailure("error", msg("cannot open an ICMP socket: {error}", error=error))


@dataclass
class _Echoes:
    """Echo requests of one probe and what became of each, by sequence number."""

    count: int
    result: ProbeResult
    sent: dict[int, float] = field(default_factory=dict)
    rtts: dict[int, float] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    problem: Exception | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # a reply, or all settled
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # every request has an end

    def __post_init__(self) -> None:
        self.result.values["icmp_loss_ratio"] = 1.0
        self.result.info["icmp_replies"] = f"0/{self.count}"

    def reply(self, sequence: int, received: float) -> None:
        """Count the reply to ``sequence`` and update the result's RTT and loss."""
        self.rtts[sequence] = received - self.sent[sequence]
        mean = sum(self.rtts.values()) / len(self.rtts)
        self.result.values["icmp_rtt_seconds"] = mean
        self.result.phases["rtt"] = mean
        self.result.values["icmp_loss_ratio"] = 1 - len(self.rtts) / self.count
        self.result.info["icmp_replies"] = f"{len(self.rtts)}/{self.count}"
        self.answered.set()
        self._settle()

    def fail(self, sequence: int, problem: Exception) -> None:
        """Record that ``sequence`` cannot be answered (send error, host unreachable)."""
        self.failed.add(sequence)
        self.problem = problem
        self._settle()

    def abort(self, problem: Exception) -> None:
        """Give up on every outstanding request (the socket failed)."""
        self.problem = problem
        self.failed.update(set(range(self.count)) - self.rtts.keys())
        self._settle()

    def pending(self, sequence: int) -> bool:
        """True when ``sequence`` was sent and has no outcome yet."""
        return sequence in self.sent and sequence not in self.rtts and sequence not in self.failed

    def _settle(self) -> None:
        if len(self.rtts) + len(self.failed) >= self.count:
            self.settled.set()
            self.answered.set()


async def _receive(
    sock: socket.socket, family: int, identifier: int | None, payload: bytes, echoes: _Echoes
) -> None:
    """Match what arrives on ``sock`` to our requests (by identifier unless None)."""
    loop = asyncio.get_running_loop()
    while not echoes.settled.is_set():
        try:
            data = await loop.sock_recv(sock, _BUFFER)
        except OSError as exc:
            echoes.abort(exc)
            return
        received = time.perf_counter()
        message = parse_message(family, data)
        if message is None or not echoes.pending(message.sequence):
            continue
        if identifier is not None and message.identifier != identifier:
            continue
        if message.kind == "reply" and message.payload == payload:
            echoes.reply(message.sequence, received)
        elif message.kind == "unreachable":
            echoes.fail(
                message.sequence,
                ProbeFailure(
                    "unreachable",
                    msg("destination unreachable (ICMP code {code})", code=message.code),
                ),
            )


async def _exchange(
    sock: socket.socket, family: int, address: str, mode: str, params: IcmpParams, echoes: _Echoes
) -> None:
    """Send the echo requests and wait for their replies (or for the probe's timeout)."""
    identifier = random.randrange(0x10000)
    payload = os.urandom(params.payload_size)
    # Datagram sockets get their identifier from the kernel, which only delivers our replies.
    expected_identifier = identifier if mode == "raw" else None
    receiver = asyncio.create_task(_receive(sock, family, expected_identifier, payload, echoes))
    try:
        for sequence in range(params.count):
            if sequence:
                await asyncio.sleep(params.interval)
            echoes.sent[sequence] = time.perf_counter()
            try:
                # A few small datagrams never fill the send buffer: sendto does not block.
                sock.sendto(echo_request(family, identifier, sequence, payload), (address, 0))
            except OSError as exc:
                echoes.fail(sequence, exc)
        await echoes.answered.wait()
        since_last = time.perf_counter() - echoes.sent[params.count - 1]
        late_wait = max(_MIN_LATE_WAIT, 3 * max(echoes.rtts.values(), default=0.0)) - since_last
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(echoes.settled.wait(), max(late_wait, 0.0))
    finally:
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver


async def probe(
    target: str,
    params: IcmpParams,
    result: ProbeResult,
    socket_factory: SocketFactory = socket.socket,
) -> None:
    """Ping ``target`` (a host name or address); succeed when any echo request is answered."""
    family, address = await resolve(parse_host(target), 0, result, params.ip_family)
    sock, mode = open_socket(family, params.socket_mode, socket_factory)
    result.info["icmp_socket"] = mode
    echoes = _Echoes(params.count, result)
    try:
        await _exchange(sock, family, address, mode, params, echoes)
    finally:
        sock.close()
        if echoes.sent and not echoes.rtts:  # no round trip: the time spent waiting for one
            result.phases["wait"] = time.perf_counter() - min(echoes.sent.values())
    if not echoes.rtts:
        raise echoes.problem or ProbeFailure("timeout", msg("no echo reply"))


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    "icmp_rtt_seconds": MetricSpec(
        "netwatch_probe_icmp_rtt_seconds", "gauge", "Mean echo round-trip time.", PROBE_LABELS
    ),
    "icmp_loss_ratio": MetricSpec(
        "netwatch_probe_icmp_loss_ratio",
        "gauge",
        "Share of echo requests unanswered, 0-1.",
        PROBE_LABELS,
    ),
}

EXAMPLE = """\
- name: core-switch
  prober: icmp
  target: 192.168.10.1
  interval: 15s
  icmp: {count: 3}
"""

PROBER = Prober(
    check_target=parse_host,
    name="icmp",
    value_metrics=VALUE_METRICS,
    default_module="icmp",
    example=EXAMPLE,
    params_model=IcmpParams,
    probe=probe,
    description="Ping a host (target: a host name or IP address) with ICMP echo requests and "
    "report round-trip time and loss. Needs the unprivileged ping sysctl or CAP_NET_RAW.",
)
