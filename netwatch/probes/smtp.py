"""The ``smtp`` prober: greeting, EHLO, STARTTLS and QUIT against a mail server."""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from functools import partial

from pydantic import Field, field_validator, model_validator

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Regex, StrictModel
from netwatch.i18n import msg
from netwatch.probes.base import PROBE_LABELS, Prober
from netwatch.probes.netutil import IpFamily, close, connect, split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.tcp import tls_upgrade
from netwatch.probes.tlsutil import TlsParams, prepare_tls

DEFAULT_PORT = 25
DEFAULT_HELO = "netwatch.localdomain"
MAX_REPLY_LINES = 100
QUIT_WAIT = 2.0  # seconds to wait for the answer to QUIT before just closing
TEXT_LIMIT = 80
_HELO_NAME = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$")


class SmtpParams(StrictModel):
    """Settings of the ``smtp`` prober."""

    ip_family: IpFamily = Field(
        "any", description="Address family: any (the first address the name resolves to), "
        "ipv4 or ipv6."
    )  # fmt: skip
    helo_name: str = Field(
        DEFAULT_HELO, description="Name this agent gives in EHLO; some servers want a real "
        "host name of the office."
    )  # fmt: skip
    starttls: bool = Field(
        True, description="Require the server to offer STARTTLS and the TLS handshake to "
        "succeed (ports 25 and 587). Set false for servers that only speak plain SMTP."
    )  # fmt: skip
    tls: TlsParams = Field(
        default_factory=TlsParams,
        description="TLS settings for the STARTTLS handshake (CA file, server name, verification).",
    )
    expect_banner: Regex | None = Field(
        None, description="Regular expression the server's 220 greeting must match, e.g. "
        '"^220 mail\\\\.example\\\\.vn ESMTP".'
    )  # fmt: skip

    @field_validator("helo_name")
    @classmethod
    def _check_helo_name(cls, value: str) -> str:
        if not _HELO_NAME.match(value):
            raise ValueError(
                f"invalid helo_name {value!r}: expected a host name such as agent.example.vn "
                "or an address literal such as [192.0.2.10]"
            )
        return value

    @model_validator(mode="after")
    def _tls_needs_starttls(self) -> SmtpParams:
        if "tls" in self.model_fields_set and not self.starttls:
            raise ValueError("tls is set but starttls is false: TLS settings would be unused")
        return self


@dataclass(frozen=True)
class Reply:
    """One SMTP reply: its code and its lines as received (without line breaks)."""

    code: int
    lines: tuple[str, ...]

    def text(self) -> str:
        """The first line's text after the code, shortened for a failure detail."""
        return self.lines[0][4:][:TEXT_LIMIT]


def _reply_line(raw: bytes, first: str | None) -> str:
    """Decode and check one reply line: three digits (the same on every line), then ' ' or '-'."""
    if not raw.endswith(b"\n"):
        raise ProbeFailure("connection", msg("the server closed the connection"))
    line = raw.decode("utf-8", "replace").rstrip("\r\n")
    if (
        len(line) < 3
        or not (line[:3].isascii() and line[:3].isdigit())
        or line[3:4] not in ("", " ", "-")
    ):
        why = msg("not an SMTP reply: {line}", line=repr(line[:TEXT_LIMIT]))
        raise ProbeFailure("protocol", why)
    if first is not None and line[:3] != first[:3]:
        why = msg("reply code changed within a reply: {line}", line=repr(line[:TEXT_LIMIT]))
        raise ProbeFailure("protocol", why)
    return line


async def read_reply(reader: asyncio.StreamReader, result: ProbeResult) -> Reply:
    """Read a (possibly multi-line) reply; its code becomes ``smtp_status_code``."""
    lines: list[str] = []
    while not lines or lines[-1][3:4] == "-":
        if len(lines) >= MAX_REPLY_LINES:
            why = msg("reply longer than {count} lines", count=MAX_REPLY_LINES)
            raise ProbeFailure("protocol", why)
        try:
            raw = await reader.readline()
        except ValueError as exc:  # the stream's line length limit
            raise ProbeFailure("protocol", msg("reply line too long")) from exc
        lines.append(_reply_line(raw, lines[0] if lines else None))
    reply = Reply(int(lines[0][:3]), tuple(lines))
    result.values["smtp_status_code"] = reply.code
    return reply


async def command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str, result: ProbeResult
) -> Reply:
    """Send one command line and read its reply (timed as ``commands``, adding up)."""
    with result.phase("commands"):
        writer.write(line.encode("ascii") + b"\r\n")
        await writer.drain()
        return await read_reply(reader, result)


async def ehlo(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    helo_name: str,
    result: ProbeResult,
) -> set[str]:
    """Say EHLO; returns the extension keywords the server announces (upper case)."""
    reply = await command(reader, writer, f"EHLO {helo_name}", result)
    if reply.code != 250:
        why = msg("`EHLO` answered {code}: {text}", code=reply.code, text=reply.text())
        raise ProbeFailure("status", why)
    return {line[4:].split(" ", 1)[0].upper() for line in reply.lines[1:]}


async def open_session(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    helo_name: str,
    result: ProbeResult,
    expect_banner: str | None = None,
) -> set[str]:
    """Read the greeting (timed as ``banner``), check it, say EHLO; returns the keywords."""
    with result.phase("banner"):
        greeting = await read_reply(reader, result)
    result.info["smtp_banner"] = greeting.lines[0][:TEXT_LIMIT]
    if greeting.code != 220:
        why = msg("greeting {code}: {text}", code=greeting.code, text=greeting.text())
        raise ProbeFailure("status", why)
    if expect_banner is not None and not re.search(
        expect_banner, "\n".join(greeting.lines), re.MULTILINE
    ):
        why = msg(
            "greeting does not match {pattern}: {line}",
            pattern=repr(expect_banner),
            line=repr(greeting.lines[0][:TEXT_LIMIT]),
        )
        raise ProbeFailure("content", why)
    return await ehlo(reader, writer, helo_name, result)


async def request_starttls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    keywords: set[str],
    result: ProbeResult,
) -> None:
    """Ask for STARTTLS, which the server must offer and accept with 220."""
    if "STARTTLS" not in keywords:
        raise ProbeFailure("protocol", msg("the server does not offer `STARTTLS`"))
    reply = await command(reader, writer, "STARTTLS", result)
    if reply.code != 220:
        why = msg("`STARTTLS` answered {code}: {text}", code=reply.code, text=reply.text())
        raise ProbeFailure("status", why)


async def quit_session(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, result: ProbeResult
) -> None:
    """Say QUIT and wait briefly for the answer; a server that just hangs up is fine."""
    with contextlib.suppress(OSError, asyncio.TimeoutError, ProbeFailure):
        await asyncio.wait_for(command(reader, writer, "QUIT", result), QUIT_WAIT)


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    params: SmtpParams,
    result: ProbeResult,
) -> None:
    keywords = await open_session(reader, writer, params.helo_name, result, params.expect_banner)
    if params.starttls:
        await request_starttls(reader, writer, keywords, result)
        await tls_upgrade(reader, writer, params.tls, host, result)
        await ehlo(reader, writer, params.helo_name, result)
    await quit_session(reader, writer, result)


async def probe(target: str, params: SmtpParams, result: ProbeResult) -> None:
    """Greeting, EHLO, STARTTLS with a TLS handshake, EHLO again, QUIT."""
    host, port = split_host_port(target, DEFAULT_PORT)
    reader, writer = await connect(host, port, result, params.ip_family)
    try:
        await _converse(reader, writer, host, params, result)
    except ProbeFailure as failure:
        if failure.reason in ("status", "protocol", "content"):
            writer.write(b"QUIT\r\n")  # polite, but no waiting for the answer
        raise
    finally:
        await close(writer)


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    "smtp_status_code": MetricSpec(
        "netwatch_probe_smtp_status_code", "gauge", "Last SMTP reply code received.", PROBE_LABELS
    ),
}

EXAMPLE = """\
- name: mail-smtp
  prober: smtp
  target: mail.ubnd.local:25
  smtp:
    helo_name: netwatch.ubnd.local
    expect_banner: "ESMTP"
"""


def prepare(target: str, params: SmtpParams) -> None:
    """The TLS set-up, when the session upgrades with STARTTLS."""
    if params.starttls:
        prepare_tls(params.tls)


PROBER = Prober(
    prepare=prepare,
    check_target=partial(split_host_port, default_port=DEFAULT_PORT),
    name="smtp",
    value_metrics=VALUE_METRICS,
    default_module="smtp_starttls",
    example=EXAMPLE,
    params_model=SmtpParams,
    probe=probe,
    description="Talks SMTP to a mail server at HOST:PORT (default port 25): checks the 220 "
    "greeting, says EHLO, upgrades with STARTTLS (reporting the certificate expiry) and says "
    "QUIT. No mail is sent. For implicit TLS on port 465 use the tcp prober with tls: true.",
)
