"""Real TLS handshakes on 127.0.0.1 (Python's ssl, i.e. OpenSSL) with certificates from
``netwatch tls``: server verification with hostname/IP checks, and mutual TLS."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest

from netwatch.pki.ca import create_ca, save_ca
from netwatch.pki.issue import issue_client, issue_server, save_issued
from netwatch.pki.names import parse_hosts
from tests.pki.conftest import tls

pytestmark = pytest.mark.integration


class OneShotServer:
    """Accepts one TLS connection on 127.0.0.1, sends ``ok``, and records any error."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = int(self.listener.getsockname()[1])
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
            conn.settimeout(10)
            with self.context.wrap_socket(conn, server_side=True) as stream:
                stream.sendall(b"ok")
                stream.recv(1)  # until the client closes
        except (OSError, ssl.SSLError) as exc:
            self.error = exc
        finally:
            self.listener.close()

    def join(self) -> None:
        self.thread.join(15)
        assert not self.thread.is_alive()


def server_context(office: Path, host: str, require_client: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(office / f"{host}.crt", office / f"{host}.key")
    if require_client:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(office / "ca.crt")
    return context


def client_context(ca: Path, client: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    if client is not None:
        context.load_cert_chain(client.with_suffix(".crt"), client.with_suffix(".key"))
    return context


def fetch(server: OneShotServer, context: ssl.SSLContext, name: str = "127.0.0.1") -> bytes:
    try:
        with (
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=name) as stream,
        ):
            return stream.recv(2)
    finally:
        server.join()


def assert_refused(server: OneShotServer, context: ssl.SSLContext) -> None:
    """The server ends the handshake (TLS 1.3: an alert or EOF after it) and sends nothing."""
    try:
        received = fetch(server, context)
    except (ssl.SSLError, ConnectionError):
        return
    assert received == b"", "the server sent data to a client it should have refused"


@pytest.fixture
def issued(office: Path, tmp_path: Path) -> dict[str, Path]:
    """A server certificate for localhost/127.0.0.1, a client certificate, and both of
    another office's CA."""
    other = tmp_path / "other"
    for args in (
        ["issue", "localhost", "127.0.0.1", "::1", "--dir", str(office)],
        ["issue", "--client", "prometheus", "--dir", str(office)],
        ["init", "--dir", str(other)],
        ["issue", "localhost", "127.0.0.1", "--dir", str(other)],
        ["issue", "--client", "prometheus", "--dir", str(other)],
    ):
        result = tls(*args)
        assert result.exit_code == 0, result.output
    return {"office": office, "other": other}


def test_a_client_trusting_the_office_ca_accepts_the_agent(issued: dict[str, Path]) -> None:
    office = issued["office"]
    for name in ("127.0.0.1", "localhost"):
        server = OneShotServer(server_context(office, "localhost", require_client=False))
        assert fetch(server, client_context(office / "ca.crt"), name) == b"ok"
        assert server.error is None


def test_a_name_not_in_the_certificate_is_rejected(issued: dict[str, Path]) -> None:
    office = issued["office"]
    server = OneShotServer(server_context(office, "localhost", require_client=False))
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch|IP address mismatch"):
        fetch(server, client_context(office / "ca.crt"), "pc-01")


def test_an_agent_certificate_of_another_ca_is_rejected(issued: dict[str, Path]) -> None:
    server = OneShotServer(server_context(issued["other"], "localhost", require_client=False))
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        fetch(server, client_context(issued["office"] / "ca.crt"))


def test_mutual_tls_with_the_office_client_certificate(issued: dict[str, Path]) -> None:
    office = issued["office"]
    server = OneShotServer(server_context(office, "localhost", require_client=True))
    context = client_context(office / "ca.crt", office / "prometheus")
    assert fetch(server, context) == b"ok"
    assert server.error is None


@pytest.mark.parametrize(
    ("client", "reason"),
    [
        (None, "peer did not return a certificate"),
        ("other/prometheus", "unable to get local issuer certificate"),
        ("office/localhost", "unsuitable certificate purpose"),
    ],
    ids=["no-client-cert", "client-cert-of-another-ca", "server-cert-as-client-cert"],
)
def test_mutual_tls_rejects_other_clients(
    issued: dict[str, Path], client: str | None, reason: str
) -> None:
    office = issued["office"]
    server = OneShotServer(server_context(office, "localhost", require_client=True))
    certificate = None
    if client is not None:
        which, name = client.split("/")
        certificate = issued[which] / name
    assert_refused(server, client_context(office / "ca.crt", certificate))
    assert isinstance(server.error, ssl.SSLError) and reason in str(server.error)


def test_mutual_tls_rejects_an_expired_client_certificate(tmp_path: Path) -> None:
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)
    ca = create_ca("office of last year", 3650, now=past)
    save_ca(ca, tmp_path, None, force=False)
    save_issued(issue_server(ca, parse_hosts(["127.0.0.1"]), 397), tmp_path, "agent", False)
    save_issued(issue_client(ca, "prometheus", 30, now=past), tmp_path, "prometheus", False)
    server = OneShotServer(server_context(tmp_path, "agent", require_client=True))
    assert_refused(server, client_context(tmp_path / "ca.crt", tmp_path / "prometheus"))
    assert isinstance(server.error, ssl.SSLError)
    assert "certificate has expired" in str(server.error)
