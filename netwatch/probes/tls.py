"""The ``tls`` prober: inspect the certificate of a TLS service, even when it does not verify."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Literal

from pydantic import Field

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import StrictModel
from netwatch.i18n import Message, msg
from netwatch.probes import smtp
from netwatch.probes.base import Prober
from netwatch.probes.netutil import IpFamily, close, connect, split_host_port, start_tls
from netwatch.probes.result import ProbeFailure, ProbeResult, rounded
from netwatch.probes.tcp import tls_upgrade
from netwatch.probes.tlsutil import (
    TLS_VALUE_METRICS,
    CertFacts,
    TlsParams,
    inspection_context,
    prepare_tls,
    record_cert,
)

DEFAULT_PORTS = {"none": 443, "smtp": smtp.DEFAULT_PORT}
SANS_LIMIT = 200
DAY = 86400.0
# OpenSSL verification codes for a certificate issued for another name or address.
_NAME_MISMATCH = (62, 64)


class TlsProbeParams(StrictModel):
    """Settings of the ``tls`` prober."""

    tls: TlsParams = Field(
        default_factory=TlsParams,
        description="How to verify: CA file, server name, verification on/off, oldest TLS "
        "version accepted.",
    )
    ip_family: IpFamily = Field(
        "any", description="Address family: any (the first address the name resolves to), "
        "ipv4 or ipv6."
    )  # fmt: skip
    starttls: Literal["none", "smtp"] = Field(
        "none", description="none: TLS right away (HTTPS, IMAPS, LDAPS; default port 443). "
        "smtp: plain SMTP first, then STARTTLS (mail servers; default port 25)."
    )  # fmt: skip
    min_days_valid: float = Field(
        0, ge=0, description="Fail when a certificate of the chain expires in fewer than this "
        "many days (e.g. 14 to get two weeks' warning); 0 turns the check off."
    )  # fmt: skip


@contextlib.asynccontextmanager
async def _session(
    host: str, port: int, params: TlsProbeParams, result: ProbeResult
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A connection ready for the handshake (after STARTTLS where configured), closed at exit."""
    reader, writer = await connect(host, port, result, params.ip_family)
    try:
        if params.starttls == "smtp":
            keywords = await smtp.open_session(reader, writer, smtp.DEFAULT_HELO, result)
            await smtp.request_starttls(reader, writer, keywords, result)
        yield reader, writer
        if params.starttls == "smtp":
            writer.write(b"QUIT\r\n")  # polite, but no waiting for the answer
    finally:
        await close(writer)


def _record_sans(result: ProbeResult, facts: CertFacts | None) -> CertFacts | None:
    """Add the certificate's names (comma-joined, shortened) to ``result.info``."""
    if facts is not None:
        result.info["tls_sans"] = ", ".join(facts.sans)[:SANS_LIMIT]
    return facts


async def _verified_facts(
    host: str, port: int, params: TlsProbeParams, result: ProbeResult
) -> CertFacts | None:
    """Handshake with verification as configured; record the certificate facts."""
    async with _session(host, port, params, result) as (reader, writer):
        facts = await tls_upgrade(reader, writer, params.tls, host, result)
    return _record_sans(result, facts)


async def _inspect(
    host: str, port: int, params: TlsProbeParams, result: ProbeResult
) -> CertFacts | None:
    """Read the chain of a certificate that did not verify, over a second connection.

    Its phases are not timed: they would add to those of the verifying attempt.
    """
    scratch = ProbeResult()
    async with _session(host, port, params, scratch) as (reader, writer):
        server_name = params.tls.server_name or host
        ssl_object = await start_tls(reader, writer, inspection_context(), server_name, scratch)
        facts = record_cert(result, ssl_object, params.tls)
    result.info["tls_version"] = scratch.info["tls_version"]
    return _record_sans(result, facts)


def _verify_detail(
    error: ssl.SSLCertVerificationError, facts: CertFacts | None, name: str
) -> str | Message:
    """Why verification failed, in words; names the certificate's names on a mismatch."""
    if error.verify_code in _NAME_MISMATCH and facts is not None:
        names = ", ".join(facts.sans) or facts.subject
        return msg(
            "hostname mismatch: certificate is for {names}, not {name}",
            names=names[:SANS_LIMIT],
            name=name,
        )
    return str(error.verify_message or error.reason or error)


def _check_days(facts: CertFacts, min_days: float) -> None:
    """Fail when the earliest expiry of the chain is less than ``min_days`` away."""
    days = (facts.earliest_expiry - time.time()) / DAY
    if days < 0:
        raise ProbeFailure("tls", msg("certificate expired {days} days ago", days=rounded(-days)))
    if days < min_days:
        why = msg(
            "certificate expires in {days} days (`min_days_valid` is {minimum})",
            days=rounded(days),
            minimum=rounded(min_days),
        )
        raise ProbeFailure("tls", why)


async def probe(target: str, params: TlsProbeParams, result: ProbeResult) -> None:
    """Handshake, report the chain, and fail on verification errors or a close expiry."""
    host, port = split_host_port(target, DEFAULT_PORTS[params.starttls])
    try:
        facts = await _verified_facts(host, port, params, result)
    except ssl.SSLCertVerificationError as error:
        facts = None
        with contextlib.suppress(OSError, ValueError, ProbeFailure):
            facts = await _inspect(host, port, params, result)
        detail = _verify_detail(error, facts, params.tls.server_name or host)
        raise ProbeFailure("tls", detail) from error
    if facts is None:
        raise ProbeFailure("tls", msg("the server presented no certificate"))
    if params.min_days_valid:
        _check_days(facts, params.min_days_valid)


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    **TLS_VALUE_METRICS,
}

EXAMPLE = """\
- name: mail-cert
  prober: tls
  target: mail.ubnd.local:25
  interval: 1h
  tls:
    starttls: smtp
    min_days_valid: 14
"""


def prepare(target: str, params: TlsProbeParams) -> None:
    """The TLS set-up (client context, certificate parser)."""
    prepare_tls(params.tls)


PROBER = Prober(
    prepare=prepare,
    check_target=partial(split_host_port, default_port=DEFAULT_PORTS["none"]),
    name="tls",
    value_metrics=VALUE_METRICS,
    default_module="tls",
    example=EXAMPLE,
    params_model=TlsProbeParams,
    probe=probe,
    description="Checks the TLS certificate of a service at HOST:PORT (default 443; SMTP "
    "servers via STARTTLS): that it verifies for the name, and how long until it expires. "
    "Subject, issuer, names and expiry are reported even when the certificate does not "
    "verify (expired, self-signed, wrong name).",
)
