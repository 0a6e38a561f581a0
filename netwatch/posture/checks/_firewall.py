"""Parsers for firewall state and configuration: nftables, iptables, ufw, firewalld.

Each parser answers one question: does inbound traffic that no rule accepts get
dropped or rejected? The same nftables parser reads ``nft list ruleset`` output
and hand-written ``/etc/nftables.conf``; the iptables parser reads ``iptables -S``
output and ``iptables-save`` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NFT_FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
IPV4_FAMILIES = ("ip", "inet")
_FAMILY = rf"(?:({'|'.join(NFT_FAMILIES)})\s+)?"
_TABLE = re.compile(rf"^(?:(?:add|create)\s+)?table\s+{_FAMILY}(\S+)$")
_ROOT_CHAIN = re.compile(rf"^(?:(?:add|create)\s+)?chain\s+{_FAMILY}(\S+)\s+(\S+)$")
_CHAIN = re.compile(r"^chain\s+(\S+)$")
_HOOK = re.compile(r"\bhook\s+(\w+)")
_COUNTER = r"counter(?:\s+packets\s+\d+\s+bytes\s+\d+)?"
_LOG = r'log(?:\s+(?:prefix\s+"[^"]*"|level\s+\w+|flags\s+\S+|group\s+\d+))*'
_STATEMENT = rf"(?:{_COUNTER}|{_LOG})"
_FINAL_DENY = re.compile(rf"^(?:{_STATEMENT}\s+)*(?:drop|reject(?:\s+with\s+.+)?)$")


@dataclass
class NftChain:
    """A chain of an nftables ruleset: its hook and policy (base chains) and last rule."""

    family: str
    table: str
    name: str
    line: int
    hook: str = ""
    policy: str = ""
    last_rule: str = ""
    last_line: int = 0

    @property
    def denies_input(self) -> bool:
        """An IPv4 input chain that drops what no rule accepted (policy or a final catch-all)."""
        if self.hook != "input" or self.family not in IPV4_FAMILIES:
            return False
        return self.policy == "drop" or bool(_FINAL_DENY.match(self.last_rule))

    def describe(self) -> str:
        """``table inet filter, chain input: policy drop``."""
        policy = f"policy {self.policy or 'accept'}"
        if self.policy != "drop" and _FINAL_DENY.match(self.last_rule):
            policy += f", final rule '{self.last_rule}'"
        return f"table {self.family} {self.table}, chain {self.name}: {policy}"


@dataclass(frozen=True)
class _Block:
    """An open ``{`` block: a table, a chain, or anything else (set, map, define...)."""

    kind: str
    family: str = ""
    table: str = ""
    chain: NftChain | None = None


class _NftParser:
    """A small structural parser: tables, chains, and the statements inside chains."""

    def __init__(self) -> None:
        self.stack: list[_Block] = []
        self.chains: list[NftChain] = []
        self.buffer: list[str] = []  # characters of the statement being read (a list: a
        self.blank = True  # million-element set stays linear); blank: only spaces so far
        self.buffer_line = 0
        self.inline = 0

    def _add(self, char: str) -> None:
        self.buffer.append(char)
        self.blank = self.blank and char.isspace()

    def _take(self) -> str:
        """The statement read so far, whitespace collapsed; the buffer starts afresh."""
        text = " ".join("".join(self.buffer).split())
        self.buffer, self.blank = [], True
        return text

    def _open(self, header: str, line: int) -> None:
        top = self.stack[-1] if self.stack else _Block("root")
        chain = None
        if top.kind == "root" and (table := _TABLE.match(header)):
            self.stack.append(_Block("table", table.group(1) or "ip", table.group(2)))
            return
        if top.kind == "root" and (match := _ROOT_CHAIN.match(header)):
            chain = NftChain(match.group(1) or "ip", match.group(2), match.group(3), line)
        elif top.kind == "table" and (match := _CHAIN.match(header)):
            chain = NftChain(top.family, top.table, match.group(1), line)
        if chain is not None:
            self.chains.append(chain)
        self.stack.append(_Block("chain", chain=chain) if chain else _Block("block"))

    def _flush(self) -> None:
        statement = self._take()
        chain = self.stack[-1].chain if self.stack else None
        if not statement or chain is None:
            return
        if statement.startswith("type "):
            hook = _HOOK.search(statement)
            chain.hook = hook.group(1) if hook else ""
        elif statement.startswith("policy "):
            chain.policy = statement.split()[1]
        elif not statement.startswith(("comment ", "devices ", "device ")):
            chain.last_rule, chain.last_line = statement, self.buffer_line

    def _brace(self, char: str, line: int) -> None:
        in_body = bool(self.stack) and self.stack[-1].kind in ("chain", "block")
        if char == "{" and (in_body or self.inline):
            self.inline += 1
            self._add(char)
        elif char == "{":
            self._open(self._take(), self.buffer_line or line)
        elif self.inline:
            self.inline -= 1
            self._add(char)
        else:
            self._flush()
            if self.stack:
                self.stack.pop()

    def parse(self, text: str) -> list[NftChain]:
        """Walk the text once, character by character (quotes and comments respected)."""
        line, quoted, comment = 1, False, False
        for char in text:
            if comment and char != "\n":
                continue
            comment = False
            if quoted or char == '"':
                quoted = not quoted if char == '"' else quoted
                self._add(char)
            elif char == "#":
                comment = True
            elif char in "{}":
                self._brace(char, line)
            elif char in ";\n" and not self.inline:
                self._flush()
            elif not char.isspace():
                if self.blank:
                    self.buffer_line = line
                self._add(char)
            else:
                self._add(" ")
            if char == "\n":
                line += 1
        self._flush()
        return self.chains


def parse_nft(text: str) -> list[NftChain]:
    """The chains of an nftables ruleset or configuration file."""
    return _NftParser().parse(text)


@dataclass(frozen=True)
class IptablesInput:
    """The INPUT chain of the iptables filter table."""

    policy: str
    policy_line: int
    final_deny: str
    final_line: int

    @property
    def denies(self) -> bool:
        """DROP policy, or an unconditional DROP/REJECT as the last rule."""
        return self.policy == "DROP" or bool(self.final_deny)

    def describe(self) -> str:
        """``INPUT policy DROP``."""
        text = f"INPUT policy {self.policy or 'ACCEPT'}"
        return f"{text}, final rule '{self.final_deny}'" if self.final_deny else text


_IPT_POLICY = re.compile(r"^(?:-P INPUT|:INPUT)\s+([A-Z]+)")
_IPT_FINAL = re.compile(r"^-A INPUT -j (?:DROP|REJECT(?: --reject-with [\w-]+)?)$")


def parse_iptables_input(text: str) -> IptablesInput | None:
    """INPUT of ``iptables -S INPUT`` output or the ``*filter`` table of an iptables-save file."""
    table = "filter"
    policy, policy_line, last, last_line = "", 0, "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("*"):
            table = line[1:]
        elif table != "filter":
            continue
        elif match := _IPT_POLICY.match(line):
            policy, policy_line = match.group(1), number
        elif line.startswith("-A INPUT"):
            last, last_line = line, number
    if not policy_line:
        return None
    final = last if _IPT_FINAL.match(last) else ""
    return IptablesInput(policy, policy_line, final, last_line if final else 0)


def shell_assignments(text: str) -> dict[str, tuple[str, int]]:
    """``KEY=value`` lines (quotes stripped) of a shell-style configuration, with line numbers."""
    found = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        found[key.strip()] = (value.strip().strip("'\""), number)
    return found


@dataclass(frozen=True)
class UfwStatus:
    """What ``ufw status verbose`` says."""

    active: bool
    incoming: str

    @property
    def denies(self) -> bool:
        """Active with deny or reject as the default for incoming traffic."""
        return self.active and self.incoming in ("deny", "reject")

    def describe(self) -> str:
        """``Status: active; Default: deny (incoming)``."""
        if not self.active:
            return "Status: inactive"
        return f"Status: active; Default: {self.incoming or 'unknown'} (incoming)"


_UFW_DEFAULT = re.compile(r"^Default:.*?\b(\w+) \(incoming\)", re.MULTILINE)


def parse_ufw_status(text: str) -> UfwStatus | None:
    """Parse ``ufw status verbose``; None when there is no ``Status:`` line."""
    status = re.search(r"^Status: (\w+)", text, re.MULTILINE)
    if status is None:
        return None
    default = _UFW_DEFAULT.search(text)
    return UfwStatus(status.group(1) == "active", default.group(1) if default else "")


FIREWALLD_DENY_TARGETS = ("default", "DROP", "%%REJECT%%", "REJECT")
ZONE_NAME = re.compile(r"^[\w.-]+$")


def firewalld_target(list_all: str) -> str:
    """The ``target:`` of ``firewall-cmd --list-all`` output ('' when missing)."""
    match = re.search(r"^\s*target:\s*(\S+)", list_all, re.MULTILINE)
    return match.group(1) if match else ""


def zone_xml_target(xml: str) -> str:
    """The target attribute of a firewalld zone file (``default`` when absent)."""
    match = re.search(r"<zone\b[^>]*\btarget=\"([^\"]+)\"", xml)
    return match.group(1) if match else "default"
