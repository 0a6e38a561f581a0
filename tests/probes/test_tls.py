"""The tls prober against TLS servers on 127.0.0.1 with certificates from a test CA."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.result import ProbeResult
from netwatch.probes.tls import PROBER, TlsProbeParams
from tests.conftest import free_port
from tests.helpers.certs import CertFiles, TestCA
from tests.probes.smtp_server import SmtpServer
from tests.probes.tcp_servers import ServerThread, banner, black_hole, sample, server_context

HELLO = b"hello\r\n"


@pytest.fixture
def servers() -> Iterator[ServerThread]:
    with ServerThread() as thread:
        yield thread


@pytest.fixture
def ca(tmp_path: Path) -> TestCA:
    return TestCA(tmp_path)


def serve_cert(servers: ServerThread, cert: CertFiles) -> int:
    return servers.serve(banner(HELLO), server_context(cert))


def run(port: int, timeout: float = 10.0, **params: object) -> ProbeResult:
    target = f"127.0.0.1:{port}"
    return asyncio.run(run_probe(PROBER, target, TlsProbeParams.model_validate(params), timeout))


def metric(result: ProbeResult, name: str) -> float | None:
    return sample(result, "tls", f"netwatch_probe_{name}")


def trusting(ca: TestCA | CertFiles, **tls: object) -> dict[str, object]:
    path = ca.cert_path if isinstance(ca, TestCA) else ca.cert
    return {"tls": {"ca_file": str(path), **tls}}


def assert_expiry(result: ProbeResult, cert: CertFiles) -> None:
    assert abs(result.values["tls_expiry_timestamp"] - cert.not_after.timestamp()) < 1
    expiry = metric(result, "tls_cert_expiry_timestamp_seconds")
    assert expiry is not None and abs(expiry - cert.not_after.timestamp()) < 1


def test_valid_certificate(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("valid")
    result = run(serve_cert(servers, cert), **trusting(ca))
    assert result.success, result.detail
    assert_expiry(result, cert)
    assert result.values["tls_verified"] == 1
    assert {"resolve", "connect", "tls"} <= result.phases.keys()
    assert result.info["tls_sans"] == "localhost, 127.0.0.1"
    assert "CN=localhost" in result.info["tls_subject"]
    assert "CN=netwatch Test Root CA" in result.info["tls_issuer"]
    assert result.info["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert metric(result, "success") == 1
    assert metric(result, "tls_verified") == 1
    info = sample(result, "tls", "netwatch_probe_tls_info", version=result.info["tls_version"])
    assert info == 1


def test_expiring_soon_passes_by_default(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("soon", days_valid=5)
    result = run(serve_cert(servers, cert), **trusting(ca))
    assert result.success, result.detail
    assert_expiry(result, cert)


def test_expiring_soon_fails_min_days_valid(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("soon", days_valid=5)
    result = run(serve_cert(servers, cert), min_days_valid=10, **trusting(ca))
    assert result.reason == "tls"
    assert "expires in 5 days" in result.detail
    assert result.values["tls_verified"] == 1
    assert_expiry(result, cert)
    assert metric(result, "success") == 0


def test_expired(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("expired", days_valid=-2)
    result = run(serve_cert(servers, cert), **trusting(ca))
    assert result.reason == "tls"
    assert "certificate has expired" in result.detail
    assert result.values["tls_expiry_timestamp"] < time.time() - 86400
    assert_expiry(result, cert)
    assert result.info["tls_version"].startswith("TLS")
    assert metric(result, "tls_verified") == 0
    assert metric(result, "success") == 0


def test_expired_is_reported_without_verification(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("expired", days_valid=-2)
    port = serve_cert(servers, cert)
    result = run(port, tls={"verify": False})
    assert result.success, result.detail
    assert result.values["tls_verified"] == 0
    assert_expiry(result, cert)
    result = run(port, tls={"verify": False}, min_days_valid=1)
    assert result.reason == "tls"
    assert "expired 2 days ago" in result.detail


def test_wrong_hostname(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("other", hostnames=("localhost",))
    result = run(serve_cert(servers, cert), **trusting(ca))
    assert result.reason == "tls"
    assert result.detail == "hostname mismatch: certificate is for localhost, not 127.0.0.1"
    assert result.info["tls_sans"] == "localhost"
    assert_expiry(result, cert)
    assert metric(result, "tls_verified") == 0
    assert metric(result, "success") == 0


def test_server_name_checks_another_name(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("other", hostnames=("localhost",))
    result = run(serve_cert(servers, cert), **trusting(ca, server_name="localhost"))
    assert result.success, result.detail


def test_unknown_ca(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("valid")
    result = run(serve_cert(servers, cert))  # the test CA is not in the system store
    assert result.reason == "tls"
    # The server sends the test CA along: OpenSSL sees a self-signed certificate in the chain.
    assert re.search("self.signed certificate in certificate chain", result.detail)
    assert_expiry(result, cert)


def test_self_signed(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("self", self_signed=True)
    port = serve_cert(servers, cert)
    result = run(port)
    assert result.reason == "tls"
    assert re.search("^self.signed certificate$", result.detail)
    assert result.info["tls_subject"] == result.info["tls_issuer"]
    assert_expiry(result, cert)
    result = run(port, **trusting(cert))
    assert result.success, result.detail
    assert metric(result, "tls_verified") == 1


def test_min_version_refused(servers: ServerThread, ca: TestCA) -> None:
    context = server_context(ca.issue("old"))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    port = servers.serve(banner(HELLO), context)
    result = run(port, **trusting(ca, min_version="TLS1.3"))
    assert result.reason == "tls"
    assert "handshake" in result.detail
    assert metric(result, "success") == 0


def test_smtp_starttls(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("mail")
    server = SmtpServer(tls=server_context(cert))
    result = run(servers.serve(server.handle), starttls="smtp", **trusting(ca))
    assert result.success, result.detail
    assert server.commands[:2] == ["EHLO", "STARTTLS"]
    assert {"banner", "tls"} <= result.phases.keys()
    assert_expiry(result, cert)
    assert metric(result, "tls_verified") == 1


def test_smtp_starttls_expired(servers: ServerThread, ca: TestCA) -> None:
    cert = ca.issue("mail", days_valid=-1)
    server = SmtpServer(tls=server_context(cert))
    result = run(servers.serve(server.handle), starttls="smtp", **trusting(ca))
    assert result.reason == "tls"
    assert "certificate has expired" in result.detail
    assert_expiry(result, cert)  # read over a second STARTTLS session
    assert server.commands.count("STARTTLS") == 2


def test_smtp_starttls_not_offered(servers: ServerThread) -> None:
    result = run(servers.serve(SmtpServer(offer_starttls=False).handle), starttls="smtp")
    assert result.reason == "protocol"


def test_black_hole_times_out(servers: ServerThread) -> None:
    result = run(servers.serve(black_hole), timeout=1.0)
    assert result.reason == "timeout"
    assert 0.9 <= result.duration < 3
    assert metric(result, "success") == 0


def test_refused() -> None:
    result = run(free_port())
    assert result.reason == "refused"
    assert metric(result, "success") == 0


def test_params_are_validated() -> None:
    with pytest.raises(ValidationError):
        TlsProbeParams(min_days_valid=-1)
    with pytest.raises(ValidationError):
        TlsProbeParams(starttls="imap")
