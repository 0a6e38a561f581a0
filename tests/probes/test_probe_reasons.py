"""/probe says why a probe failed: ``netwatch_probe_failure_info{reason}`` in the metrics
and the reason in the debug view. Real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.exporter.exposition import render
from netwatch.exporter.probe_endpoint import ProbeEndpoint, ProbeReply
from netwatch.probes.config import module_model
from netwatch.probes.metrics import FAILURE_INFO
from netwatch.probes.result import FAILURE_REASONS
from tests.conftest import promtool_check_metrics
from tests.helpers.certs import TestCA
from tests.probes.http_servers import running_server


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An HTTP server, an HTTPS server with an expired certificate, and a closed port."""
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    expired = ca.issue("expired", hostnames=("127.0.0.1",), days_valid=-2)
    with contextlib.ExitStack() as stack, socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield {
            "http": stack.enter_context(running_server()),
            "expired": stack.enter_context(running_server(expired.cert, expired.key)),
            "closed": f"127.0.0.1:{closed.getsockname()[1]}",
            "ca": str(ca.cert_path),
        }


def endpoint(lab: dict[str, str]) -> ProbeEndpoint:
    model = module_model()
    loopback = {"allowed_targets": ["127.0.0.1"]}
    return ProbeEndpoint({
        "http_2xx": model(prober="http", http={"tls": {"ca_file": lab["ca"]}}, **loopback),
        "tcp_connect": model(prober="tcp", **loopback),
    }, 5.0)  # fmt: skip


def ask(lab: dict[str, str], module: str, target: str, debug: bool = False) -> ProbeReply:
    query = f"module={module}&target={quote(target, safe='')}" + ("&debug=true" if debug else "")
    return asyncio.run(endpoint(lab).handle(query, 10.0))


def failure_reasons(reply: ProbeReply) -> list[str]:
    body = render(reply.families, None, None)[0].decode()
    return [
        sample.labels["reason"]
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "netwatch_probe_failure_info"
    ]


@pytest.mark.parametrize(
    ("module", "where", "reason"),
    [("tcp_connect", "closed", "refused"), ("http_2xx", "expired", "tls"),
     ("http_2xx", "missing", "status")],
)  # fmt: skip
def test_a_failed_probe_says_why(lab: dict[str, str], module: str, where: str, reason: str) -> None:
    target = {"closed": lab["closed"], "expired": f"{lab['expired']}/ok",
              "missing": f"{lab['http']}/no-such-page"}[where]  # fmt: skip
    reply = ask(lab, module, target, debug=True)
    assert failure_reasons(reply) == [reason]
    assert reply.debug_text is not None
    assert f"Probe failed ({reason}) after" in reply.debug_text
    assert "netwatch_probe_failure_info{" in reply.debug_text


def test_a_successful_probe_has_no_failure_reason(lab: dict[str, str]) -> None:
    reply = ask(lab, "http_2xx", f"{lab['http']}/ok")
    assert failure_reasons(reply) == []
    body = render(reply.families, None, None)[0]
    assert b"netwatch_probe_success{" in body and b"} 1.0" in body


def test_the_reason_label_is_bounded_and_the_output_valid(lab: dict[str, str]) -> None:
    assert FAILURE_INFO.labels == ("service", "kind", "reason")
    reply = ask(lab, "tcp_connect", lab["closed"])
    assert set(failure_reasons(reply)) <= set(FAILURE_REASONS)
    checked = promtool_check_metrics(render(reply.families, None, None)[0])
    assert checked.returncode == 0, checked.stderr.decode() + checked.stdout.decode()
