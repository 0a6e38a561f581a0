"""Every prober's metrics, from real probes of loopback servers, pass ``promtool check metrics``.

The services collector runs its real scheduler against one server of each kind on
127.0.0.1 (plus a closed port, so failures are exported too); its families go through
the agent's real renderer to promtool.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.collectors.services import ServicesCollector
from netwatch.exporter.exposition import render
from netwatch.probes.base import probers
from netwatch.probes.metrics import probe_metrics
from netwatch.probes.scheduler import ProbeJob
from tests.conftest import free_port, promtool_check_metrics, wait_until
from tests.helpers.certs import TestCA
from tests.probes.dns_servers import DnsServer
from tests.probes.http_servers import running_server
from tests.probes.ntp_servers import NtpResponder
from tests.probes.smtp_server import SmtpServer
from tests.probes.tcp_servers import ServerThread, banner, server_context

INTERVAL = 0.5


def job(service: str, kind: str, target: str, **params: object) -> ProbeJob:
    prober = probers()[kind]
    return ProbeJob(
        service=service,
        prober=prober,
        target=target,
        params=prober.params_model.model_validate(params),
        interval=INTERVAL,
        timeout=5.0,
    )


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[list[ProbeJob]]:
    """One job per prober, each against its own loopback server, and one that fails."""
    ca = TestCA(tmp_path)
    cert = ca.issue("services")
    trust = {"ca_file": str(ca.cert_path)}
    with ExitStack() as stack:
        servers = stack.enter_context(ServerThread())
        site = stack.enter_context(running_server(cert.cert, cert.key))
        dns = stack.enter_context(DnsServer())
        ntp = stack.enter_context(NtpResponder(shift=0.25))
        tls_port = servers.serve(banner(b"hello\r\n"), server_context(cert))
        smtp_port = servers.serve(SmtpServer(tls=server_context(cert)).handle)
        yield [
            job("web", "http", f"{site}/ok", tls=trust),
            job("resolver", "dns", dns.target),
            job("loopback", "icmp", "127.0.0.1"),
            job("clock", "ntp", ntp.target),
            job("mail", "smtp", f"127.0.0.1:{smtp_port}", tls=trust),
            job("banner", "tcp", f"127.0.0.1:{tls_port}", tls=True, tls_config=trust),
            job("tls", "tls", f"127.0.0.1:{tls_port}", tls=trust),
            job("closed", "tcp", f"127.0.0.1:{free_port()}"),
        ]


def exposition(collector: ServicesCollector) -> bytes:
    body, _ = render(list(collector.collect()), accept=None, accept_encoding=None)
    return body


def test_every_probers_metrics_pass_promtool(jobs: list[ProbeJob]) -> None:
    assert {j.kind for j in jobs} == set(probers()), "a prober has no job here"
    collector = ServicesCollector(jobs, max_concurrency=8)
    collector.start()
    try:
        assert wait_until(
            lambda: len(collector.scheduler.snapshot.results) == len(jobs), timeout=30
        ), "not every service was probed"
        body = exposition(collector)
    finally:
        collector.stop()
    results = {s: r for s, (_, r, _) in collector.scheduler.snapshot.results.items()}
    assert {s for s, r in results.items() if not r.success} == {"closed"}, {
        s: r.detail for s, r in results.items()
    }
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    for spec in probe_metrics():
        # The text format's parser names a counter's family without _total.
        exported = spec.name.removesuffix("_total") if spec.kind == "counter" else spec.name
        assert families.get(exported) and families[exported].samples, f"{spec.name} missing"
    last_success = {
        s.labels["service"]
        for s in families["netwatch_probe_last_success_timestamp_seconds"].samples
    }
    assert last_success == {j.service for j in jobs} - {"closed"}
    check = promtool_check_metrics(body)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout + check.stderr == b"", "promtool has lint findings"


def test_last_success_is_kept_while_the_service_fails() -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # the kernel completes the handshakes
    port = listener.getsockname()[1]
    collector = ServicesCollector([job("port", "tcp", f"127.0.0.1:{port}")], 1)
    collector.start()
    try:
        assert wait_until(lambda: "port" in collector.scheduler.snapshot.last_success, 30)
        succeeded = collector.scheduler.snapshot.last_success["port"]
        listener.close()
        assert wait_until(
            lambda: collector.scheduler.snapshot.results["port"][1].reason == "refused", 30
        ), "the probe never failed after the port closed"
    finally:
        listener.close()
        collector.stop()
    snapshot = collector.scheduler.snapshot
    assert snapshot.results["port"][2] > succeeded, "the failure came after the success"
    families = {f.name: f for f in collector.collect()}
    [sample] = families["netwatch_probe_last_success_timestamp_seconds"].samples
    assert sample.labels == {"service": "port", "kind": "tcp"}
    assert sample.value == succeeded
    [success] = families["netwatch_probe_success"].samples
    assert success.value == 0
