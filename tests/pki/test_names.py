"""Host arguments: IPs become IP SANs, names DNS SANs, garbage a clear UsageError."""

from __future__ import annotations

import ipaddress

import pytest

from netwatch.core.errors import UsageError
from netwatch.pki.names import parse_client_name, parse_host, parse_hosts


def test_ips_and_names_are_told_apart() -> None:
    assert parse_host("10.0.0.21") == ipaddress.ip_address("10.0.0.21")
    assert parse_host("[fe80::1]") == ipaddress.ip_address("fe80::1")
    assert parse_host("PC-KeToan_01.UBND.local.") == "pc-ketoan_01.ubnd.local"


def test_hosts_keep_order_drop_duplicates_and_name_the_first_name() -> None:
    names = parse_hosts(["10.0.0.21", "pc-01", "PC-01", "10.0.0.21", "pc-01.ubnd.local"])
    assert names.dns == ("pc-01", "pc-01.ubnd.local")
    assert names.ips == (ipaddress.ip_address("10.0.0.21"),)
    assert names.primary == "pc-01"
    assert parse_hosts(["10.0.0.21"]).primary == "10.0.0.21"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty host name"),
        ("pc 01", "contains spaces"),
        (" pc-01", "contains spaces"),
        ("*.ubnd.local", "wildcard certificates are refused"),
        ("văn-phòng", "ASCII (punycode)"),
        ("a" * 64 + ".local", "longer than 63 characters"),
        ("a." * 130 + "vn", "longer than 253 characters"),
        ("pc..local", "empty label"),
        ("-pc.local", "may not start or end with '-'"),
        ("pc/01", "may hold only letters"),
        ("10.0.0.256", "neither a valid IP address nor a host name"),
        ("fe80::1%eth0", "zone ids"),
    ],
)
def test_garbage_hosts_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_host(text)


def test_no_host_and_bad_client_names_are_refused() -> None:
    with pytest.raises(UsageError, match="name at least one HOST"):
        parse_hosts([])
    assert parse_client_name("Prometheus") == "prometheus"
    for bad in ("", "prom etheus", "prom.local", "-x"):
        with pytest.raises(UsageError, match="client name"):
            parse_client_name(bad)
