"""A small DNS server for the ubnd.local office zone on loopback (UDP and TCP, one port)."""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

SOA = "ns1.ubnd.local. hostmaster.ubnd.local. 2024060101 3600 600 86400 300"
# (name, type) -> records; names not listed under ubnd.local get NXDOMAIN.
ZONE = {
    (".", "SOA"): [SOA],
    ("ubnd.local.", "SOA"): [SOA],
    ("portal.ubnd.local.", "A"): ["198.18.0.10"],
    ("ubnd.local.", "MX"): ["10 mail.ubnd.local.", "20 mail2.ubnd.local."],
    ("big.ubnd.local.", "TXT"): [f'"record {n:02d} {"x" * 40}"' for n in range(40)],
}
EXISTING = {name for name, _ in ZONE}
SERVFAIL_NAME = "broken.ubnd.local."
WRONG_ID_NAME = "wrong-id.ubnd.local."
GARBAGE_NAME = "garbage.ubnd.local."
TRUNCATED_NAME = "big.ubnd.local."


@dataclass
class Query:
    """A question the server received."""

    name: str
    rdtype: str
    flags: int
    transport: str


def answer(wire: bytes, transport: str) -> bytes:
    """The server's reply to one query in wire format."""
    query = dns.message.from_wire(wire)
    question = query.question[0]
    name, rdtype = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
    if name == GARBAGE_NAME:
        return b"\x12\x34\x81"
    response = dns.message.make_response(query)
    if name == WRONG_ID_NAME:
        response.id = (query.id + 1) % 65536
    if name == SERVFAIL_NAME:
        response.set_rcode(dns.rcode.SERVFAIL)
    elif name == TRUNCATED_NAME and transport == "udp":
        response.flags |= dns.flags.TC
    elif (name, rdtype) in ZONE:
        response.answer.append(dns.rrset.from_text(name, 300, "IN", rdtype, *ZONE[name, rdtype]))
    elif name not in EXISTING:
        response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(dns.rrset.from_text("ubnd.local.", 300, "IN", "SOA", SOA))
    return response.to_wire()


@dataclass
class DnsServer:
    """Serves :func:`answer` on ``host`` over UDP and TCP from threads; silent: never answers."""

    host: str = "127.0.0.1"
    silent: bool = False
    port: int = 0
    queries: list[Query] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sockets: list[socket.socket] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> DnsServer:
        udp, tcp = self._bind()
        self._sockets += [udp, tcp]
        self._spawn(self._serve_udp, udp)
        self._spawn(self._serve_tcp, tcp)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        for sock in self._sockets:
            sock.close()

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def _bind(self) -> tuple[socket.socket, socket.socket]:
        """A UDP and a TCP socket on the same free port."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for _ in range(50):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.bind((self.host, 0))
            self.port = udp.getsockname()[1]
            tcp = socket.socket(family, socket.SOCK_STREAM)
            try:
                tcp.bind((self.host, self.port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            udp.settimeout(0.1)
            tcp.settimeout(0.1)
            return udp, tcp
        raise RuntimeError("no free port for both UDP and TCP")

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _record(self, wire: bytes, transport: str) -> None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        self.queries.append(
            Query(
                question.name.to_text(),
                dns.rdatatype.to_text(question.rdtype),
                int(query.flags),
                transport,
            )
        )

    def _serve_udp(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            self._record(wire, "udp")
            if not self.silent:
                sock.sendto(answer(wire, "udp"), peer)

    def _serve_tcp(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = sock.accept()
            except TimeoutError:
                continue
            self._sockets.append(connection)
            self._spawn(self._serve_connection, connection)

    def _serve_connection(self, connection: socket.socket) -> None:
        connection.settimeout(0.1)
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = connection.recv(65535)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
                size = struct.unpack("!H", buffer[:2])[0]
                wire, buffer = buffer[2 : 2 + size], buffer[2 + size :]
                self._record(wire, "tcp")
                if not self.silent:
                    reply = answer(wire, "tcp")
                    connection.sendall(struct.pack("!H", len(reply)) + reply)
