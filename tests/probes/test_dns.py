"""The dns prober against a DNS server for the ubnd.local zone on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import dns.flags
import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.dns import PROBER, DnsParams
from netwatch.probes.metrics import result_families
from netwatch.probes.result import ProbeResult
from tests.conftest import free_port
from tests.probes.dns_servers import DnsServer


@pytest.fixture
def server() -> Iterator[DnsServer]:
    with DnsServer() as running:
        yield running


def run(target: str, timeout: float = 10.0, **params: object) -> ProbeResult:
    return asyncio.run(run_probe(PROBER, target, DnsParams.model_validate(params), timeout))


def sample(result: ProbeResult, name: str) -> float | None:
    """The value of metric ``name`` for service ``svc`` built from ``result``; None if absent."""
    for family in result_families([("svc", "dns", result)], {}):
        for metric in family.samples:
            if metric.name == name and metric.labels.get("phase") in (None, "total"):
                return float(metric.value)
    return None


def assert_metrics(result: ProbeResult, success: int, rcode: int, answers: int) -> None:
    assert sample(result, "netwatch_probe_success") == success
    assert sample(result, "netwatch_probe_dns_rcode") == rcode
    assert sample(result, "netwatch_probe_dns_answer_records") == answers


def unused_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_defaults_ask_the_root_soa(server: DnsServer) -> None:
    result = run(server.target)
    assert result.success, result.detail
    assert result.info["dns_rcode"] == "NOERROR"
    assert "SOA ns1.ubnd.local." in result.info["dns_answers"]
    assert "query" in result.phases
    assert "resolve" not in result.phases  # the server was given as an address
    assert server.queries[0].name == "." and server.queries[0].rdtype == "SOA"
    assert server.queries[0].flags & dns.flags.RD
    assert_metrics(result, success=1, rcode=0, answers=1)


def test_a_record_matches_expected_address(server: DnsServer) -> None:
    result = run(
        server.target,
        query_name="portal.ubnd.local",
        query_type="a",
        fail_if_not_matches_answer=[r"IN A 198\.18\.0\.10$"],
        fail_if_matches_answer=[r"198\.18\.0\.99"],
        fail_if_no_answer=True,
    )
    assert result.success, result.detail
    assert result.info["dns_answers"] == "portal.ubnd.local. 300 IN A 198.18.0.10"
    assert_metrics(result, success=1, rcode=0, answers=1)


def test_mx_answer_count(server: DnsServer) -> None:
    result = run(server.target, query_name="ubnd.local", query_type="MX")
    assert result.success, result.detail
    assert "10 mail.ubnd.local." in result.info["dns_answers"]
    assert_metrics(result, success=1, rcode=0, answers=2)


def test_answer_not_matching_expectation_is_content(server: DnsServer) -> None:
    result = run(
        server.target, query_name="portal.ubnd.local", query_type="A",
        fail_if_not_matches_answer=[r"IN A 198\.18\.0\.10", r"IN A 10\.0\.0\.5"],
    )  # fmt: skip
    assert result.reason == "content"
    assert "10\\\\.0\\\\.0\\\\.5" in result.detail
    assert_metrics(result, success=0, rcode=0, answers=1)


def test_forbidden_answer_is_content(server: DnsServer) -> None:
    result = run(
        server.target, query_name="portal.ubnd.local", query_type="A",
        fail_if_matches_answer=[r"198\.18\.0\.\d+"],
    )  # fmt: skip
    assert result.reason == "content"
    assert "portal.ubnd.local. 300 IN A 198.18.0.10" in result.detail
    assert_metrics(result, success=0, rcode=0, answers=1)


def test_empty_answer_fails_only_when_asked(server: DnsServer) -> None:
    relaxed = run(server.target, query_name="portal.ubnd.local", query_type="AAAA")
    assert relaxed.success, relaxed.detail
    assert_metrics(relaxed, success=1, rcode=0, answers=0)
    strict = run(
        server.target, query_name="portal.ubnd.local", query_type="AAAA", fail_if_no_answer=True
    )
    assert strict.reason == "content"
    assert "no AAAA record for portal.ubnd.local" in strict.detail
    assert_metrics(strict, success=0, rcode=0, answers=0)


def test_nxdomain_is_status(server: DnsServer) -> None:
    result = run(server.target, query_name="missing.ubnd.local", query_type="A")
    assert result.reason == "status"
    assert "NXDOMAIN" in result.detail
    assert result.info["dns_rcode"] == "NXDOMAIN"
    assert_metrics(result, success=0, rcode=3, answers=0)


def test_nxdomain_can_be_expected(server: DnsServer) -> None:
    result = run(
        server.target, query_name="retired.ubnd.local", query_type="A", valid_rcodes=["nxdomain"]
    )
    assert result.success, result.detail
    assert_metrics(result, success=1, rcode=3, answers=0)


def test_servfail_is_status(server: DnsServer) -> None:
    result = run(server.target, query_name="broken.ubnd.local", query_type="A")
    assert result.reason == "status"
    assert result.detail == "response code SERVFAIL, expected NOERROR"
    assert_metrics(result, success=0, rcode=2, answers=0)


def test_truncated_udp_answer_is_retried_over_tcp(server: DnsServer) -> None:
    result = run(server.target, query_name="big.ubnd.local", query_type="TXT")
    assert result.success, result.detail
    assert result.info["dns_transport"] == "tcp (udp answer truncated)"
    assert [query.transport for query in server.queries] == ["udp", "tcp"]
    assert_metrics(result, success=1, rcode=0, answers=40)


def test_tcp_transport(server: DnsServer) -> None:
    result = run(server.target, query_name="ubnd.local", query_type="MX", transport="tcp")
    assert result.success, result.detail
    assert result.info["dns_transport"] == "tcp"
    assert [query.transport for query in server.queries] == ["tcp"]
    assert_metrics(result, success=1, rcode=0, answers=2)


def test_recursion_desired_off_clears_the_rd_flag(server: DnsServer) -> None:
    result = run(server.target, query_name="ubnd.local", recursion_desired=False)
    assert result.success, result.detail
    assert not server.queries[0].flags & dns.flags.RD


def test_reply_with_wrong_id_is_protocol(server: DnsServer) -> None:
    result = run(server.target, query_name="wrong-id.ubnd.local", query_type="A")
    assert result.reason == "protocol"
    assert "ID or question mismatch" in result.detail
    assert sample(result, "netwatch_probe_success") == 0


def test_malformed_reply_is_protocol(server: DnsServer) -> None:
    result = run(server.target, query_name="garbage.ubnd.local", query_type="A")
    assert result.reason == "protocol"
    assert result.detail.startswith("malformed DNS reply")
    assert sample(result, "netwatch_probe_success") == 0
    assert sample(result, "netwatch_probe_dns_rcode") is None


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_black_hole_times_out(transport: str) -> None:
    with DnsServer(silent=True) as silent:
        result = run(silent.target, timeout=1.5, transport=transport)
    assert result.reason == "timeout"
    assert 1.4 < result.duration < 3.0
    assert silent.queries and silent.queries[0].transport == transport
    assert sample(result, "netwatch_probe_success") == 0


def test_closed_udp_port_is_refused() -> None:
    result = run(f"127.0.0.1:{unused_udp_port()}", timeout=5)
    assert result.reason == "refused"
    assert result.duration < 4
    assert sample(result, "netwatch_probe_success") == 0


def test_closed_tcp_port_is_refused() -> None:
    result = run(f"127.0.0.1:{free_port()}", timeout=5, transport="tcp")
    assert result.reason == "refused"


def test_server_given_by_name_is_resolved(server: DnsServer) -> None:
    result = run(f"localhost:{server.port}", ip_family="ipv4", query_name="ubnd.local")
    assert result.success, result.detail
    assert "resolve" in result.phases
    assert result.info["address"] == "127.0.0.1"


def test_literal_of_the_wrong_family_is_config(server: DnsServer) -> None:
    result = run(server.target, ip_family="ipv6")
    assert result.reason == "config"
    assert not server.queries


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback (::1) on this machine")
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_ipv6_server(transport: str) -> None:
    with DnsServer(host="::1") as server6:
        result = run(server6.target, query_name="portal.ubnd.local", query_type="A",
                     transport=transport)  # fmt: skip
    assert server6.target.startswith("[::1]:")
    assert result.success, result.detail
    assert_metrics(result, success=1, rcode=0, answers=1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query_type": "AX"}, "unknown record type 'AX'"),
        ({"query_type": "OPT"}, "cannot be asked for"),
        ({"valid_rcodes": ["NOPE"]}, "unknown response code 'NOPE'"),
        ({"valid_rcodes": []}, "at least one response code"),
        ({"fail_if_matches_answer": ["(unclosed"]}, "invalid regular expression"),
        ({"query_name": "a..b"}, "invalid query name"),
        ({"transport": "doh"}, "transport"),
        ({"timeout": "1s"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_params_are_rejected(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        DnsParams.model_validate(params)


def test_params_are_normalised() -> None:
    params = DnsParams.model_validate({"query_type": "mx", "valid_rcodes": ["noerror", "3"]})
    assert params.query_type == "MX"
    assert params.valid_rcodes == ["NOERROR", "NXDOMAIN"]
