"""Host arguments of ``netwatch tls issue``: IP addresses or DNS names, checked strictly."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from netwatch.core.errors import UsageError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_MAX_NAME = 253


@dataclass(frozen=True)
class HostNames:
    """The subject alternative names of one host; ``primary`` names its files and CN."""

    dns: tuple[str, ...]
    ips: tuple[IPAddress, ...]

    @property
    def primary(self) -> str:
        """The first DNS name, or the first IP address when there is no name."""
        return self.dns[0] if self.dns else str(self.ips[0])


def parse_host(text: str) -> IPAddress | str:
    """An IP address, or a lower-case DNS name; UsageError saying what is wrong otherwise."""
    value = text.strip()
    if not value:
        raise UsageError("empty host name")
    if value != text or any(c.isspace() for c in value):
        raise UsageError(f"host {text!r} contains spaces")
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    if "%" in value:
        raise UsageError(f"host {text!r}: IPv6 zone ids (%...) cannot go in a certificate")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        pass
    return _dns_name(text, value)


def _dns_name(text: str, value: str) -> str:
    if "*" in value:
        raise UsageError(
            f"host {text!r}: wildcard certificates are refused; issue one per host, "
            "so a stolen key impersonates only that host"
        )
    if not value.isascii():
        raise UsageError(
            f"host {text!r}: use the ASCII (punycode) form of the name; "
            "letters a-z, digits, '-', '_' and '.' only"
        )
    name = value.lower().removesuffix(".")
    if len(name) > _MAX_NAME:
        raise UsageError(f"host {text!r} is longer than {_MAX_NAME} characters")
    labels = name.split(".")
    for label in labels:
        if not label:
            raise UsageError(f"host {text!r} has an empty label (two dots in a row?)")
        if len(label) > 63:
            raise UsageError(f"host {text!r}: label {label[:20]!r}... is longer than 63 characters")
        if not _LABEL.match(label):
            raise UsageError(
                f"host {text!r}: label {label!r} may hold only letters a-z, digits, '-' and '_', "
                "and may not start or end with '-'"
            )
    if labels[-1].isdigit():
        raise UsageError(f"host {text!r} is neither a valid IP address nor a host name")
    return name


def parse_hosts(texts: list[str]) -> HostNames:
    """The names of one host from the command line, duplicates dropped, order kept."""
    if not texts:
        raise UsageError("name at least one HOST (a host name or IP address)")
    dns: list[str] = []
    ips: list[IPAddress] = []
    for text in texts:
        parsed = parse_host(text)
        if isinstance(parsed, str):
            if parsed not in dns:
                dns.append(parsed)
        elif parsed not in ips:
            ips.append(parsed)
    return HostNames(tuple(dns), tuple(ips))


def parse_client_name(text: str) -> str:
    """The name of a client certificate (its CN and file name): one label, e.g. ``prometheus``."""
    name = text.strip().lower()
    if not name or not _LABEL.match(name):
        raise UsageError(
            f"client name {text!r}: use 1-63 letters a-z, digits, '-' or '_', e.g. prometheus"
        )
    return name
