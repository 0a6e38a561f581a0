"""TLS settings shared by the probers, and the certificate facts they report."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import timezone
from functools import lru_cache
from typing import Literal

from pydantic import Field

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import CaFile, StrictModel
from netwatch.i18n import msg
from netwatch.probes.base import PROBE_LABELS
from netwatch.probes.result import ProbeResult, rounded

# Numeric facts every TLS-speaking prober reports in ProbeResult.values, with their metrics.
TLS_VALUE_METRICS: dict[str, MetricSpec] = {
    "tls_expiry_timestamp": MetricSpec(
        "netwatch_probe_tls_cert_expiry_timestamp_seconds",
        "gauge",
        "Earliest notAfter of the certificate chain the service presented (Unix time).",
        PROBE_LABELS,
    ),
    "tls_cert_expiring": MetricSpec(
        "netwatch_probe_tls_cert_expiring",
        "gauge",
        "1 when a certificate of the chain expires within the service's warning threshold "
        "(expiry_warning_days of its TLS settings, default 14 days), else 0.",
        PROBE_LABELS,
    ),
    "tls_verified": MetricSpec(
        "netwatch_probe_tls_verified",
        "gauge",
        "1 when the certificate chain and host name verified against the trusted CAs.",
        PROBE_LABELS,
    ),
}

DEFAULT_WARNING_DAYS = 14.0
SECONDS_PER_DAY = 86400.0

_VERSIONS = {
    "TLS1.0": ssl.TLSVersion.TLSv1,
    "TLS1.1": ssl.TLSVersion.TLSv1_1,
    "TLS1.2": ssl.TLSVersion.TLSv1_2,
    "TLS1.3": ssl.TLSVersion.TLSv1_3,
}


class TlsParams(StrictModel):
    """How to speak TLS to a target."""

    verify: bool = Field(
        True, description="Verify the certificate chain and the host name. Turn off only for "
        "self-signed test systems; the certificate facts are still reported."
    )  # fmt: skip
    ca_file: CaFile | None = Field(
        None, description="PEM file of CA certificates to trust instead of the system store "
        "(e.g. the office's internal CA)."
    )  # fmt: skip
    server_name: str | None = Field(
        None, description="Name for SNI and certificate checks; default: the target's host."
    )
    min_version: Literal["TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"] | None = Field(
        None, description="Refuse TLS versions older than this."
    )
    expiry_warning_days: float = Field(
        DEFAULT_WARNING_DAYS, ge=0, description="Warn (the probe still succeeds) when a "
        "certificate of the chain expires within this many days; 0 turns the warning off."
    )  # fmt: skip


@lru_cache(maxsize=256)
def client_context(params: TlsParams) -> ssl.SSLContext:
    """An SSL client context for ``params`` (system CAs unless ``ca_file`` is given).

    Cached per (frozen, hashable) settings: loading the CA store is slow and
    blocking, and a context may be shared by concurrent connections.
    """
    context = ssl.create_default_context(cafile=params.ca_file)
    if not params.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if params.min_version:
        context.minimum_version = _VERSIONS[params.min_version]
    return context


def prepare_tls(params: TlsParams) -> None:
    """The blocking set-up of a TLS probe, done before it is timed: the client context
    (reading the CA store) and the certificate parser's import."""
    client_context(params)
    import cryptography.x509  # noqa: F401 - imported for its cost, used by cert_facts


def inspection_context() -> ssl.SSLContext:
    """A context that accepts any certificate, used only to read an untrusted chain (no CA
    store: it verifies nothing)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class CertFacts:
    """What a certificate chain says about itself (leaf first)."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: float
    not_after: float
    earliest_expiry: float
    serial: str
    chain_length: int


def peer_chain_der(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[bytes]:
    """The peer's certificates as DER, leaf first (the leaf alone where Python hides the chain).

    Python 3.13 made ``get_verified_chain``/``get_unverified_chain`` public (DER bytes);
    3.10-3.12 have them on the private ``_sslobj`` returning ``_ssl.Certificate``.
    """
    import _ssl

    for holder in (ssl_object, getattr(ssl_object, "_sslobj", None)):
        for method in ("get_verified_chain", "get_unverified_chain"):
            getter = getattr(holder, method, None)
            if getter is None:
                continue
            try:
                chain = getter()
            except (ssl.SSLError, ValueError):
                continue
            if chain:
                return [
                    cert if isinstance(cert, bytes) else cert.public_bytes(_ssl.ENCODING_DER)
                    for cert in chain
                ]
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def cert_facts(chain: list[bytes]) -> CertFacts | None:
    """Parse a DER chain (leaf first) with :mod:`cryptography`; None when empty."""
    if not chain:
        return None
    from cryptography import x509

    certs = [x509.load_der_x509_certificate(der) for der in chain]
    leaf = certs[0]
    try:
        san_ext = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        sans = tuple(
            [*san_ext.value.get_values_for_type(x509.DNSName),
             *(str(ip) for ip in san_ext.value.get_values_for_type(x509.IPAddress))]
        )  # fmt: skip
    except x509.ExtensionNotFound:
        sans = ()
    return CertFacts(
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        sans=sans,
        not_before=_utc(leaf, "not_valid_before"),
        not_after=_utc(leaf, "not_valid_after"),
        earliest_expiry=min(_utc(cert, "not_valid_after") for cert in certs),
        serial=format(leaf.serial_number, "x"),
        chain_length=len(certs),
    )


def _utc(cert: object, attribute: str) -> float:
    """A certificate validity bound as a Unix timestamp (cryptography old and new APIs)."""
    value = getattr(cert, f"{attribute}_utc", None)
    if value is None:
        value = getattr(cert, attribute).replace(tzinfo=timezone.utc)
    return float(value.timestamp())


def record_cert(
    result: ProbeResult, ssl_object: ssl.SSLObject, params: TlsParams
) -> CertFacts | None:
    """Store the presented chain's earliest expiry, subject and issuer in ``result``, and
    warn when it expires within ``params.expiry_warning_days``."""
    facts = cert_facts(peer_chain_der(ssl_object))
    if facts is not None:
        result.values["tls_expiry_timestamp"] = facts.earliest_expiry
        result.info["tls_subject"] = facts.subject
        result.info["tls_issuer"] = facts.issuer
        flag_expiry(result, facts.earliest_expiry, params.expiry_warning_days, time.time())
    return facts


def flag_expiry(result: ProbeResult, expiry: float, warning_days: float, now: float) -> None:
    """Set ``tls_cert_expiring`` and, within ``warning_days`` of ``expiry``, a warning."""
    days = (expiry - now) / SECONDS_PER_DAY
    expiring = bool(warning_days) and days < warning_days
    result.values["tls_cert_expiring"] = 1.0 if expiring else 0.0
    result.info["tls_expiry_warning_days"] = f"{warning_days:g}"
    if not expiring:
        result.warnings.pop("cert_expiring", None)
    elif days < 0:
        result.warn(
            "cert_expiring", msg("certificate expired {days} days ago", days=rounded(-days))
        )
    else:
        text = msg(
            "certificate expires in {days} days (warning below {threshold} days)",
            days=rounded(days),
            threshold=rounded(warning_days),
        )
        result.warn("cert_expiring", text)
