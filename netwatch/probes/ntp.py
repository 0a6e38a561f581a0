"""NTP prober: ask a time server for the time (SNTP v4, RFC 4330) and check this host's offset."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from dataclasses import dataclass
from functools import partial

from pydantic import Field

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration, StrictModel
from netwatch.i18n import Message, msg
from netwatch.probes.base import PROBE_LABELS, Prober
from netwatch.probes.netutil import IpFamily, resolve, split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult, rounded

DEFAULT_PORT = 123
NTP_EPOCH = 2208988800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)
_ERA = 2**32  # NTP seconds wrap every 136 years (next in 2036)
# Header, stratum, poll, precision, root delay, root dispersion, reference id, 4 timestamps.
_PACKET = struct.Struct("!BBbbiI4sQQQQ")
_REQUEST_HEADER = 0x23  # leap indicator 0, version 4, mode 3 (client)
_SERVER_MODE = 4
_UNSYNCHRONISED = 3  # leap indicator "alarm": the server's clock is not synchronised
_REFUSALS = {  # Kiss-o'-Death codes by which a server refuses to serve this client
    "DENY": msg("access denied"),
    "RSTR": msg("access restricted"),
    "RATE": msg("rate limit exceeded, poll less often"),
}


class NtpParams(StrictModel):
    """What an acceptable time server answer looks like."""

    ip_family: IpFamily = Field(
        "any", description="Address family used to reach the server: any, ipv4 or ipv6."
    )
    max_offset: Duration = Field(
        1.0, description="Largest clock difference between this host and the server that is "
        "still fine. Large offsets make log times disagree and break Kerberos / Active "
        "Directory logins (they fail beyond 5 minutes)."
    )  # fmt: skip
    max_stratum: int = Field(
        15, ge=1, le=15, description="Largest acceptable stratum: 1 is a server with its own "
        "clock (GPS, radio), each hop adds one. E.g. 3 to insist on a well-connected source."
    )  # fmt: skip
    allow_unsynchronised: bool = Field(
        False, description="Accept a server that says its own clock is not synchronised "
        "(leap indicator 3, or stratum 0 such as INIT). A Kiss-o'-Death refusal (DENY, RSTR, "
        "RATE) always fails."
    )  # fmt: skip


@dataclass(frozen=True)
class NtpReply:
    """The fields of a server reply the probe uses (timestamps in raw NTP format)."""

    leap: int
    version: int
    mode: int
    stratum: int
    root_delay: float
    root_dispersion: float
    reference_id: bytes
    originate: int
    receive: int
    transmit: int


def to_ntp(unix_time: float) -> int:
    """A Unix time as a 64-bit NTP timestamp (32.32 fixed point since 1900)."""
    return int((unix_time + NTP_EPOCH) * 2**32) % 2**64


def from_ntp(timestamp: int, near: float) -> float:
    """An NTP timestamp as Unix time, taking the NTP era closest to ``near`` (a Unix time)."""
    seconds = timestamp / 2**32 - NTP_EPOCH
    return seconds - round((seconds - near) / _ERA) * _ERA


def offset_and_delay(reply: NtpReply, sent_at: float, received_at: float) -> tuple[float, float]:
    """The server's clock minus ours (positive: the server is ahead) and the round-trip
    network delay, for a request sent at ``sent_at`` answered at ``received_at``."""
    server_receive, server_transmit = (
        from_ntp(reply.receive, sent_at),
        from_ntp(reply.transmit, sent_at),
    )
    offset = ((server_receive - sent_at) + (server_transmit - received_at)) / 2
    return offset, (received_at - sent_at) - (server_transmit - server_receive)


def synchronised(reply: NtpReply) -> bool:
    """The server says its clock is synchronised: leap indicator not 3, stratum 1-15."""
    return reply.leap != _UNSYNCHRONISED and 1 <= reply.stratum <= 15


def request(unix_time: float) -> bytes:
    """A 48-byte SNTP v4 client request whose transmit timestamp is ``unix_time``."""
    return _PACKET.pack(_REQUEST_HEADER, 0, 0, 0, 0, 0, b"\0" * 4, 0, 0, 0, to_ntp(unix_time))


def parse_reply(data: bytes, sent: bytes) -> NtpReply:
    """Decode a server reply to the request ``sent``; ProbeFailure "protocol" when unusable."""
    if len(data) < _PACKET.size:
        why = msg("short reply: {size} bytes, an NTP reply has at least 48", size=len(data))
        raise ProbeFailure("protocol", why)
    header, stratum, _, _, delay, dispersion, ref, _, originate, receive, transmit = (
        _PACKET.unpack_from(data)
    )
    reply = NtpReply(
        header >> 6, header >> 3 & 7, header & 7, stratum, delay / 2**16, dispersion / 2**16,
        ref, originate, receive, transmit,
    )  # fmt: skip
    if reply.mode != _SERVER_MODE or not 1 <= reply.version <= 4:
        why = msg(
            "not an NTP server reply (mode {mode}, version {version})",
            mode=reply.mode,
            version=reply.version,
        )
        raise ProbeFailure("protocol", why)
    if reply.originate != _PACKET.unpack(sent)[-1]:
        raise ProbeFailure(
            "protocol",
            msg("the reply's originate timestamp is not our request's (stale or forged)"),
        )
    return reply


def reference_text(reply: NtpReply) -> str:
    """The reference id for people: a code (stratum 0 and 1) or an upstream IPv4 address."""
    if reply.stratum <= 1:
        code = reply.reference_id.rstrip(b"\0")
        return "".join(chr(byte) if 32 <= byte < 127 else "?" for byte in code)
    return socket.inet_ntoa(reply.reference_id)


class _Client(asyncio.DatagramProtocol):
    """Hands the first datagram (with its arrival time) or socket error to a future."""

    def __init__(self, answer: asyncio.Future[tuple[bytes, float]]) -> None:
        self._answer = answer

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if not self._answer.done():
            self._answer.set_result((data, time.perf_counter()))

    def error_received(self, exc: Exception) -> None:
        if not self._answer.done():
            self._answer.set_exception(exc)


async def _exchange(family: int, address: str, port: int) -> tuple[bytes, bytes, float, float]:
    """Send one request; return it, the reply and the send / receive Unix times."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[tuple[bytes, float]] = loop.create_future()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Client(answer), remote_addr=(address, port), family=family
    )
    try:
        sent_at, sent_clock = time.time(), time.perf_counter()
        sent = request(sent_at)
        transport.sendto(sent)
        data, received_clock = await answer
    finally:
        transport.close()
    return sent, data, sent_at, sent_at + received_clock - sent_clock


async def probe(target: str, params: NtpParams, result: ProbeResult) -> None:
    """Ask ``target`` (HOST or HOST:PORT) for the time; check its state and our offset."""
    host, port = split_host_port(target, DEFAULT_PORT)
    family, address = await resolve(host, port, result, params.ip_family)
    with result.phase("query"):
        sent, data, t1, t4 = await _exchange(family, address, port)
    reply = parse_reply(data, sent)
    _describe(reply, result)
    _check_usable(reply)
    offset, delay = offset_and_delay(reply, t1, t4)
    result.values["ntp_offset_seconds"] = offset
    result.info["ntp_delay"] = f"{delay:.6f}s"
    _check_state(reply, params)
    if abs(offset) > params.max_offset:
        why = msg(
            "clock offset {sign}{offset}s is larger than {maximum}s",
            sign="+" if offset >= 0 else "",
            offset=rounded(offset, 3),
            maximum=rounded(params.max_offset, 3),
        )
        raise ProbeFailure("content", why)


def _describe(reply: NtpReply, result: ProbeResult) -> None:
    """Record the server's stratum, reference and root distances."""
    result.values["ntp_stratum"] = float(reply.stratum)
    result.info["ntp_reference_id"] = reference_text(reply)
    result.info["ntp_root_delay"] = f"{reply.root_delay:.6f}s"
    result.info["ntp_root_dispersion"] = f"{reply.root_dispersion:.6f}s"
    result.info["ntp_leap"] = str(reply.leap)


def _check_usable(reply: NtpReply) -> None:
    """Fail on a Kiss-o'-Death refusal or a reply without a transmit time."""
    code = reference_text(reply) if reply.stratum == 0 else ""
    if code in _REFUSALS:
        why = msg("Kiss-o'-Death {code}: {why}", code=code, why=_REFUSALS[code])
        raise ProbeFailure("status", why)
    if reply.transmit == 0:
        raise ProbeFailure("protocol", msg("the reply carries no transmit timestamp"))


def _check_state(reply: NtpReply, params: NtpParams) -> None:
    """Fail on an unsynchronised server (unless allowed) or one too many hops from a clock."""
    unsynchronised = not synchronised(reply)
    if unsynchronised and not params.allow_unsynchronised:
        raise ProbeFailure("status", _unsynchronised(reply))
    if not unsynchronised and reply.stratum > params.max_stratum:
        why = msg(
            "stratum {stratum} is above the maximum {maximum}",
            stratum=reply.stratum,
            maximum=params.max_stratum,
        )
        raise ProbeFailure("status", why)


def _unsynchronised(reply: NtpReply) -> Message:
    """An unsynchronised server's state (and its Kiss-o'-Death code at stratum 0)."""
    if reply.stratum == 0:
        return msg(
            "server clock not synchronised (leap indicator {leap}, stratum 0, code {code})",
            leap=reply.leap,
            code=reference_text(reply),
        )
    return msg(
        "server clock not synchronised (leap indicator {leap}, stratum {stratum})",
        leap=reply.leap,
        stratum=reply.stratum,
    )


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    "ntp_offset_seconds": MetricSpec(
        "netwatch_probe_ntp_offset_seconds",
        "gauge",
        "Clock offset of this host against the NTP server (positive: server ahead).",
        PROBE_LABELS,
    ),
    "ntp_stratum": MetricSpec(
        "netwatch_probe_ntp_stratum", "gauge", "Stratum the NTP server reports.", PROBE_LABELS
    ),
}

EXAMPLE = """\
- name: time
  prober: ntp
  target: time.ubnd.local
  interval: 5m
  ntp: {max_offset: 500ms}
"""

PROBER = Prober(
    check_target=partial(split_host_port, default_port=DEFAULT_PORT),
    name="ntp",
    value_metrics=VALUE_METRICS,
    default_module="ntp",
    example=EXAMPLE,
    params_model=NtpParams,
    probe=probe,
    description="Ask an NTP time server (target HOST or HOST:PORT, port 123 by default) for the "
    "time and check that it is synchronised and that this host's clock is close to it.",
)
