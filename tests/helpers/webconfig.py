"""For the web config tests: certificates, config files, and a real asyncio TLS server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

import bcrypt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.helpers.certs import CertFiles, TestCA


@dataclass
class PKI:
    """An office CA with a server certificate for 127.0.0.1 and client certificates."""

    directory: Path
    ca: TestCA
    server: CertFiles
    client: CertFiles
    expired_client: CertFiles
    foreign_client: CertFiles  # issued by another CA


def make_pki(directory: Path) -> PKI:
    """A CA in ``directory``, its server and client certificates, and a foreign client's."""
    ca = TestCA(directory)
    other_dir = directory / "other-ca"
    other_dir.mkdir()
    other = TestCA(other_dir, name="Another CA")
    return PKI(
        directory=directory,
        ca=ca,
        server=ca.issue("server"),
        client=ca.issue("prometheus", hostnames=("prometheus",)),
        expired_client=ca.issue("expired", hostnames=("prometheus",), days_valid=-1),
        foreign_client=other.issue("foreign", hostnames=("prometheus",)),
    )


def write_web_config(directory: Path, text: str, name: str = "web.yml") -> Path:
    """Write a web config file next to the certificates."""
    path = directory / name
    path.write_text(text)
    return path


def tls_section(client_auth: str = "NoClientCert", extra: str = "") -> str:
    """A ``tls_server_config`` for the PKI's server certificate (paths relative to the file)."""
    lines = [
        "tls_server_config:",
        "  cert_file: server.pem",
        "  key_file: server.key",
        f"  client_auth_type: {client_auth}",
    ]
    if client_auth != "NoClientCert":
        lines.append("  client_ca_file: ca.pem")
    return "\n".join(lines) + "\n" + extra


def leaf_der(cert_file: Path) -> bytes:
    """The DER bytes of the first certificate in a PEM chain file."""
    leaf = x509.load_pem_x509_certificates(cert_file.read_bytes())[0]
    return leaf.public_bytes(serialization.Encoding.DER)


def cheap_hash(password: str) -> str:
    """A bcrypt hash at the lowest cost, to keep tests fast."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


class LoopbackTLSServer:
    """``asyncio.start_server`` with a given SSLContext on 127.0.0.1, in its own thread.

    After each handshake the server writes one line: the TLS version and cipher it
    negotiated, then closes the connection.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(context), self.loop)
        self.server = started.result(10)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def _start(self, context: ssl.SSLContext) -> asyncio.Server:
        return await asyncio.start_server(
            self._greet, "127.0.0.1", 0, ssl=context, ssl_handshake_timeout=5
        )

    async def _greet(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tls = writer.get_extra_info("ssl_object")
        writer.write(f"{tls.version()} {tls.cipher()[0]}\n".encode())
        await writer.drain()
        writer.close()

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Greeting:
    """What a client saw: the server's line and the certificate it presented."""

    line: str
    server_cert: bytes


def greet(
    port: int,
    ca: Path,
    client: CertFiles | None = None,
    host: str = "127.0.0.1",
    max_version: ssl.TLSVersion | None = None,
) -> Greeting:
    """Connect like Prometheus (to an IP: no SNI); raise ssl.SSLError/OSError when refused."""
    context = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        context.load_cert_chain(client.cert, client.key)
    if max_version is not None:
        context.maximum_version = max_version
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        line = tls.recv(200).decode()  # TLS 1.3 reports a refused client cert here
        if not line:
            raise ConnectionError("the server closed the connection without a greeting")
        return Greeting(line.strip(), tls.getpeercert(binary_form=True) or b"")


def refused(
    port: int,
    ca: Path,
    client: CertFiles | None = None,
    max_version: ssl.TLSVersion | None = None,
) -> bool:
    """True when the server refuses the handshake (or drops the connection right after)."""
    try:
        greet(port, ca, client, max_version=max_version)
    except (ssl.SSLError, OSError):
        return True
    return False
