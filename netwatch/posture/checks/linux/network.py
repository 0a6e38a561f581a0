"""Linux network exposure: default-deny firewall, risky services, listening ports.

On a running system the firewall is read from the tools (nft, ufw, firewall-cmd,
iptables); on a mounted image from their configuration files. Listening sockets
only exist on a running system, so those checks do not apply to an image.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.facts.listening import SS_SOURCE, Listener, ListeningError
from netwatch.hostaccess.commands import CommandError, CommandResult
from netwatch.i18n import Message, msg
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers import firewalld
from netwatch.posture.parsers.iptables import describe as describe_iptables
from netwatch.posture.parsers.iptables import parse_iptables_commands, read_rules_v4
from netwatch.posture.parsers.nftables import Ruleset, parse_ruleset, read_nftables_conf
from netwatch.posture.parsers.ufw import UFW_CONF, UFW_DEFAULTS, parse_ufw_status, read_ufw_boot
from netwatch.posture.registry import check

DENY_EXPECTED = msg("an active firewall that drops or rejects inbound traffic by default")

TIMEOUT = 10.0

NOT_LIVE = msg(
    "listening sockets exist only on a running system; this is an offline image, "
    "so nothing can be said about which services listen"
)


@dataclass(frozen=True)
class _Finding:
    """One firewall's answer: does it deny inbound traffic by default, and what shows it."""

    denies: bool
    evidence: Evidence


class _QueryError(Exception):
    """A firewall tool is installed but could not be asked (permissions, odd output);
    ``message`` says why, for readers."""

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = message


def _run(ctx: CheckContext, argv: list[str]) -> CommandResult:
    try:
        return ctx.access.commands.run(argv, timeout=TIMEOUT)
    except CommandError as exc:
        raise _QueryError(exc.message) from None


def _failure(result: CommandResult) -> _QueryError:
    detail = (result.stderr or result.stdout).strip().splitlines()
    command = " ".join(result.argv)
    if detail:
        return _QueryError(f"{command}: {detail[0]}")
    return _QueryError(
        msg("{command}: exit status {code}", command=command, code=str(result.returncode))
    )


def _nft_finding(ruleset: Ruleset, source: str, offline: bool) -> _Finding:
    """The kernel's verdict on the input hook for IPv4 that no rule's match selects."""
    verdict = ruleset.hook_verdict("input", "ipv4")
    where = verdict.source if offline and verdict.source else source
    observed: str | Message
    if not ruleset.chains:
        observed = msg("empty ruleset")
    elif not verdict.chains:
        observed = msg("no chain on the `input` hook")
    else:
        observed = verdict.describe()
    return _Finding(verdict.denies, Evidence(where, observed, DENY_EXPECTED))


def _unreadable(command: str, refused: str) -> _QueryError:
    """The tool printed what it would itself refuse (``refused``: its own words, data)."""
    return _QueryError(msg("{command}: unreadable output: {problem}", command=command,
                           problem=refused))  # fmt: skip


def _live_nft(ctx: CheckContext) -> _Finding:
    result = _run(ctx, ["nft", "list", "ruleset"])
    if result.returncode != 0:
        raise _failure(result)
    ruleset = parse_ruleset(result.stdout)
    if ruleset.refused:
        raise _unreadable("nft list ruleset", ruleset.refused)
    return _nft_finding(ruleset, "command: nft list ruleset", offline=False)


def _live_ufw(ctx: CheckContext) -> _Finding:
    result = _run(ctx, ["ufw", "status", "verbose"])
    status = parse_ufw_status(result.stdout)
    if result.returncode != 0 or status is None:
        raise _failure(result)
    evidence = Evidence("command: ufw status verbose", status.describe(), DENY_EXPECTED)
    return _Finding(status.denies, evidence)


def _live_firewalld(ctx: CheckContext) -> _Finding:
    state = _run(ctx, ["firewall-cmd", "--state"])
    answer = (state.stdout + state.stderr).strip()
    if answer == "not running":
        return _Finding(False, Evidence("command: firewall-cmd --state", answer, DENY_EXPECTED))
    if state.returncode != 0 or answer != "running":
        raise _failure(state)
    listing = _run(ctx, ["firewall-cmd", "--list-all"])
    target = firewalld.list_all_target(listing.stdout)
    if listing.returncode != 0 or not target:
        raise _failure(listing)
    zone = listing.stdout.split(maxsplit=1)[0]
    observed = msg("running; default zone {zone}, target {target}", zone=zone, target=target)
    evidence = Evidence("command: firewall-cmd --list-all", observed, DENY_EXPECTED)
    return _Finding(target in firewalld.DENY_TARGETS, evidence)


def _live_iptables(ctx: CheckContext) -> _Finding:
    result = _run(ctx, ["iptables", "-S", "INPUT"])
    rules = parse_iptables_commands(result.stdout, "iptables -S INPUT")
    if result.returncode != 0 or not result.stdout.strip():
        raise _failure(result)
    if rules.refused:
        raise _unreadable("iptables -S INPUT", rules.refused)
    verdict = rules.input_verdict()
    evidence = Evidence("command: iptables -S INPUT", describe_iptables(verdict), DENY_EXPECTED)
    return _Finding(verdict.denies, evidence)


LIVE_PROBES: tuple[tuple[str, Callable[[CheckContext], _Finding]], ...] = (
    ("nft", _live_nft),
    ("ufw", _live_ufw),
    ("firewall-cmd", _live_firewalld),
    ("iptables", _live_iptables),
)


def _firewall_live(ctx: CheckContext) -> Outcome:
    findings: list[_Finding] = []
    problems: list[str | Message] = []
    for program, probe in LIVE_PROBES:
        if ctx.access.commands.which(program) is None:
            continue
        try:
            finding = probe(ctx)
        except _QueryError as exc:
            problems.append(exc.message)
            continue
        if finding.denies:
            return passed(finding.evidence)
        findings.append(finding)
    evidence = [finding.evidence for finding in findings]
    if problems:
        reason = msg("could not query the firewall: {problems}", problems=_joined(problems))
        return error(reason, *evidence)
    if not findings:
        tools = ", ".join(program for program, _ in LIVE_PROBES)
        source = msg("`PATH` lookup: {tools}", tools=tools)
        return failed(Evidence(source, msg("no firewall tool installed"), DENY_EXPECTED))
    return failed(*evidence)


def _joined(problems: list[str | Message]) -> str | Message:
    """``problems`` one after the other, separated by semicolons."""
    joined = problems[0]
    for problem in problems[1:]:
        joined = msg("{first}; {second}", first=joined, second=problem)
    return joined


def _loaded_at_boot(ctx: CheckContext, finding: _Finding, name: str) -> _Finding:
    """A default-deny configuration counts only if its service is not disabled or masked,
    as ``systemctl is-enabled`` says (``facts.unit``); a unit it cannot judge (no unit
    file, static, ...) leaves the finding as it is."""
    unit = ctx.facts.unit(name)
    if not finding.denies or unit.state not in ("disabled", "masked", "masked-runtime"):
        return finding
    observed = msg(
        "{text}; but {unit} is not enabled ({why}), so nothing loads it",
        text=finding.evidence.observed,
        unit=name,
        why=unit.explained,
    )
    return _Finding(False, dataclasses.replace(finding.evidence, observed=observed))


def _source(path: str, line: int) -> str:
    return f"{path}:{line}" if line else path


def _refused(path: str, program: str, reason: str, unit: str) -> _Finding:
    observed = msg(
        "{program} refuses it ({reason}), so {unit} loads nothing",
        program=program,
        reason=reason,
        unit=unit,
    )
    return _Finding(False, Evidence(path, observed, DENY_EXPECTED))


def _offline_nft(ctx: CheckContext) -> _Finding | None:
    path = "/etc/nftables.conf"
    ruleset = read_nftables_conf(ctx.access.files, path)
    if ruleset is None:
        return None
    if ruleset.refused:
        return _refused(path, "nft", ruleset.refused, "nftables.service")
    finding = _nft_finding(ruleset, path, offline=True)
    return _loaded_at_boot(ctx, finding, "nftables.service")


def _offline_ufw(ctx: CheckContext) -> _Finding | None:
    boot = read_ufw_boot(ctx.access.files)
    if boot is None:
        return None
    if boot.missing:
        observed = msg("{path} is missing or empty, so ufw-init starts nothing", path=boot.missing)
        return _Finding(False, Evidence(boot.missing, observed, DENY_EXPECTED))
    if not boot.starts:
        source = boot.enabled.source if boot.enabled else UFW_CONF
        value = (
            f"ENABLED={boot.enabled.value}" if boot.enabled else msg("{key} not set", key="ENABLED")
        )
        return _Finding(False, Evidence(source, value, DENY_EXPECTED))
    policy = boot.input_policy
    observed = msg(
        "{enabled}; {policy}",
        enabled="ENABLED=yes",
        policy=f"DEFAULT_INPUT_POLICY={policy.value}"
        if policy
        else msg("{key} not set", key="DEFAULT_INPUT_POLICY"),
    )
    evidence = Evidence(policy.source if policy else UFW_DEFAULTS, observed, DENY_EXPECTED)
    return _loaded_at_boot(ctx, _Finding(boot.denies, evidence), "ufw.service")


def _offline_firewalld(ctx: CheckContext) -> _Finding | None:
    conf_path = firewalld.FIREWALLD_CONF
    conf = ctx.access.files.read_text_or_none(conf_path)
    if conf is None:
        return None
    zone, line = firewalld.conf_values(conf).get("DefaultZone", ("public", 0))
    if not firewalld.ZONE_NAME.match(zone):
        observed = msg("`DefaultZone={zone}` is not a zone name", zone=repr(zone))
        return _Finding(False, Evidence(_source(conf_path, line), observed, DENY_EXPECTED))
    source = _source(conf_path, line)
    target = firewalld.BUILTIN_ZONE_TARGETS.get(zone, "default")
    for path in (f"/etc/firewalld/zones/{zone}.xml", f"/usr/lib/firewalld/zones/{zone}.xml"):
        xml = ctx.access.files.read_text_or_none(path)
        if xml is not None:
            source, target = path, firewalld.zone_xml_target(xml)
            break
    observed = msg("default zone {zone}, target {target}", zone=zone, target=target)
    evidence = Evidence(source, observed, DENY_EXPECTED)
    finding = _Finding(target in firewalld.DENY_TARGETS, evidence)
    return _loaded_at_boot(ctx, finding, "firewalld.service")


def _offline_iptables(ctx: CheckContext) -> _Finding | None:
    path = "/etc/iptables/rules.v4"
    rules = read_rules_v4(ctx.access.files, path)
    if rules is None:
        return None
    unit = "netfilter-persistent.service"
    if rules.refused:
        return _refused(path, "iptables-restore", rules.refused, unit)
    verdict = rules.input_verdict()
    evidence = Evidence(verdict.source or path, describe_iptables(verdict), DENY_EXPECTED)
    return _loaded_at_boot(ctx, _Finding(verdict.denies, evidence), unit)


OFFLINE_PROBES = (_offline_nft, _offline_ufw, _offline_firewalld, _offline_iptables)

OFFLINE_FILES = (
    "/etc/nftables.conf",
    "/etc/ufw/ufw.conf",
    "/etc/firewalld/firewalld.conf",
    "/etc/iptables/rules.v4",
)


def _offline(text: str | Message) -> Message:
    return msg("{text} (from configuration on an offline image)", text=text)


def _firewall_offline(ctx: CheckContext) -> Outcome:
    findings = [finding for finding in (probe(ctx) for probe in OFFLINE_PROBES) if finding]
    evidence = [
        dataclasses.replace(f.evidence, observed=_offline(f.evidence.observed)) for f in findings
    ]
    for finding, item in zip(findings, evidence, strict=True):
        if finding.denies:
            return passed(item)
    if not findings:
        observed = _offline(
            msg("no firewall configuration ({files})", files=", ".join(OFFLINE_FILES))
        )
        return failed(Evidence(msg("firewall configuration files"), observed, DENY_EXPECTED))
    return failed(*evidence)


@check("linux.network.firewall_default_deny")
def firewall_default_deny(ctx: CheckContext) -> Outcome:
    """Some firewall (nftables, ufw, firewalld, iptables) drops unsolicited inbound traffic."""
    return _firewall_live(ctx) if ctx.live else _firewall_offline(ctx)


Port = Annotated[int, Field(ge=1, le=65535)]


class RiskyService(StrictModel):
    """A service that must not be reachable from the network."""

    name: str = Field(min_length=1, description="Name shown in the evidence.")
    port: Port = Field(description="Port number.")
    protocol: Literal["tcp", "udp"] = Field("tcp", description="tcp or udp.")


DEFAULT_RISKY: tuple[tuple[str, int, Literal["tcp", "udp"]], ...] = (
    ("ftp", 21, "tcp"),
    ("telnet", 23, "tcp"),
    ("tftp", 69, "udp"),
    ("finger", 79, "tcp"),
    ("rexec", 512, "tcp"),
    ("rlogin", 513, "tcp"),
    ("rsh", 514, "tcp"),
)


class RiskyServicesParams(StrictModel):
    """Which services count as risky (SMBv1 of Samba is always checked)."""

    services: list[RiskyService] = Field(
        default_factory=lambda: [
            RiskyService(name=name, port=port, protocol=protocol)
            for name, port, protocol in DEFAULT_RISKY
        ],
        description="Clear-text or unauthenticated services that must not listen on a network "
        "address.",
    )


SMB_PORTS = (445, 139)

SMB1_DIALECTS = ("CORE", "COREPLUS", "LANMAN1", "LANMAN2", "NT1")

SMB_CONF = "/etc/samba/smb.conf"

SMB_MIN_KEYS = ("serverminprotocol", "minprotocol")


def _smb_min_protocol(text: str) -> tuple[str, int] | None:
    """``server min protocol`` of the [global] section, with its line (None when not set)."""
    section, found, pending, start = "global", None, "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.endswith("\\"):
            pending, start = pending + line[:-1] + " ", start or number
            continue
        line, first = pending + line, start or number
        pending, start = "", 0
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and "]" in line:
            section = line[1 : line.index("]")].strip().lower()
        elif section == "global" and "=" in line:
            key, _, value = line.partition("=")
            if "".join(key.split()).lower() in SMB_MIN_KEYS:
                found = (value.strip(), first)
    return found


def _smb1(ctx: CheckContext, exposed: list[Listener]) -> Evidence | None:
    """Evidence of SMBv1 allowed by a Samba server that listens on the network."""
    smb = [item for item in exposed if item.protocol == "tcp" and item.port in SMB_PORTS]
    smb.sort(key=lambda item: SMB_PORTS.index(item.port))
    text = ctx.access.files.read_text_or_none(SMB_CONF) if smb else None
    if text is None:
        return None
    setting = _smb_min_protocol(text)
    if setting is None or setting[0].upper() not in SMB1_DIALECTS:
        return None
    value, line = setting
    listening = smb[0].describe()
    observed = msg(
        "{setting} (SMBv1 allowed); Samba listens on {listening}",
        setting=f"server min protocol = {value}",
        listening=listening,
    )
    expected = msg("{setting} or later", setting="server min protocol = SMB2_02")
    return Evidence(f"{SMB_CONF}:{line}", observed, expected)


def _exposed(ctx: CheckContext) -> list[Listener] | Outcome:
    """Sockets listening on a network address now; an outcome when that cannot be known."""
    if not ctx.live:
        return not_applicable(NOT_LIVE)
    try:
        return [item for item in ctx.facts.listening if not item.loopback]
    except ListeningError as exc:
        return error(exc.message)


@check("linux.network.risky_services", params=RiskyServicesParams)
def risky_services(ctx: CheckContext) -> Outcome:
    """No clear-text legacy service listens on a network address, and Samba refuses SMBv1."""
    exposed = _exposed(ctx)
    if isinstance(exposed, Outcome):
        return exposed
    params = ctx.params_as(RiskyServicesParams)
    evidence = []
    for service in params.services:
        for item in exposed:
            if (item.protocol, item.port) == (service.protocol, service.port):
                observed = msg(
                    "{service} listening: {listener}",
                    service=service.name,
                    listener=item.describe(),
                )
                evidence.append(Evidence(SS_SOURCE, observed, msg("not listening")))
    smb1 = _smb1(ctx, exposed)
    if evidence or smb1:
        return failed(*evidence, *([smb1] if smb1 else []))
    names = ", ".join(f"{s.name} ({s.protocol}/{s.port})" for s in params.services)
    observed = msg(
        "none of {services} listens on a network address; SMBv1 not enabled", services=names
    )
    return passed(Evidence(SS_SOURCE, observed, msg("not listening")))


class ListeningPortsParams(StrictModel):
    """Ports that may listen on network (non-loopback) addresses."""

    allowed_ports: list[Port] = Field(
        default_factory=lambda: [22],
        description="TCP and UDP ports allowed to listen on network addresses.",
    )
    allowed_udp_client_ports: list[Port] = Field(
        default_factory=lambda: [68, 546],
        description="UDP ports of DHCP clients (dhclient, NetworkManager): they receive answers "
        "to the host's own requests and are not services.",
    )


def _grouped(items: list[Listener]) -> list[Message]:
    """``tcp/3306 on 0.0.0.0, :: (mariadbd)`` per protocol and port."""
    groups: dict[tuple[str, int], list[Listener]] = {}
    for item in items:
        groups.setdefault((item.protocol, item.port), []).append(item)
    lines = []
    for (protocol, port), members in sorted(groups.items()):
        addresses = ", ".join(dict.fromkeys(member.address for member in members))
        names = ", ".join(dict.fromkeys(n for member in members for n in member.processes))
        where = msg("{port} on {addresses}", port=f"{protocol}/{port}", addresses=addresses)
        lines.append(msg("{text} ({names})", text=where, names=names) if names else where)
    return lines


@check("linux.network.listening_ports", params=ListeningPortsParams)
def listening_ports(ctx: CheckContext) -> Outcome:
    """Nothing but the allowed ports listens on a non-loopback address."""
    exposed = _exposed(ctx)
    if isinstance(exposed, Outcome):
        return exposed
    params = ctx.params_as(ListeningPortsParams)
    allowed = sorted(set(params.allowed_ports))
    expected = msg("only allowed ports: {ports}", ports=", ".join(map(str, allowed)) or msg("none"))
    unexpected = [
        item
        for item in exposed
        if item.port not in allowed
        and not (item.protocol == "udp" and item.port in params.allowed_udp_client_ports)
    ]
    if unexpected:
        return failed(*(Evidence(SS_SOURCE, line, expected) for line in _grouped(unexpected)))
    grouped = _grouped(exposed)
    observed = msg("nothing listens on a network address")
    if grouped:
        listening = grouped[0]
        for line in grouped[1:]:
            listening = msg("{first}; {second}", first=listening, second=line)
        observed = msg("network listeners: {listening}", listening=listening)
    return passed(Evidence(SS_SOURCE, observed, expected))
