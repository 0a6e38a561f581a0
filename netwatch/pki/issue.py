"""Certificates signed by the office CA: one per agent host (serverAuth) and Prometheus's
client certificate (clientAuth)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from netwatch.core.errors import UsageError
from netwatch.pki.ca import BACKDATE, OfficeCA, key_pem, new_key
from netwatch.pki.files import CERT_MODE, KEY_MODE, write_file
from netwatch.pki.names import HostNames

# 397 days: a yearly renewal with a month's grace, and inside every client's limit
# (Apple's TLS stack rejects server certificates valid longer than 825 days).
LEAF_DAYS = 397
MAX_LEAF_DAYS = 825


@dataclass(frozen=True)
class Issued:
    """A new certificate and its key; ``clamped`` when the CA's expiry cut its lifetime."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    clamped: bool


def issue_server(
    ca: OfficeCA, names: HostNames, days: int, now: dt.datetime | None = None
) -> Issued:
    """A TLS server certificate for an agent host, valid for all of ``names``."""
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names.dns]
    sans += [x509.IPAddress(ip) for ip in names.ips]
    return _issue(
        ca,
        names.primary,
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.SubjectAlternativeName(sans),
        days,
        now,
    )


def issue_client(ca: OfficeCA, name: str, days: int, now: dt.datetime | None = None) -> Issued:
    """A TLS client certificate, e.g. for the Prometheus server that scrapes the agents.

    Its name is repeated as a DNS SAN: RFC 5280 verifiers (cryptography's among them)
    require a SAN on every end-entity certificate.
    """
    sans = x509.SubjectAlternativeName([x509.DNSName(name)])
    return _issue(ca, name, ExtendedKeyUsageOID.CLIENT_AUTH, sans, days, now)


def _issue(
    ca: OfficeCA,
    common_name: str,
    usage: x509.ObjectIdentifier,
    sans: x509.SubjectAlternativeName,
    days: int,
    now: dt.datetime | None,
) -> Issued:
    if not 1 <= days <= MAX_LEAF_DAYS:
        raise UsageError(f"--days {days}: a certificate lives between 1 and {MAX_LEAF_DAYS} days")
    current = now or dt.datetime.now(dt.timezone.utc)
    if current >= ca.not_after:
        raise UsageError(
            f"the office CA expired on {ca.not_after:%Y-%m-%d}: create a new one with "
            "`netwatch tls init --force` and reissue every certificate"
        )
    not_after = current + dt.timedelta(days=days)
    clamped = not_after > ca.not_after
    key = new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(current - BACKDATE, ca.cert.not_valid_before_utc))
        .not_valid_after(min(not_after, ca.not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,  # EC keys sign; only RSA key transport needs it
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(ca), critical=False)
        .add_extension(sans, critical=False)
    )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key, clamped)


def _authority_key_id(ca: OfficeCA) -> x509.AuthorityKeyIdentifier:
    """The CA's own subject key id (verifiers match on it), computed when the CA lacks one."""
    try:
        ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def save_issued(issued: Issued, directory: Path, stem: str, force: bool) -> tuple[Path, Path]:
    """Write ``stem``.key (0600) then ``stem``.crt (0644); returns (cert, key) paths.

    The key goes first: an agent watching both files reloads on the certificate's change
    and finds the matching key already in place.
    """
    cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
    write_file(key_path, key_pem(issued.key), KEY_MODE, replace=force)
    write_file(
        cert_path, issued.cert.public_bytes(serialization.Encoding.PEM), CERT_MODE, replace=force
    )
    return cert_path, key_path
