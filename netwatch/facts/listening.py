"""Listening sockets of the running system, from ``ss -H -tulpn`` (numeric, no header)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from netwatch.hostaccess.commands import CommandError, Commands
from netwatch.i18n import Message, msg

SS_ARGV = ("ss", "-H", "-tulpn")
SS_SOURCE = f"command: {' '.join(SS_ARGV)}"
SS_TIMEOUT = 10.0
_PROCESS = re.compile(r'\("([^"]+)",pid=')
_PORT = re.compile("[0-9]{1,5}")


class ListeningError(Exception):
    """The listening sockets could not be read (ss missing, failing or printing nonsense).

    ``message`` is the cause for readers; ``str()`` its English.
    """

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Listener:
    """A socket waiting for connections (TCP LISTEN) or datagrams (UDP UNCONN)."""

    protocol: str
    address: str
    port: int
    processes: tuple[str, ...]
    loopback: bool

    def describe(self) -> str:
        """``tcp 0.0.0.0:3306 (mariadbd)``."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        names = f" ({', '.join(self.processes)})" if self.processes else ""
        return f"{self.protocol} {host}:{self.port}{names}"


def _is_loopback(host: str) -> bool:
    if host == "*":
        return False
    address = ipaddress.ip_address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _parse_line(line: str) -> Listener:
    fields = line.split()
    if len(fields) < 6 or fields[0] not in ("tcp", "udp"):
        why = msg("unexpected line in ss output: {line}", line=repr(line.strip()[:120]))
        raise ListeningError(why)
    host, separator, port = fields[4].rpartition(":")
    host = host.removeprefix("[").removesuffix("]").split("%", 1)[0]
    if not separator or not _PORT.fullmatch(port) or int(port) > 65535 or not host:
        raise ListeningError(_bad_address(fields[4]))
    try:
        loopback = _is_loopback(host)
    except ValueError:
        raise ListeningError(_bad_address(fields[4])) from None
    processes = tuple(dict.fromkeys(_PROCESS.findall(" ".join(fields[6:]))))
    return Listener(fields[0], host, int(port), processes, loopback)


def _bad_address(field: str) -> Message:
    return msg("unexpected local address in ss output: {address}", address=repr(field[:80]))


def parse_ss(text: str) -> list[Listener]:
    """Parse ``ss -H -tulpn`` output; :class:`ListeningError` on a line it does not understand."""
    return [_parse_line(line) for line in text.splitlines() if line.strip()]


def read_listeners(commands: Commands) -> list[Listener]:
    """The listening sockets of the live host (``ss``)."""
    try:
        result = commands.run(list(SS_ARGV), timeout=SS_TIMEOUT)
    except CommandError as exc:
        raise ListeningError(exc.message) from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
        why = detail or msg("exit code {code}", code=result.returncode)
        raise ListeningError(msg("ss failed: {why}", why=why))
    return parse_ss(result.stdout)
