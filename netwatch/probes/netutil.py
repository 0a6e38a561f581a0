"""Connection helpers shared by the probers: targets, resolution, TCP and TLS phases."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from typing import Any, Literal

from netwatch.i18n import msg
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.scope import check_addresses, check_host, note

IpFamily = Literal["any", "ipv4", "ipv6"]
_FAMILIES = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}


def valid_host(host: str) -> str:
    """``host`` when it is an IP address or a DNS name; ProbeFailure("config") otherwise."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        name = host[:-1] if host.endswith(".") else host
        if not name or len(name) > 253 or not all(map(_valid_label, name.split("."))):
            why = msg("invalid host {host}: use a host name or an IP address", host=repr(host))
            raise ProbeFailure("config", why) from None
    return host


def _valid_label(label: str) -> bool:
    return 0 < len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label)


def parse_host(target: str) -> str:
    """A bare host target (``name``, ``address`` or ``[v6]``); ProbeFailure("config") if not."""
    return valid_host(target.strip().strip("[]"))


def split_host_port(target: str, default_port: int | None = None) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or (with a default port) a bare host."""
    text = target.strip()
    if "://" in text:
        why = msg("invalid target {target}: give HOST:PORT, not a URL", target=repr(target))
        raise ProbeFailure("config", why)
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if not sep:
            why = msg("invalid target {target}: unclosed '['", target=repr(target))
            raise ProbeFailure("config", why)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not port_text:
        if default_port is None:
            why = msg("invalid target {target}: expected HOST:PORT", target=repr(target))
            raise ProbeFailure("config", why)
        return valid_host(host), default_port
    if not (
        port_text.isascii()
        and port_text.isdigit()
        and len(port_text) <= 5
        and 0 < int(port_text) < 65536
    ):
        why = msg("invalid port in target {target}: use 1-65535", target=repr(target))
        raise ProbeFailure("config", why)
    return valid_host(host), int(port_text)


def _ip_literal(host: str, family: IpFamily) -> int | None:
    """The address family of an IP literal usable with ``family``; None for names."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    found = socket.AF_INET if address.version == 4 else socket.AF_INET6
    wanted = _FAMILIES[family]
    if wanted not in (socket.AF_UNSPEC, found):
        why = msg("{host} is not an {family} address", host=host, family=family)
        raise ProbeFailure("config", why)
    return found


def _lookup(host: str, port: int, family: int, timing: list[float]) -> list[Any]:
    """getaddrinfo on a worker thread, timing the call itself (not the thread's start)."""
    start = time.perf_counter()
    try:
        return socket.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
    finally:
        timing.append(time.perf_counter() - start)


async def resolve(
    host: str, port: int, result: ProbeResult, family: IpFamily = "any"
) -> tuple[int, str]:
    """Resolve ``host`` (timed as the ``resolve`` phase); returns (address family, address).

    Inside a /probe scope every address the name resolves to must pass the module's
    rules, and the caller connects to the returned, checked address: no second lookup.
    """
    check_host(host)
    literal = _ip_literal(host, family)
    if literal is not None:
        check_addresses(host, [host])
        result.phases["resolve"] = 0.0
        result.info["address"] = host
        return literal, host
    loop = asyncio.get_running_loop()
    timing: list[float] = []
    started = time.perf_counter()
    try:
        infos = await loop.run_in_executor(None, _lookup, host, port, _FAMILIES[family], timing)
    except socket.gaierror as exc:
        why = msg("cannot resolve {host}: {error}", host=host, error=exc.strerror or str(exc))
        raise ProbeFailure("resolve", why) from exc
    finally:  # the lookup's own time; the time waited when the probe gave up first
        result.phases["resolve"] = timing[0] if timing else time.perf_counter() - started
    if not infos:
        raise ProbeFailure("resolve", msg("cannot resolve {host}: no address", host=host))
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    note(f"resolved {host} to {', '.join(addresses)}")
    check_addresses(host, addresses)
    address_family, _, _, _, sockaddr = infos[0]
    result.info["address"] = str(sockaddr[0])
    return address_family, str(sockaddr[0])


async def connect(
    host: str, port: int, result: ProbeResult, family: IpFamily = "any"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Resolve and open a TCP connection, timing the ``resolve`` and ``connect`` phases.

    The ``connect`` phase is the handshake alone: the socket is made before it, the
    streams after it.
    """
    address_family, address = await resolve(host, port, result, family)
    shown = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    note(f"connecting to {shown} over TCP")
    sock = socket.socket(address_family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        with result.phase("connect"):
            await asyncio.get_running_loop().sock_connect(sock, (address, port))
        streams = await asyncio.open_connection(sock=sock, limit=1024 * 1024)
    except BaseException:
        sock.close()
        raise
    note(f"connected to {shown}")
    return streams


async def start_tls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: ssl.SSLContext,
    server_name: str | None,
    result: ProbeResult,
) -> ssl.SSLObject:
    """Upgrade an open stream to TLS (timed as the ``tls`` phase); returns the SSL object."""
    note(f"starting TLS (server name {server_name})")
    with result.phase("tls"):
        if hasattr(writer, "start_tls"):  # Python >= 3.11
            await writer.start_tls(context, server_hostname=server_name)
        else:  # Python 3.10: the same steps StreamWriter.start_tls performs
            loop = asyncio.get_running_loop()
            transport = await loop.start_tls(
                writer.transport, writer.transport.get_protocol(), context,
                server_hostname=server_name,
            )  # fmt: skip
            writer._transport = transport  # type: ignore[attr-defined]
            reader._transport = transport  # type: ignore[attr-defined]
    ssl_object: ssl.SSLObject | None = writer.get_extra_info("ssl_object")
    if ssl_object is None:
        raise ProbeFailure("tls", msg("TLS handshake did not produce a session"))
    result.info["tls_version"] = ssl_object.version() or ""
    note(f"TLS handshake done ({result.info['tls_version']}, server name {server_name})")
    return ssl_object


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a stream without letting a slow or broken peer raise or stall."""
    writer.close()
    with contextlib.suppress(OSError, asyncio.TimeoutError, ssl.SSLError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)
