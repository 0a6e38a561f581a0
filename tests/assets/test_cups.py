"""CUPS printers.conf: queues, the default one, the connection, and no credentials kept."""

from __future__ import annotations

import pytest

from netwatch.assets.cups import CupsPrinter, connection_of, parse_printers_conf

CONF = """\
# Printer configuration file for CUPS v2.4.2
NextPrinterId 4
<Printer Kho_Brother>
Info Brother HL-L2350DW
Location Kho, tang 1
MakeModel Brother HL-L2350DW series, using brlaser v6
DeviceURI socket://10.20.30.40:9100
</Printer>
<DefaultPrinter KeToan>
Info  HP M404 of the accounting office
MakeModel HP LaserJet Pro M404-M405, hpcups 3.22.10
DeviceURI smb://ketoan:S3cret%40pass@fileserver.ubnd.local/HP-M404
</DefaultPrinter>
<Printer Broken
DeviceURI ipp://nowhere/
</Printer>
stray line outside a section
<Printer NoUri>
Info A queue without a device
</Printer>
"""


def test_queues_default_and_fields() -> None:
    assert parse_printers_conf(CONF) == [
        CupsPrinter(
            name="Kho_Brother",
            connection="network",
            scheme="socket",
            host="10.20.30.40",
            info="Brother HL-L2350DW",
            location="Kho, tang 1",
            make_model="Brother HL-L2350DW series, using brlaser v6",
        ),
        CupsPrinter(
            name="KeToan",
            default=True,
            connection="network",
            scheme="smb",
            host="fileserver.ubnd.local",
            info="HP M404 of the accounting office",
            make_model="HP LaserJet Pro M404-M405, hpcups 3.22.10",
        ),
        CupsPrinter(name="NoUri", info="A queue without a device"),
    ]


def test_credentials_in_a_device_uri_are_never_kept() -> None:
    text = repr(parse_printers_conf(CONF))
    for secret in ("ketoan", "S3cret", "pass", "%40"):
        assert secret not in text


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("ipp://printer.local:631/ipp/print", ("network", "ipp", "printer.local")),
        ("ipps://admin:pw@printer.local/ipp/print", ("network", "ipps", "printer.local")),
        ("lpd://user@10.0.0.9/queue", ("network", "lpd", "10.0.0.9")),
        ("https://[fe80::1]:443/ipp", ("network", "https", "fe80::1")),
        ("http://host:notaport/", ("network", "http", "host")),
        ("ipp://[::1/", ("network", "ipp", None)),
        ("dnssd://Canon._ipp._tcp.local/?uuid=1", ("network", "dnssd", "canon._ipp._tcp.local")),
        ("ipp://localhost:60000/ipp/print", ("local", "ipp", "localhost")),
        ("usb://HP/LaserJet%20Pro?serial=ABC", ("local", "usb", None)),
        ("parallel:/dev/lp0", ("local", "parallel", None)),
        ("serial:/dev/ttyS0?baud=9600", ("local", "serial", None)),
        ("hp:/usb/HP_LaserJet_1020?serial=X", ("local", "hp", None)),
        ("hp:/net/HP_LaserJet_M404?ip=10.0.0.5", ("network", "hp", None)),
        ("cups-pdf:/", ("virtual", "cups-pdf", None)),
        ("file:///dev/null", ("virtual", "file", None)),
        ("beh:/1/3/5/socket://10.0.0.5:9100", ("unknown", "beh", None)),
        ("", ("unknown", None, None)),
        ("no scheme here", ("unknown", None, None)),
    ],
)
def test_connection_of_device_uris(uri: str, expected: tuple[str, str | None, str | None]) -> None:
    assert connection_of(uri) == expected


def test_empty_and_junk_files() -> None:
    assert parse_printers_conf("") == []
    assert parse_printers_conf("</Printer>\n<Printer>\nInfo x\n") == []
