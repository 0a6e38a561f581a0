"""Printers from CUPS's ``/etc/cups/printers.conf``: name, default, connection, driver, place.

The file is written by ``cupsd`` (``<Printer NAME>`` ... ``</Printer>`` sections, the default
one tagged ``<DefaultPrinter NAME>``) and is readable by root only on most systems. A
``DeviceURI`` may carry a user name and password (``smb://user:secret@server/queue``): only
its scheme and host are kept, never the rest of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

Connection = Literal["network", "local", "virtual", "unknown"]

NETWORK_SCHEMES = frozenset(
    {"ipp", "ipps", "socket", "lpd", "http", "https", "smb", "dnssd", "implicitclass"}
)
LOCAL_SCHEMES = frozenset({"usb", "parallel", "serial", "hp", "hpfax"})
VIRTUAL_SCHEMES = frozenset({"cups-pdf", "cups-brf", "file", "pdf"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECTION = re.compile(r"<(DefaultPrinter|Printer)\s+([^>]+)>")


@dataclass(frozen=True)
class CupsPrinter:
    """One queue; ``host`` is the DeviceURI's host for a network printer (no credentials)."""

    name: str
    default: bool = False
    connection: Connection = "unknown"
    scheme: str | None = None
    host: str | None = None
    info: str | None = None
    location: str | None = None
    make_model: str | None = None


def uri_host(uri: str) -> str | None:
    """The host of ``uri``, without user, password, port or path; None when it has none."""
    try:
        return urlsplit(uri).hostname or None
    except ValueError:  # a malformed port or IPv6 literal
        return None


def connection_of(uri: str) -> tuple[Connection, str | None, str | None]:
    """(connection, scheme, host) of a DeviceURI.

    ``hp:/net/...`` is HP's backend talking to a network printer; an IPP queue on the
    loopback address is a USB printer behind ``ipp-usb`` (IPP over USB).
    """
    scheme = uri.partition(":")[0].lower() if ":" in uri else ""
    if scheme in LOCAL_SCHEMES:
        network = uri.lower().startswith(f"{scheme}:/net/")
        return ("network" if network else "local"), scheme, None
    if scheme in NETWORK_SCHEMES:
        host = uri_host(uri)
        return ("local" if host in LOOPBACK_HOSTS else "network"), scheme, host
    if scheme in VIRTUAL_SCHEMES:
        return "virtual", scheme, None
    return "unknown", (scheme or None), None


def parse_printers_conf(text: str) -> list[CupsPrinter]:
    """The printers of a ``printers.conf``, in file order; junk lines are skipped."""
    printers: list[CupsPrinter] = []
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        opened = SECTION.fullmatch(line)
        if opened:
            current = {"name": opened.group(2).strip(), "tag": opened.group(1)}
        elif line in ("</Printer>", "</DefaultPrinter>") and current is not None:
            printers.append(printer_from(current))
            current = None
        elif current is not None:
            key, _, value = line.partition(" ")
            current.setdefault(key, value.strip())
    return printers


def printer_from(section: dict[str, str]) -> CupsPrinter:
    """A :class:`CupsPrinter` from one section's keys (the DeviceURI is not kept)."""
    connection, scheme, host = connection_of(section.get("DeviceURI", ""))
    return CupsPrinter(
        name=section["name"],
        default=section["tag"] == "DefaultPrinter",
        connection=connection,
        scheme=scheme,
        host=host,
        info=section.get("Info") or None,
        location=section.get("Location") or None,
        make_model=section.get("MakeModel") or None,
    )
