"""Real TLS handshakes against an asyncio server listening with WebConfigSource's context."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable

import pytest

from netwatch.webconfig import WebConfigSource
from tests.helpers.webconfig import (
    PKI,
    LoopbackTLSServer,
    greet,
    leaf_der,
    refused,
    tls_section,
    write_web_config,
)

StartServer = Callable[[ssl.SSLContext], LoopbackTLSServer]


def serve(pki: PKI, start: StartServer, text: str) -> tuple[WebConfigSource, LoopbackTLSServer]:
    source = WebConfigSource(write_web_config(pki.directory, text), interval=0)
    context = source.server_ssl_context()
    assert context is not None
    return source, start(context)


def test_no_client_cert_serves_a_client_connecting_to_an_ip_without_sni(
    pki: PKI, tls_server: StartServer
) -> None:
    _, server = serve(pki, tls_server, tls_section())
    greeting = greet(server.port, pki.ca.cert_path)  # an IP address: Python sends no SNI
    assert greeting.line.startswith("TLSv1.3 ")
    assert greeting.server_cert == leaf_der(pki.server.cert)
    by_name = greet(server.port, pki.ca.cert_path, host="localhost")  # with SNI
    assert by_name.line.startswith("TLSv1.3 ")


def test_require_and_verify_client_cert(pki: PKI, tls_server: StartServer) -> None:
    _, server = serve(pki, tls_server, tls_section("RequireAndVerifyClientCert"))
    ca = pki.ca.cert_path
    assert greet(server.port, ca, pki.client).line.startswith("TLSv1.3")
    assert refused(server.port, ca)  # no client certificate
    assert refused(server.port, ca, pki.expired_client)
    assert refused(server.port, ca, pki.foreign_client)
    assert refused(server.port, ca, pki.client, max_version=ssl.TLSVersion.TLSv1_2) is False


def test_verify_client_cert_if_given(pki: PKI, tls_server: StartServer) -> None:
    _, server = serve(pki, tls_server, tls_section("VerifyClientCertIfGiven"))
    ca = pki.ca.cert_path
    assert not refused(server.port, ca)
    assert not refused(server.port, ca, pki.client)
    assert refused(server.port, ca, pki.foreign_client)
    assert refused(server.port, ca, pki.expired_client)


def test_min_version_tls13_refuses_a_tls12_client(pki: PKI, tls_server: StartServer) -> None:
    _, server = serve(pki, tls_server, tls_section(extra="  min_version: TLS13\n"))
    assert refused(server.port, pki.ca.cert_path, max_version=ssl.TLSVersion.TLSv1_2)
    assert greet(server.port, pki.ca.cert_path).line.startswith("TLSv1.3 ")


def test_max_version_and_cipher_suites_are_applied(pki: PKI, tls_server: StartServer) -> None:
    extra = (
        "  max_version: TLS12\n"
        "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
        "  curve_preferences: [CurveP384]\n"
    )
    _, server = serve(pki, tls_server, tls_section(extra=extra))
    assert greet(server.port, pki.ca.cert_path).line == "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384"


def test_a_new_certificate_is_served_without_a_restart(pki: PKI, tls_server: StartServer) -> None:
    _, server = serve(pki, tls_server, tls_section())
    first = greet(server.port, pki.ca.cert_path).server_cert
    pki.ca.issue("server")  # renew: same file names, new certificate and key
    second = greet(server.port, pki.ca.cert_path).server_cert
    assert first != second
    assert second == leaf_der(pki.server.cert)


def test_a_stricter_client_auth_type_applies_to_the_next_handshake(
    pki: PKI, tls_server: StartServer
) -> None:
    _, server = serve(pki, tls_server, tls_section())
    assert not refused(server.port, pki.ca.cert_path)
    write_web_config(pki.directory, tls_section("RequireAndVerifyClientCert"))
    assert refused(server.port, pki.ca.cert_path)
    assert not refused(server.port, pki.ca.cert_path, pki.client)


def test_an_invalid_new_file_keeps_the_old_context(
    pki: PKI, tls_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    source, server = serve(pki, tls_server, tls_section())
    before = greet(server.port, pki.ca.cert_path).server_cert
    pki.server.key.write_text("not a key\n")  # the key no longer matches
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        for _ in range(3):
            assert greet(server.port, pki.ca.cert_path).server_cert == before
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "keeping the previous one" in warnings[0] and "key_file" in warnings[0]
    assert source.current().tls is not None


def test_turning_tls_off_needs_a_restart(
    pki: PKI, tls_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    source, server = serve(pki, tls_server, tls_section())
    write_web_config(pki.directory, "basic_auth_users: {}\n")
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        assert source.reload() is False
    assert "turning TLS off needs a restart" in caplog.text
    assert greet(server.port, pki.ca.cert_path).line.startswith("TLSv1.3")


def test_no_tls_means_no_server_context(pki: PKI) -> None:
    source = WebConfigSource(write_web_config(pki.directory, "http_server_config: {}\n"))
    assert source.server_ssl_context() is None
    assert WebConfigSource(None).server_ssl_context() is None
