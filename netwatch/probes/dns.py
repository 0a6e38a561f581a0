"""DNS prober: ask a DNS server one question and check the response code and the answer."""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import partial
from typing import TYPE_CHECKING, Literal

# Only the small dnspython modules load with the config; the resolver machinery
# (about 10 MB) loads on the first DNS probe.
import dns.exception
import dns.rcode
import dns.rdatatype
from pydantic import Field, field_validator

from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Regex, StrictModel
from netwatch.i18n import msg
from netwatch.probes.base import PROBE_LABELS, Prober
from netwatch.probes.netutil import IpFamily, resolve, split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.scope import check_addresses

if TYPE_CHECKING:
    import dns.message

DEFAULT_PORT = 53
_SHOWN_ANSWERS = 3  # answer records quoted in info["dns_answers"]
_SHOWN_CHARS = 200


class DnsParams(StrictModel):
    """What to ask the DNS server and which answers count as healthy."""

    query_name: str = Field(
        ".", description="Name to look up, e.g. portal.ubnd.local. The default `.` (the root) "
        "with type SOA only checks that the server answers at all."
    )  # fmt: skip
    query_type: str = Field(
        "SOA", description="Record type to ask for: A, AAAA, MX, SOA, SRV, TXT, PTR, NS, ..."
    )
    transport: Literal["udp", "tcp"] = Field(
        "udp", description="udp (what clients normally use) or tcp. A UDP answer marked as "
        "truncated (too big for UDP) is asked again over TCP automatically."
    )  # fmt: skip
    recursion_desired: bool = Field(
        True, description="Ask the server to look up names it does not hold itself (the RD "
        "flag). Turn off to check that an authoritative server answers for its own zone."
    )  # fmt: skip
    valid_rcodes: list[str] = Field(
        ["NOERROR"], description="Response codes that count as success, e.g. "
        "[NOERROR, NXDOMAIN] when the name is expected not to exist."
    )  # fmt: skip
    fail_if_not_matches_answer: list[Regex] = Field(
        [], description="Regular expressions that must each match at least one answer record. "
        "Records are written as text, e.g. `portal.ubnd.local. 300 IN A 198.18.0.10`."
    )  # fmt: skip
    fail_if_matches_answer: list[Regex] = Field(
        [], description="Regular expressions that no answer record may match, e.g. an old "
        "address that must no longer be served."
    )  # fmt: skip
    fail_if_no_answer: bool = Field(
        False, description="Fail when the answer section is empty (the name exists but has "
        "no record of the asked type)."
    )  # fmt: skip
    ip_family: IpFamily = Field(
        "any", description="Address family used when the server is given by name: "
        "any, ipv4 or ipv6."
    )  # fmt: skip

    @field_validator("query_name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        import dns.name

        try:
            dns.name.from_text(value)
        except dns.exception.DNSException as exc:
            raise ValueError(f"invalid query name {value!r}: {exc}") from exc
        return value

    @field_validator("query_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        try:
            rdtype = dns.rdatatype.from_text(value)
        except dns.exception.DNSException as exc:
            raise ValueError(
                f"unknown record type {value!r}; use e.g. A, AAAA, MX, SOA, SRV, TXT"
            ) from exc
        if dns.rdatatype.is_metatype(rdtype) and rdtype != dns.rdatatype.ANY:
            raise ValueError(f"record type {value!r} cannot be asked for in a query")
        return dns.rdatatype.to_text(rdtype)

    @field_validator("valid_rcodes")
    @classmethod
    def _known_rcodes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("valid_rcodes must name at least one response code, e.g. NOERROR")
        names = []
        for text in value:
            try:
                names.append(dns.rcode.to_text(dns.rcode.from_text(text)))
            except dns.exception.DNSException as exc:
                raise ValueError(
                    f"unknown response code {text!r}; use e.g. NOERROR, NXDOMAIN, SERVFAIL"
                ) from exc
        return names


async def probe(target: str, params: DnsParams, result: ProbeResult) -> None:
    """Ask ``target`` (HOST or HOST:PORT) the configured question and check the response."""
    import dns.flags
    import dns.message

    host, port = split_host_port(target, DEFAULT_PORT)
    address = await _server_address(host, port, params.ip_family, result)
    flags = dns.flags.RD if params.recursion_desired else 0
    query = dns.message.make_query(params.query_name, params.query_type, flags=flags)
    with result.phase("query"):
        response = await _ask(query, address, port, params.transport, result)
    _check(response, params, result)


async def _server_address(host: str, port: int, family: IpFamily, result: ProbeResult) -> str:
    """The server's address: a literal as given, a name resolved (timed as ``resolve``)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return (await resolve(host, port, result, family))[1]
    check_addresses(host, [host])
    if family != "any" and family != f"ipv{literal.version}":
        raise ProbeFailure(
            "config", msg("server {host} is not an {family} address", host=host, family=family)
        )
    result.info["address"] = str(literal)
    return str(literal)


async def _ask(
    query: dns.message.Message, address: str, port: int, transport: str, result: ProbeResult
) -> dns.message.Message:
    """Send ``query`` over UDP (retrying over TCP when truncated) or TCP; return the response."""
    import dns.asyncquery
    import dns.message
    import dns.query

    result.info["dns_transport"] = transport
    try:
        if transport == "udp":
            try:
                return await _udp(query, address, port)
            except dns.message.Truncated:
                result.describe("dns_transport", msg("tcp (udp answer truncated)"))
        return await dns.asyncquery.tcp(query, address, port=port)
    except dns.query.BadResponse as exc:
        raise ProbeFailure(
            "protocol", msg("the reply does not answer our query (ID or question mismatch)")
        ) from exc
    except dns.exception.DNSException as exc:
        raise ProbeFailure("protocol", msg("malformed DNS reply: {error}", error=str(exc))) from exc


async def _udp(query: dns.message.Message, address: str, port: int) -> dns.message.Message:
    """One UDP exchange on a connected socket, so that a closed port reports "refused"."""
    import dns.asyncbackend
    import dns.asyncquery
    import dns.inet

    family = dns.inet.af_for_address(address)
    backend = dns.asyncbackend.get_backend("asyncio")
    sock = await backend.make_socket(family, socket.SOCK_DGRAM, 0, None, (address, port))
    async with sock:
        return await dns.asyncquery.udp(
            query, address, port=port, sock=sock, raise_on_truncation=True
        )


def _answer_records(response: dns.message.Message) -> list[str]:
    """Every answer record as one line of zone-file text."""
    import dns.rdataclass

    return [
        f"{rrset.name} {rrset.ttl} {dns.rdataclass.to_text(rrset.rdclass)} "
        f"{dns.rdatatype.to_text(rrset.rdtype)} {rdata}"
        for rrset in response.answer
        for rdata in rrset
    ]


def _check(response: dns.message.Message, params: DnsParams, result: ProbeResult) -> None:
    """Record the response code and answers, then apply the expectations."""
    rcode = dns.rcode.to_text(response.rcode())
    records = _answer_records(response)
    result.values["dns_rcode"] = float(response.rcode())
    result.values["dns_answers"] = float(len(records))
    result.info["dns_rcode"] = rcode
    if records:
        shown = "; ".join(records[:_SHOWN_ANSWERS])
        result.info["dns_answers"] = shown[:_SHOWN_CHARS]
    if rcode not in params.valid_rcodes:
        expected = ", ".join(params.valid_rcodes)
        raise ProbeFailure(
            "status",
            msg("response code {rcode}, expected {expected}", rcode=rcode, expected=expected),
        )
    if params.fail_if_no_answer and not records:
        raise ProbeFailure(
            "content",
            msg(
                "no {query_type} record for {query_name} in the answer",
                query_type=params.query_type,
                query_name=params.query_name,
            ),
        )
    for pattern in params.fail_if_not_matches_answer:
        if not any(re.search(pattern, record) for record in records):
            raise ProbeFailure(
                "content", msg("no answer record matches {pattern}", pattern=repr(pattern))
            )
    for pattern in params.fail_if_matches_answer:
        for record in records:
            if re.search(pattern, record):
                raise ProbeFailure(
                    "content",
                    msg(
                        "answer record {record} matches {pattern}",
                        record=repr(record),
                        pattern=repr(pattern),
                    ),
                )


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    "dns_answers": MetricSpec(
        "netwatch_probe_dns_answer_records",
        "gauge",
        "Records in the DNS answer section.",
        PROBE_LABELS,
    ),
    "dns_rcode": MetricSpec(
        "netwatch_probe_dns_rcode",
        "gauge",
        "DNS response code (0 NOERROR, 3 NXDOMAIN, ...).",
        PROBE_LABELS,
    ),
}

EXAMPLE = """\
- name: dns-internal
  prober: dns
  target: 192.168.10.10
  dns:
    query_name: portal.ubnd.local
    query_type: A
    fail_if_not_matches_answer: ["IN\\\\s+A\\\\s+192\\\\.168\\\\.10\\\\.20"]
"""


def prepare(target: str, params: DnsParams) -> None:
    """Import dnspython's query modules (slow the first time) before the probe is timed."""
    import dns.asyncbackend
    import dns.asyncquery
    import dns.flags
    import dns.inet
    import dns.message
    import dns.query
    import dns.rdataclass

    dns.asyncbackend.get_backend("asyncio")  # imports the asyncio backend


PROBER = Prober(
    prepare=prepare,
    check_target=partial(split_host_port, default_port=DEFAULT_PORT),
    name="dns",
    value_metrics=VALUE_METRICS,
    default_module="dns",
    example=EXAMPLE,
    params_model=DnsParams,
    probe=probe,
    description="Ask a DNS server (target HOST or HOST:PORT, port 53 by default) one question "
    "and check the response code and the records in the answer.",
)
