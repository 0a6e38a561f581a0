"""Create the office CA and load it back, with one clear error for every way it can be wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netwatch.core.errors import UsageError
from netwatch.pki.files import CERT_MODE, KEY_MODE, read_pem, write_file

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
CA_DAYS = 3650
MAX_CA_DAYS = 10950
MAX_NAME = 64  # upper bound of an X.509 common name
# Certificates start a day early: office PCs with a drifting clock still accept them.
BACKDATE = dt.timedelta(days=1)


@dataclass(frozen=True)
class OfficeCA:
    """The CA certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def not_after(self) -> dt.datetime:
        """When the CA (and so every certificate it signed) stops being valid."""
        return self.cert.not_valid_after_utc


def ca_paths(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) of the CA in ``directory``."""
    return directory / CA_CERT, directory / CA_KEY


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 key: the curve every TLS stack (Go, OpenSSL, Schannel) must support."""
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None = None) -> bytes:
    """``key`` as PKCS#8 PEM, encrypted when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def check_ca_name(name: str) -> str:
    """The CA's common name, stripped; UsageError when empty or too long."""
    cleaned = name.strip()
    if not cleaned:
        raise UsageError("the CA name (--name) is empty")
    if len(cleaned) > MAX_NAME:
        raise UsageError(f"the CA name (--name) is longer than {MAX_NAME} characters")
    return cleaned


def create_ca(name: str, days: int, now: dt.datetime | None = None) -> OfficeCA:
    """A self-signed CA that may sign end-entity certificates only (pathlen 0)."""
    if not 1 <= days <= MAX_CA_DAYS:
        raise UsageError(f"--days {days}: a CA lives between 1 and {MAX_CA_DAYS} days")
    start = (now or dt.datetime.now(dt.timezone.utc)) - BACKDATE
    key = new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, check_ca_name(name))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + BACKDATE + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return OfficeCA(cert, key)


def save_ca(
    ca: OfficeCA, directory: Path, passphrase: bytes | None, force: bool
) -> tuple[Path, Path]:
    """Write the CA key (0600) then its certificate (0644); returns (cert, key) paths."""
    cert_path, key_path = ca_paths(directory)
    write_file(key_path, key_pem(ca.key, passphrase), KEY_MODE, replace=force)
    write_file(
        cert_path, ca.cert.public_bytes(serialization.Encoding.PEM), CERT_MODE, replace=force
    )
    return cert_path, key_path


def load_certificate(path: Path, what: str = "certificate") -> x509.Certificate:
    """The first certificate in a PEM file; UsageError when it is not one."""
    try:
        return x509.load_pem_x509_certificate(read_pem(path, what))
    except ValueError:
        raise UsageError(f"{what} {path} is not a valid PEM certificate") from None


def load_ca(directory: Path, passphrase: Callable[[], bytes]) -> OfficeCA:
    """The CA in ``directory``; ``passphrase`` is asked only when the key is encrypted."""
    cert_path, key_path = ca_paths(directory)
    if not cert_path.exists() and not key_path.exists():
        raise UsageError(
            f"no office CA in {directory}: run `netwatch tls init --dir {directory}` first"
        )
    cert = load_certificate(cert_path, "CA certificate")
    key = _load_key(key_path, read_pem(key_path, "CA key"), passphrase)
    if not _is_ca(cert):
        raise UsageError(f"{cert_path} is not a CA certificate")
    if key.public_key().public_numbers() != _ec_public(cert, cert_path).public_numbers():
        raise UsageError(f"{key_path} is not the key of {cert_path}")
    return OfficeCA(cert, key)


def _load_key(
    path: Path, data: bytes, passphrase: Callable[[], bytes]
) -> ec.EllipticCurvePrivateKey:
    secret = passphrase() if b"ENCRYPTED" in data else None
    try:
        key = serialization.load_pem_private_key(data, secret)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if secret is not None:
            raise UsageError(
                f"wrong passphrase for CA key {path} (or the file is damaged)"
            ) from None
        raise UsageError(f"CA key {path} is not a valid PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UsageError(f"CA key {path} is not an EC key made by `netwatch tls init`")
    return key


def _ec_public(cert: x509.Certificate, path: Path) -> ec.EllipticCurvePublicKey:
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise UsageError(f"{path} is not an EC certificate made by `netwatch tls init`")
    return public


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        return False
