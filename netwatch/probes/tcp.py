"""The ``tcp`` prober: connect to HOST:PORT, optionally over TLS, send a line, expect a reply."""

from __future__ import annotations

import asyncio
import re
import ssl

from pydantic import Field, model_validator

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Regex, StrictModel
from netwatch.i18n import msg
from netwatch.probes.base import Prober
from netwatch.probes.netutil import IpFamily, close, connect, split_host_port, start_tls
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.tlsutil import (
    TLS_VALUE_METRICS,
    CertFacts,
    TlsParams,
    client_context,
    prepare_tls,
    record_cert,
)

QUOTE_LIMIT = 80


class TcpParams(StrictModel):
    """Settings of the ``tcp`` prober."""

    ip_family: IpFamily = Field(
        "any", description="Address family: any (the first address the name resolves to), "
        "ipv4 or ipv6."
    )  # fmt: skip
    tls: bool = Field(
        False, description="Speak TLS right after connecting (e.g. IMAPS on 993, LDAPS on 636)."
    )
    tls_config: TlsParams = Field(
        default_factory=TlsParams,
        description="TLS settings (CA file, server name, verification); only with tls: true.",
    )
    send: str | None = Field(
        None, description='Text sent after connecting, e.g. "PING\\r\\n" (use double quotes in '
        "YAML so that \\r\\n become line breaks)."
    )  # fmt: skip
    expect: Regex | None = Field(
        None, description="Regular expression one line of the reply must match, e.g. "
        '"^SSH-2.0-". Without it, an open port is enough.'
    )  # fmt: skip
    max_read_bytes: int = Field(
        4096, ge=1, description="Stop reading the reply after this many bytes when no line "
        "has matched expect yet."
    )  # fmt: skip

    @model_validator(mode="after")
    def _tls_config_needs_tls(self) -> TcpParams:
        if "tls_config" in self.model_fields_set and not self.tls:
            raise ValueError("tls_config is set but tls is false: add tls: true to use TLS")
        return self


async def tls_upgrade(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    params: TlsParams,
    host: str,
    result: ProbeResult,
) -> CertFacts | None:
    """Upgrade an open stream to TLS as ``params`` say; record verification and certificate."""
    context = client_context(params)
    try:
        ssl_object = await start_tls(reader, writer, context, params.server_name or host, result)
    except ssl.SSLCertVerificationError:
        result.values["tls_verified"] = 0.0
        raise
    except ConnectionError as exc:  # e.g. no TLS version or cipher in common
        why = msg("the server closed the connection in the TLS handshake")
        raise ProbeFailure("tls", why) from exc
    result.values["tls_verified"] = 1.0 if params.verify else 0.0
    return record_cert(result, ssl_object, params)


def quote(data: bytes) -> str:
    """Received bytes as a short, one-line, quoted text for a failure detail."""
    return repr(data.decode("utf-8", "replace")[:QUOTE_LIMIT])


async def expect_line(
    reader: asyncio.StreamReader, pattern: re.Pattern[str], limit: int, result: ProbeResult
) -> str:
    """Read lines until one matches ``pattern`` (timing ``first_byte``, then ``transfer``).

    Returns that line. A last line without a line break is only tried at end of stream
    or at ``limit`` bytes.
    """
    received = tail = b""
    while True:
        with result.phase("transfer" if received else "first_byte"):
            chunk = await reader.read(limit - len(received))
        received += chunk
        finished = not chunk or len(received) >= limit
        *lines, tail = (tail + chunk).split(b"\n")
        for line in [*lines, tail] if finished and tail else lines:
            text = line.rstrip(b"\r").decode("utf-8", "replace")
            if pattern.search(text):
                return text
        if not received:
            why = msg("connection closed before anything was received")
            raise ProbeFailure("connection", why)
        if finished:
            why = msg(
                "no line matched {pattern}; received {received}",
                pattern=repr(pattern.pattern),
                received=quote(received),
            )
            raise ProbeFailure("content", why)


async def probe(target: str, params: TcpParams, result: ProbeResult) -> None:
    """Connect (and handshake), send ``send``, and wait for a line matching ``expect``."""
    host, port = split_host_port(target)
    reader, writer = await connect(host, port, result, params.ip_family)
    try:
        if params.tls:
            await tls_upgrade(reader, writer, params.tls_config, host, result)
        if params.send:
            writer.write(params.send.encode())
            await writer.drain()
        if params.expect is not None:
            await expect_line(reader, re.compile(params.expect), params.max_read_bytes, result)
    finally:
        await close(writer)


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    **TLS_VALUE_METRICS,
}

EXAMPLE = """\
- name: ssh-app01
  prober: tcp
  target: app01.ubnd.local:22
  tcp:
    expect: "^SSH-2.0-"
"""


def prepare(target: str, params: TcpParams) -> None:
    """The TLS set-up, when the connection speaks TLS."""
    if params.tls:
        prepare_tls(params.tls_config)


PROBER = Prober(
    prepare=prepare,
    check_target=split_host_port,
    name="tcp",
    value_metrics=VALUE_METRICS,
    default_module="tcp_connect",
    example=EXAMPLE,
    params_model=TcpParams,
    probe=probe,
    description="Opens a TCP connection to HOST:PORT, optionally over TLS, optionally sends "
    "a text and checks that a line of the reply matches a regular expression (e.g. an SSH "
    "or mail server greeting). With TLS it also reports the certificate expiry.",
)
