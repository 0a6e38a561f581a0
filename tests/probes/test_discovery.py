"""Zero-config targets from the routing table, resolv.conf and the Windows registry."""

from __future__ import annotations

from pathlib import Path

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.probes.config import service_model
from netwatch.probes.discovery import default_services, discover, parse_proc_net_route

OFFICE_PC = Path(__file__).parents[1] / "fixtures" / "linux" / "office-pc"
INTERFACES = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Interfaces"


def test_linux_gateways_and_resolvers() -> None:
    access = HostAccess(files=FileReader(OFFICE_PC), registry=None)
    gateways, resolvers, domain = discover(access)
    assert gateways == ["192.168.0.1", "192.168.0.254"], "up gateway routes only, no duplicates"
    assert resolvers == ["192.168.0.10", "192.168.0.11", "fe80::1%enp3s0"]
    assert domain == "ubnd.quangtri.gov.vn"


def test_default_services_probe_gateways_by_icmp_and_resolvers_by_dns() -> None:
    access = HostAccess(files=FileReader(OFFICE_PC), registry=None)
    services = default_services(access, service_model())
    summary = [(s.name, s.prober, s.target) for s in services]
    assert summary == [
        ("gateway-192.168.0.1", "icmp", "192.168.0.1"),
        ("gateway-192.168.0.254", "icmp", "192.168.0.254"),
        ("dns-192.168.0.10", "dns", "192.168.0.10"),
        ("dns-192.168.0.11", "dns", "192.168.0.11"),
        ("dns-fe80__1_enp3s0", "dns", "[fe80::1%enp3s0]"),
    ]
    dns = services[2].params()
    assert dns.query_name == "ubnd.quangtri.gov.vn" and dns.query_type == "SOA"
    assert set(dns.valid_rcodes) == {"NOERROR", "NXDOMAIN"}
    assert services[0].labels == {"role": "gateway"}


def test_nothing_found_means_no_services(tmp_path: Path) -> None:
    access = HostAccess(files=FileReader(tmp_path), registry=None)
    assert default_services(access, service_model()) == []
    assert parse_proc_net_route("Iface\tDestination\tGateway\nbroken line\n") == []


def test_windows_gateways_and_resolvers_from_registry(tmp_path: Path) -> None:
    registry = RecordedRegistry(
        {
            rf"{INTERFACES}\{{6A1B2C3D-0000-4E5F-8A9B-111111111111}}": {
                "EnableDHCP": 1,
                "DhcpDefaultGateway": ["10.10.0.1"],
                "DhcpNameServer": "10.10.0.5 10.10.0.6",
                "NameServer": "",
            },
            rf"{INTERFACES}\{{7B2C3D4E-0000-4E5F-8A9B-222222222222}}": {
                "EnableDHCP": 0,
                "DefaultGateway": ["10.20.0.1"],
                "NameServer": "10.10.0.5,8.8.8.8",
            },
            rf"{INTERFACES}\{{8C3D4E5F-0000-4E5F-8A9B-333333333333}}": {"EnableDHCP": 1},
            r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters": {
                "Hostname": "PC-KETOAN-01",
                "Domain": "vpubnd.local",
            },
        }
    )
    access = HostAccess(files=FileReader(tmp_path), registry=registry)
    gateways, resolvers, domain = discover(access)
    assert gateways == ["10.10.0.1", "10.20.0.1"]
    assert resolvers == ["10.10.0.5", "10.10.0.6", "8.8.8.8"]
    assert domain == "vpubnd.local"
