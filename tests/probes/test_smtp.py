"""The smtp prober against a small asyncio SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.result import ProbeResult
from netwatch.probes.smtp import PROBER, SmtpParams
from tests.conftest import free_port, wait_until
from tests.helpers.certs import CertFiles, TestCA
from tests.probes.smtp_server import SmtpServer
from tests.probes.tcp_servers import ServerThread, banner, sample, server_context


@pytest.fixture
def servers() -> Iterator[ServerThread]:
    with ServerThread() as thread:
        yield thread


@pytest.fixture
def ca(tmp_path: Path) -> TestCA:
    return TestCA(tmp_path)


@pytest.fixture
def cert(ca: TestCA) -> CertFiles:
    return ca.issue("mail")


def run(port: int, timeout: float = 10.0, **params: object) -> ProbeResult:
    target = f"127.0.0.1:{port}"
    return asyncio.run(run_probe(PROBER, target, SmtpParams.model_validate(params), timeout))


def metric(result: ProbeResult, name: str) -> float | None:
    return sample(result, "smtp", f"netwatch_probe_{name}")


def test_starttls_success(servers: ServerThread, ca: TestCA, cert: CertFiles) -> None:
    server = SmtpServer(tls=server_context(cert))
    result = run(servers.serve(server.handle), tls={"ca_file": str(ca.cert_path)})
    assert result.success, result.detail
    assert server.commands == ["EHLO", "STARTTLS", "EHLO", "QUIT"]
    assert {"resolve", "connect", "banner", "tls"} <= result.phases.keys()
    assert result.values["smtp_status_code"] == 221
    assert result.values["tls_verified"] == 1
    assert abs(result.values["tls_expiry_timestamp"] - cert.not_after.timestamp()) < 1
    assert result.info["smtp_banner"] == "220 mail.test.invalid ESMTP netwatch-test"
    assert "CN=localhost" in result.info["tls_subject"]
    assert result.info["tls_version"].startswith("TLS")
    assert metric(result, "success") == 1
    assert metric(result, "smtp_status_code") == 221
    expiry = metric(result, "tls_cert_expiry_timestamp_seconds")
    assert expiry is not None and abs(expiry - cert.not_after.timestamp()) < 1


def test_plain_smtp_without_starttls(servers: ServerThread) -> None:
    server = SmtpServer(offer_starttls=False)
    result = run(servers.serve(server.handle), starttls=False)
    assert result.success, result.detail
    assert server.commands == ["EHLO", "QUIT"]
    assert "tls" not in result.phases
    assert metric(result, "tls_cert_expiry_timestamp_seconds") is None
    assert metric(result, "smtp_status_code") == 221
    assert metric(result, "success") == 1


def test_starttls_not_offered(servers: ServerThread) -> None:
    server = SmtpServer(offer_starttls=False)
    result = run(servers.serve(server.handle))
    assert result.reason == "protocol"
    assert "STARTTLS" in result.detail
    assert metric(result, "smtp_status_code") == 250
    assert metric(result, "success") == 0
    # The probe still says goodbye.
    assert wait_until(lambda: server.commands == ["EHLO", "QUIT"], timeout=5)


def test_starttls_refused(servers: ServerThread) -> None:
    server = SmtpServer(tls=None)
    result = run(servers.serve(server.handle))
    assert result.reason == "status"
    assert "454" in result.detail
    assert metric(result, "smtp_status_code") == 454
    assert metric(result, "success") == 0


def test_untrusted_certificate(servers: ServerThread, cert: CertFiles) -> None:
    server = SmtpServer(tls=server_context(cert))
    result = run(servers.serve(server.handle))  # the test CA is not in the system store
    assert result.reason == "tls"
    assert "certificate" in result.detail
    assert metric(result, "tls_verified") == 0
    assert metric(result, "success") == 0


def test_service_refused_banner(servers: ServerThread) -> None:
    server = SmtpServer(banner=b"554 5.3.2 mail.test.invalid Service currently unavailable\r\n")
    result = run(servers.serve(server.handle))
    assert result.reason == "status"
    assert "554" in result.detail and "Service currently unavailable" in result.detail
    assert result.info["smtp_banner"].startswith("554 ")
    assert metric(result, "smtp_status_code") == 554
    assert metric(result, "success") == 0


def test_multi_line_banner(servers: ServerThread) -> None:
    server = SmtpServer(
        offer_starttls=False, banner=b"220-mail.test.invalid ESMTP\r\n220 second line\r\n"
    )
    result = run(servers.serve(server.handle), starttls=False, expect_banner="^220 second")
    assert result.success, result.detail
    assert result.info["smtp_banner"] == "220-mail.test.invalid ESMTP"


def test_expect_banner_mismatch(servers: ServerThread) -> None:
    server = SmtpServer(offer_starttls=False)
    result = run(servers.serve(server.handle), starttls=False, expect_banner="Postfix")
    assert result.reason == "content"
    assert "220 mail.test.invalid ESMTP netwatch-test" in result.detail
    assert metric(result, "success") == 0


def test_not_smtp(servers: ServerThread) -> None:
    port = servers.serve(banner(b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n"))
    result = run(port)
    assert result.reason == "protocol"
    assert "SSH-2.0" in result.detail


def test_black_hole_times_out(servers: ServerThread) -> None:
    server = SmtpServer(silent=True)
    result = run(servers.serve(server.handle), timeout=1.0)
    assert result.reason == "timeout"
    assert 0.9 <= result.duration < 3
    assert "banner" in result.phases
    assert metric(result, "success") == 0


def test_refused() -> None:
    result = run(free_port())
    assert result.reason == "refused"
    assert metric(result, "success") == 0


def test_params_are_validated() -> None:
    with pytest.raises(ValidationError, match="helo_name"):
        SmtpParams(helo_name="two words")
    with pytest.raises(ValidationError, match="invalid regular expression"):
        SmtpParams(expect_banner="[")
    with pytest.raises(ValidationError, match="starttls is false"):
        SmtpParams(starttls=False, tls={"verify": False})
    assert SmtpParams(helo_name="[192.0.2.10]").helo_name == "[192.0.2.10]"
