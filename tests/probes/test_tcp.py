"""The tcp prober against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.result import ProbeResult
from netwatch.probes.tcp import PROBER, TcpParams
from tests.conftest import free_port
from tests.helpers.certs import TestCA
from tests.probes.tcp_servers import (
    ServerThread,
    banner,
    black_hole,
    echo,
    finish,
    sample,
    server_context,
)

SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n"


@pytest.fixture
def servers() -> Iterator[ServerThread]:
    with ServerThread() as thread:
        yield thread


def run(port: int, timeout: float = 10.0, **params: object) -> ProbeResult:
    target = f"127.0.0.1:{port}"
    return asyncio.run(run_probe(PROBER, target, TcpParams.model_validate(params), timeout))


def success_metric(result: ProbeResult) -> float | None:
    return sample(result, "tcp", "netwatch_probe_success")


def test_open_port_is_enough_without_expect(servers: ServerThread) -> None:
    result = run(servers.serve(banner(SSH_BANNER)))
    assert result.success, result.detail
    assert {"resolve", "connect"} <= result.phases.keys()
    assert "first_byte" not in result.phases
    assert success_metric(result) == 1


def test_banner_matches_expect(servers: ServerThread) -> None:
    result = run(servers.serve(banner(SSH_BANNER)), expect=r"^SSH-2\.0-OpenSSH")
    assert result.success, result.detail
    assert result.phases["first_byte"] < 5
    assert success_metric(result) == 1
    assert sample(result, "tcp", "netwatch_probe_duration_seconds", phase="first_byte") is not None


def test_banner_does_not_match_expect(servers: ServerThread) -> None:
    result = run(servers.serve(banner(SSH_BANNER, hang_up=True)), expect=r"^220 ")
    assert not result.success
    assert result.reason == "content"
    assert "'SSH-2.0-OpenSSH_9.2p1 Debian\\r\\n'" in result.detail
    assert success_metric(result) == 0


def test_mismatch_detail_quotes_at_most_80_characters(servers: ServerThread) -> None:
    result = run(servers.serve(banner(b"x" * 300 + b"\r\n", hang_up=True)), expect="^y")
    assert result.reason == "content"
    assert "'" + "x" * 80 + "'" in result.detail
    assert "x" * 81 not in result.detail


def test_stops_reading_at_max_read_bytes(servers: ServerThread) -> None:
    # No line break and the server keeps the connection open: only the byte cap ends the read.
    port = servers.serve(banner(b"z" * 10000))
    result = run(port, expect="^never", max_read_bytes=1000)
    assert result.reason == "content"
    assert result.duration < 5


def test_last_line_without_line_break_is_tried_at_end_of_stream(servers: ServerThread) -> None:
    async def ready_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello\r\nREADY")
        await writer.drain()
        await finish(writer)

    result = run(servers.serve(ready_then_close), expect="^READY$")
    assert result.success, result.detail


def test_send_and_expect_echo(servers: ServerThread) -> None:
    result = run(servers.serve(echo), send="PING netwatch\r\n", expect="^echo: PING netwatch$")
    assert result.success, result.detail
    assert success_metric(result) == 1


def test_send_and_expect_echo_mismatch(servers: ServerThread) -> None:
    # The echo server stays open: the 300 echoed bytes reach max_read_bytes.
    result = run(servers.serve(echo), send="PING\r\n" * 30, expect="^PONG", max_read_bytes=300)
    assert result.reason == "content"
    assert "echo: PING" in result.detail


def test_silence_after_a_mismatching_line_ends_at_the_timeout(servers: ServerThread) -> None:
    # Like an SSH server waiting for the client's banner: more lines might still come.
    result = run(servers.serve(banner(SSH_BANNER)), timeout=1.0, expect=r"^220 ")
    assert result.reason == "timeout"
    assert 0.9 <= result.duration < 3


def test_closed_without_data_is_a_connection_failure(servers: ServerThread) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await finish(writer)

    result = run(servers.serve(hang_up), expect="^SSH-")
    assert result.reason == "connection"
    assert success_metric(result) == 0


def test_tls_wrapped_banner(servers: ServerThread, tmp_path: Path) -> None:
    ca = TestCA(tmp_path)
    cert = ca.issue("imaps")
    port = servers.serve(banner(b"* OK IMAP4rev1 ready\r\n"), server_context(cert))
    result = run(port, tls=True, tls_config={"ca_file": str(ca.cert_path)}, expect=r"^\* OK")
    assert result.success, result.detail
    assert {"resolve", "connect", "tls", "first_byte"} <= result.phases.keys()
    assert result.values["tls_verified"] == 1
    assert abs(result.values["tls_expiry_timestamp"] - cert.not_after.timestamp()) < 1
    assert "CN=localhost" in result.info["tls_subject"]
    assert "CN=netwatch Test Root CA" in result.info["tls_issuer"]
    expiry = sample(result, "tcp", "netwatch_probe_tls_cert_expiry_timestamp_seconds")
    assert expiry == result.values["tls_expiry_timestamp"]
    assert sample(result, "tcp", "netwatch_probe_tls_verified") == 1
    assert success_metric(result) == 1


def test_tls_untrusted_certificate(servers: ServerThread, tmp_path: Path) -> None:
    cert = TestCA(tmp_path).issue("imaps")
    port = servers.serve(banner(b"* OK\r\n"), server_context(cert))
    # The test CA is not in the system store.
    result = run(port, tls=True, expect=r"^\* OK")
    assert result.reason == "tls"
    assert "certificate" in result.detail
    assert sample(result, "tcp", "netwatch_probe_tls_verified") == 0
    assert success_metric(result) == 0


def test_refused() -> None:
    result = run(free_port(), expect="^SSH-")
    assert result.reason == "refused"
    assert success_metric(result) == 0


def test_black_hole_times_out(servers: ServerThread) -> None:
    result = run(servers.serve(black_hole), timeout=1.0, send="HELLO\r\n", expect="^OK")
    assert result.reason == "timeout"
    assert 0.9 <= result.duration < 3
    assert "first_byte" in result.phases
    assert success_metric(result) == 0


def test_target_needs_a_port() -> None:
    result = asyncio.run(run_probe(PROBER, "127.0.0.1", TcpParams(), 5))
    assert result.reason == "config"


def test_params_are_validated() -> None:
    with pytest.raises(ValidationError, match="invalid regular expression"):
        TcpParams(expect="(unclosed")
    with pytest.raises(ValidationError, match="tls is false"):
        TcpParams(tls_config={"verify": False})
    with pytest.raises(ValidationError):
        TcpParams(max_read_bytes=0)


def test_an_undeclared_probe_value_is_logged_and_recorded(caplog: pytest.LogCaptureFixture) -> None:
    from netwatch.probes import metrics
    from netwatch.probes.result import ProbeResult

    result = ProbeResult()
    result.values["tcp_mystery"] = 1.0
    try:
        metrics.result_families([("svc", "tcp", result)])
        assert "tcp_mystery" in metrics.undeclared_values
        assert "probe value 'tcp_mystery' is not declared by any prober" in caplog.text
    finally:
        metrics.undeclared_values.discard("tcp_mystery")
