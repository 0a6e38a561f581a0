"""Honest timing: a probe's duration is the sum of its network phases, and set-up
(imports, TLS contexts, the resolver's first use) is done before the probe, off the loop.

Real servers on 127.0.0.1; no assertion on how long anything took.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netwatch.probes.base import Prober, probers, run_probe
from netwatch.probes.check import run_once
from netwatch.probes.record import as_record
from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.tlsutil import client_context
from tests.helpers.certs import TestCA
from tests.probes.dns_servers import DnsServer
from tests.probes.http_servers import running_server
from tests.probes.tcp_servers import ServerThread, banner, sample, server_context

NETWORK_PHASES = {"resolve", "connect", "tls", "first_byte", "transfer", "query", "banner",
                  "commands", "rtt", "wait"}  # fmt: skip


def can_ping() -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP).close()
        except OSError:
            continue
        return True
    return False


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str, dict]]]:
    """A target and parameters per prober, each served on loopback."""
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    cert = ca.issue("site", days_valid=90)
    trust = {"ca_file": str(ca.cert_path)}
    with contextlib.ExitStack() as stack:
        servers = stack.enter_context(ServerThread())
        tcp = servers.serve(banner(b"SSH-2.0-test\r\n"))
        tls = servers.serve(banner(b"hello\r\n"), server_context(cert))
        http = stack.enter_context(running_server())
        https = stack.enter_context(running_server(cert.cert, cert.key))
        dns = stack.enter_context(DnsServer())
        yield {
            "tcp": ("tcp", f"localhost:{tcp}", {"expect": "^SSH-2.0-"}),
            "tcp_tls": (
                "tcp",
                f"127.0.0.1:{tls}",
                {"tls": True, "tls_config": trust, "expect": "hello"},
            ),  # fmt: skip
            "http": ("http", f"{http}/ok", {}),
            "https": ("http", f"{https}/ok", {"tls": trust}),
            "tls": ("tls", f"127.0.0.1:{tls}", {"tls": trust}),
            "dns": ("dns", f"127.0.0.1:{dns.port}", {"query_name": "portal.ubnd.local"}),
        }


def probe(kind: str, target: str, params: dict[str, Any], prober: Prober | None = None) -> Any:
    chosen = prober or probers()[kind]
    model = probers()[kind].params_model.model_validate(params)
    return asyncio.run(run_probe(chosen, target, model, 10.0))


@pytest.mark.parametrize("case", ["tcp", "tcp_tls", "http", "https", "tls", "dns"])
def test_duration_is_the_sum_of_the_network_phases(lab: dict, case: str) -> None:
    kind, target, params = lab[case]
    result = probe(kind, target, params)
    assert result.success, result.detail
    assert result.phases and set(result.phases) <= NETWORK_PHASES
    assert result.duration == sum(result.phases.values())
    assert sample(result, kind, "netwatch_probe_duration_seconds", phase="total") == result.duration


@pytest.mark.skipif(not can_ping(), reason="no ICMP socket allowed")
def test_icmp_reports_its_round_trip_as_the_duration() -> None:
    job = ProbeJob("ping", probers()["icmp"], "127.0.0.1",
                   probers()["icmp"].params_model(count=3, interval="50ms"), 60.0, 5.0)  # fmt: skip
    [(_, result)] = run_once([job], 1)
    assert result.success, result.detail
    # Three echoes 50 ms apart: the pauses between them are no part of the measurement.
    assert result.phases.keys() == {"resolve", "rtt"}
    assert result.phases["rtt"] == result.values["icmp_rtt_seconds"]
    assert result.duration == result.phases["resolve"] + result.phases["rtt"]
    record = as_record(job, result, 0.0)
    assert record["rtt_seconds"] == round(result.values["icmp_rtt_seconds"], 6)
    assert record["duration_seconds"] == round(result.duration, 6)


def test_a_failed_probe_counts_the_phase_it_failed_in(lab: dict) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        result = probe("tcp", f"127.0.0.1:{port}", {})
    assert result.reason == "refused"
    assert set(result.phases) == {"resolve", "connect"}
    assert result.duration == sum(result.phases.values())


def test_set_up_runs_before_the_probe_on_a_worker_thread(lab: dict) -> None:
    kind, target, params = lab["tcp"]
    events: list[tuple[str, int]] = []
    real = probers()[kind]

    def prepare(target: str, params: Any) -> None:
        events.append(("prepare", threading.get_ident()))

    async def timed(target: str, params: Any, result: ProbeResult) -> None:
        events.append(("probe", threading.get_ident()))
        await real.probe(target, params, result)

    result = probe(kind, target, params, dataclasses.replace(real, prepare=prepare, probe=timed))
    assert result.success, result.detail
    assert [name for name, _ in events] == ["prepare", "probe"]
    (_, prepare_thread), (_, loop_thread) = events
    assert prepare_thread != loop_thread  # set-up never stalls the loop other probes run on


def test_the_probe_uses_the_tls_context_its_set_up_made(lab: dict) -> None:
    kind, target, params = lab["tcp_tls"]
    client_context.cache_clear()
    result = probe(kind, target, params)
    assert result.success, result.detail
    info = client_context.cache_info()
    assert (info.misses, info.currsize) == (1, 1)  # made once, by the set-up
    assert info.hits >= 1  # and the handshake reused it


def test_dns_set_up_imports_the_query_modules() -> None:
    for name in [m for m in sys.modules if m.startswith("dns.async")]:
        del sys.modules[name]
    probers()["dns"].prepare("127.0.0.1", probers()["dns"].params_model())  # type: ignore[misc]
    assert {"dns.asyncquery", "dns.asyncbackend", "dns._asyncio_backend"} <= sys.modules.keys()


def test_check_does_every_set_up_before_the_first_probe(lab: dict, tmp_path: Path) -> None:
    kind, target, params = lab["tcp"]
    events: list[str] = []
    real = probers()[kind]

    def prepare(target: str, params: Any) -> None:
        events.append(f"prepare {target}")

    async def traced(target: str, params: Any, result: ProbeResult) -> None:
        events.append(f"probe {target}")
        await real.probe(target, params, result)

    traced_prober = dataclasses.replace(real, prepare=prepare, probe=traced)
    model = real.params_model.model_validate(params)
    jobs = [ProbeJob(f"s{n}", traced_prober, target, model, 60.0, 5.0) for n in range(3)]
    outcomes = run_once(jobs, 3)
    assert all(result.success for _, result in outcomes)
    assert events[:3] == [f"prepare {target}"] * 3
    assert sorted(events[3:]).count(f"probe {target}") >= 3
