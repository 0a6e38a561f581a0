"""What an officer wants to know about a certificate file, as lines of text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from netwatch.core.errors import UsageError

_USAGES = {ExtendedKeyUsageOID.SERVER_AUTH: "server", ExtendedKeyUsageOID.CLIENT_AUTH: "client"}


@dataclass(frozen=True)
class Description:
    """The facts shown by ``netwatch tls show``."""

    subject: str
    issuer: str
    names: tuple[str, ...]
    usage: str
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint: str

    def days_left(self, now: dt.datetime) -> int:
        """Whole days until expiry (negative once expired)."""
        return (self.not_after - now) // dt.timedelta(days=1)

    def lines(self, now: dt.datetime) -> list[str]:
        """``key: value`` lines, in the order an officer reads them."""
        left = self.days_left(now)
        state = "EXPIRED" if now >= self.not_after else f"{left} days left"
        if now < self.not_before:
            state = f"not valid before {self.not_before:%Y-%m-%d %H:%M} UTC"
        return [
            f"subject:     {self.subject}",
            f"names:       {', '.join(self.names) or '-'}",
            f"usage:       {self.usage}",
            f"issuer:      {self.issuer}",
            f"not before:  {self.not_before:%Y-%m-%d %H:%M} UTC",
            f"not after:   {self.not_after:%Y-%m-%d %H:%M} UTC ({state})",
            f"sha256:      {self.fingerprint}",
        ]


def describe(cert: x509.Certificate, path: Path) -> Description:
    """The subject, names, usage, issuer, validity and fingerprint of ``cert`` (read from
    ``path``); UsageError when its extensions cannot be parsed."""
    try:
        return Description(
            subject=_common_name(cert.subject),
            issuer=_common_name(cert.issuer),
            names=_names(cert),
            usage=_usage(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint=cert.fingerprint(hashes.SHA256()).hex(":"),
        )
    except ValueError as exc:
        raise UsageError(f"certificate {path} is malformed: {exc}") from None


def signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    """Whether ``ca`` signed ``cert`` (signature and issuer name; not expiry)."""
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _common_name(name: x509.Name) -> str:
    values = [str(a.value) for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return values[0] if values else name.rfc4514_string()


def _names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    dns = sans.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
    return (*dns, *ips)


def _usage(cert: x509.Certificate) -> str:
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "CA"
    except x509.ExtensionNotFound:
        pass
    try:
        oids = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return "any"
    return ", ".join(_USAGES.get(oid, oid.dotted_string) for oid in oids) or "none"
