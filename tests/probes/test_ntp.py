"""The ntp prober against an SNTP responder on loopback."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from pydantic import ValidationError

from netwatch.probes.base import run_probe
from netwatch.probes.metrics import result_families
from netwatch.probes.ntp import PROBER, NtpParams, from_ntp, request, to_ntp
from netwatch.probes.result import ProbeResult
from tests.probes.ntp_servers import PACKET, NtpResponder, ntp_time


def run(target: str, timeout: float = 10.0, **params: object) -> ProbeResult:
    return asyncio.run(run_probe(PROBER, target, NtpParams.model_validate(params), timeout))


def probe(responder: NtpResponder, timeout: float = 10.0, **params: object) -> ProbeResult:
    with responder:
        return run(responder.target, timeout, **params)


def sample(result: ProbeResult, name: str) -> float | None:
    """The value of metric ``name`` for service ``svc`` built from ``result``; None if absent."""
    for family in result_families([("svc", "ntp", result)], {}):
        for metric in family.samples:
            if metric.name == name and metric.labels.get("phase") in (None, "total"):
                return float(metric.value)
    return None


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_server_in_step_succeeds() -> None:
    responder = NtpResponder()
    result = probe(responder)
    assert result.success, result.detail
    assert abs(result.values["ntp_offset_seconds"]) < 0.5
    assert result.info["ntp_reference_id"] == "192.168.1.1"
    assert result.info["ntp_root_delay"] == "0.001495s"
    assert result.info["ntp_root_dispersion"] == "0.024994s"
    assert {"resolve", "query"} <= result.phases.keys()
    assert sample(result, "netwatch_probe_success") == 1
    assert sample(result, "netwatch_probe_ntp_stratum") == 2
    assert abs(sample(result, "netwatch_probe_ntp_offset_seconds") or 99) < 0.5
    sent = responder.requests[0]
    assert len(sent) == 48 and sent[0] == 0x23  # version 4, client mode


def test_server_ahead_beyond_max_offset_is_content() -> None:
    result = probe(NtpResponder(shift=2.5))
    assert result.reason == "content"
    assert result.detail.startswith("clock offset +2.")
    assert result.detail.endswith("is larger than 1s")
    assert 2.0 < result.values["ntp_offset_seconds"] < 3.0
    assert sample(result, "netwatch_probe_success") == 0
    assert 2.0 < (sample(result, "netwatch_probe_ntp_offset_seconds") or 0) < 3.0


def test_server_behind_gives_negative_offset() -> None:
    result = probe(NtpResponder(shift=-3.0), max_offset="5s")
    assert result.success, result.detail
    assert -3.5 < result.values["ntp_offset_seconds"] < -2.5


def test_max_offset_is_configurable() -> None:
    result = probe(NtpResponder(shift=2.5), max_offset="5s")
    assert result.success, result.detail


def test_stratum_one_reference_is_a_code() -> None:
    result = probe(NtpResponder(stratum=1, reference_id=b"GPS\0"))
    assert result.success, result.detail
    assert result.info["ntp_reference_id"] == "GPS"
    assert sample(result, "netwatch_probe_ntp_stratum") == 1


def test_stratum_above_maximum_is_status() -> None:
    result = probe(NtpResponder(stratum=4), max_stratum=3)
    assert result.reason == "status"
    assert result.detail == "stratum 4 is above the maximum 3"
    assert sample(result, "netwatch_probe_ntp_stratum") == 4


def test_unsynchronised_leap_indicator_is_status() -> None:
    result = probe(NtpResponder(leap=3, stratum=3))
    assert result.reason == "status"
    assert "not synchronised (leap indicator 3, stratum 3)" in result.detail
    assert "ntp_offset_seconds" in result.values
    assert sample(result, "netwatch_probe_success") == 0


def test_unsynchronised_server_can_be_allowed() -> None:
    result = probe(NtpResponder(leap=3, stratum=0, reference_id=b"INIT"), allow_unsynchronised=True)
    assert result.success, result.detail
    assert result.info["ntp_reference_id"] == "INIT"


def test_initialising_server_names_its_code() -> None:
    result = probe(NtpResponder(leap=3, stratum=0, reference_id=b"INIT"))
    assert result.reason == "status"
    assert result.detail.endswith("stratum 0, code INIT)")


@pytest.mark.parametrize("allow", [False, True])
def test_kiss_of_death_rate_is_status(allow: bool) -> None:
    result = probe(
        NtpResponder(leap=3, stratum=0, reference_id=b"RATE"), allow_unsynchronised=allow
    )
    assert result.reason == "status"
    assert result.detail == "Kiss-o'-Death RATE: rate limit exceeded, poll less often"
    assert "ntp_offset_seconds" not in result.values
    assert sample(result, "netwatch_probe_ntp_stratum") == 0
    assert sample(result, "netwatch_probe_success") == 0


def test_wrong_originate_timestamp_is_protocol() -> None:
    result = probe(NtpResponder(behaviour="wrong_originate"))
    assert result.reason == "protocol"
    assert "originate timestamp" in result.detail
    assert sample(result, "netwatch_probe_ntp_offset_seconds") is None


def test_short_reply_is_protocol() -> None:
    result = probe(NtpResponder(behaviour="short"))
    assert result.reason == "protocol"
    assert result.detail == "short reply: 20 bytes, an NTP reply has at least 48"


def test_reply_in_client_mode_is_protocol() -> None:
    result = probe(NtpResponder(mode=3))
    assert result.reason == "protocol"
    assert "mode 3" in result.detail


def test_reply_without_transmit_timestamp_is_protocol() -> None:
    result = probe(NtpResponder(behaviour="no_transmit"))
    assert result.reason == "protocol"
    assert "no transmit timestamp" in result.detail


def test_silent_server_times_out() -> None:
    responder = NtpResponder(behaviour="silent")
    result = probe(responder, timeout=1.5)
    assert result.reason == "timeout"
    assert 1.4 < result.duration < 3.0
    assert len(responder.requests) == 1
    assert sample(result, "netwatch_probe_success") == 0


def test_closed_port_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(f"127.0.0.1:{port}", timeout=5)
    assert result.reason == "refused"
    assert result.duration < 4


def test_server_given_by_name() -> None:
    with NtpResponder() as responder:
        result = run(f"localhost:{responder.port}", ip_family="ipv4")
    assert result.success, result.detail
    assert result.info["address"] == "127.0.0.1"


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback (::1) on this machine")
def test_ipv6_server() -> None:
    result = probe(NtpResponder(host="::1"))
    assert result.success, result.detail
    assert result.info["address"] == "::1"


def test_timestamps_round_trip_across_the_2036_era_change() -> None:
    for unix_time in (time.time(), 2085978495.5, 2085978496.25, 2200000000.0):
        assert to_ntp(unix_time) == ntp_time(unix_time)
        assert from_ntp(to_ntp(unix_time), near=unix_time + 5) == pytest.approx(unix_time)
    assert to_ntp(2085978496.25) >> 32 == 0  # NTP seconds wrapped on 2036-02-07


def test_request_layout() -> None:
    sent = request(1700000000.5)
    header, stratum, *_, transmit = PACKET.unpack(sent)
    assert (header, stratum) == (0x23, 0)
    assert transmit == ntp_time(1700000000.5)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_stratum": 16}, "less than or equal to 15"),
        ({"max_stratum": 0}, "greater than or equal to 1"),
        ({"max_offset": 1}, "duration string"),
        ({"max_offset": "1 second"}, "invalid duration"),
        ({"ip_family": "ipv5"}, "ip_family"),
    ],
)
def test_invalid_params_are_rejected(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        NtpParams.model_validate(params)
