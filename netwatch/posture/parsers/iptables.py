"""iptables rules read as iptables-restore 1.8.9 (nf_tables backend, Debian 12) reads them.

Two inputs: an ``iptables-save`` file (``/etc/iptables/rules.v4``, loaded at boot by
netfilter-persistent) and ``iptables -S`` output (the filter table's commands, no
``*table`` lines). The file format, as iptables-restore takes it
(tests/differential/test_firewall.py loads every corpus file):

- Blank lines and lines starting with ``#`` are skipped. Anything else outside a table
  fails ("line N failed").
- ``*table`` opens one of filter, nat, mangle, raw and security (another name is
  refused) and ``COMMIT`` closes it; a ``*`` line before ``COMMIT`` and a file that
  ends inside a table ("COMMIT expected") are refused. Each table in the file replaces
  that table; tables the file does not name are left as they were.
- ``:CHAIN POLICY [packets:bytes]``: the counters are optional. For a built-in chain
  of the table the policy is ACCEPT or DROP (another name: "Bad policy name"); any
  other name creates a user chain and its policy is ignored (``:INPUT DROP`` in the
  raw table, which has no INPUT, is a user chain named INPUT).
- Command lines are ``iptables`` arguments, split at blanks with ``"..."`` quoting:
  ``-A``/``-I`` add a rule to a chain that must exist, ``-N``/``-X``/``-F``/``-P``
  create, delete, flush and set a policy; ``-j``/``-g`` name a built-in verdict
  (ACCEPT, DROP, RETURN), a target extension (REJECT, LOG, MARK...) or a chain that
  must exist at that line.

The verdict is the kernel's for an IPv4 packet on the input hook: the INPUT chains of
mangle (priority -150), filter (0) and security (50) in turn (nat's INPUT policy
DROP is accepted by iptables-restore but drops nothing), each to its
verdict, exactly as for nftables (:mod:`netwatch.posture.parsers.nftables`, whose
:class:`~netwatch.posture.parsers.nftables.Ruleset` this builds: iptables-nft stores
its tables as nftables tables of family ``ip``). A rule without a match (only
``-j``/``-g``, counters and ``-m comment``) decides for every packet; a rule with any
match is followed by no unmatched packet. netwatch does not check matches and their
options (``-p tcp --dport x`` passes here; iptables refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg
from netwatch.posture.parsers.nftables import (
    HookVerdict,
    NftChain,
    NftRule,
    NftTable,
    Ruleset,
    join_messages,
)

RULES_V4 = "/etc/iptables/rules.v4"
BUILTIN_CHAINS = {
    "filter": {"INPUT": 0, "FORWARD": 0, "OUTPUT": 0},
    "nat": {"PREROUTING": -100, "INPUT": 100, "OUTPUT": -100, "POSTROUTING": 100},
    "mangle": {
        "PREROUTING": -150,
        "INPUT": -150,
        "FORWARD": -150,
        "OUTPUT": -150,
        "POSTROUTING": -150,
    },
    "raw": {"PREROUTING": -300, "OUTPUT": -300},
    "security": {"INPUT": 50, "FORWARD": 50, "OUTPUT": 50},
}
HOOK_OF_CHAIN = {
    "PREROUTING": "prerouting",
    "INPUT": "input",
    "FORWARD": "forward",
    "OUTPUT": "output",
    "POSTROUTING": "postrouting",
}
CHAIN_TYPE = {"nat": "nat"}
VERDICT_TARGETS = {"ACCEPT": "accept", "DROP": "drop", "RETURN": "return", "REJECT": "reject"}
# Target extensions of iptables 1.8.9 that let the packet go on to the next rule.
CONTINUING_TARGETS = frozenset(
    """LOG NFLOG MARK CONNMARK CT TRACE NOTRACK TCPMSS TOS DSCP CLASSIFY SNAT DNAT MASQUERADE
    REDIRECT NETMAP AUDIT SET CHECKSUM TEE TPROXY SECMARK CONNSECMARK HMARK IDLETIMER LED
    NFQUEUE QUEUE RATEEST SYNPROXY TCPOPTSTRIP TTL CLUSTERIP ULOG""".split()  # noqa: SIM905
)
COMMANDS = {
    "-A": "append",
    "--append": "append",
    "-I": "insert",
    "--insert": "insert",
    "-N": "new",
    "--new-chain": "new",
    "-X": "delete-chain",
    "--delete-chain": "delete-chain",
    "-F": "flush",
    "--flush": "flush",
    "-P": "policy",
    "--policy": "policy",
    "-D": "delete",
    "--delete": "delete",
    "-R": "replace",
    "--replace": "replace",
    "-Z": "zero",
    "--zero": "zero",
}


class IptablesRefused(Exception):
    """A file iptables-restore refuses: ``FILE:LINE: reason``."""


@dataclass(frozen=True)
class IptablesRules:
    """What iptables-restore loaded (as nftables tables), and why it refused, if it did."""

    ruleset: Ruleset

    @property
    def refused(self) -> str | None:
        """iptables-restore's reason for refusing the file, None when it loads."""
        return self.ruleset.refused

    def input_verdict(self) -> HookVerdict:
        """The kernel's verdict on the input hook for an IPv4 packet no rule's match selects."""
        return self.ruleset.hook_verdict("input", "ipv4")


def describe(verdict: HookVerdict) -> Message:
    """``filter INPUT: policy DROP`` or ``filter INPUT: rule '-A INPUT -j DROP'``."""
    chain = verdict.chain
    if chain is None:
        return msg("no {chain} chain", chain="INPUT")
    if verdict.rule is not None:
        return msg(
            "{table} {chain}: rule '{rule}'",
            table=chain.table,
            chain=chain.name,
            rule=verdict.rule.text,
        )
    chains = [chain] if verdict.denies else list(verdict.chains)
    return join_messages([_policy(each) for each in chains])


def _policy(chain: NftChain) -> Message:
    """``filter INPUT: policy ACCEPT``."""
    policy = chain.effective_policy.upper()
    return msg(
        "{table} {chain}: policy {policy}", table=chain.table, chain=chain.name, policy=policy
    )


def split_arguments(line: str, where: str) -> list[str]:
    """iptables-restore's argument splitting: blanks separate, ``"..."`` quotes, ``\\"``."""
    words: list[str] = []
    current: list[str] = []
    quoted = escaped = started = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started or current:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
    if quoted:
        raise IptablesRefused(f"{where}: unterminated quote")
    if started or current:
        words.append("".join(current))
    return words


class _Restore:
    """The state of one iptables-restore run."""

    def __init__(self, path: str, partial: bool = False) -> None:
        self.path, self.partial = path, partial
        self.ruleset = Ruleset(files=[path])
        self.table: NftTable | None = None

    def open_table(self, name: str, where: str) -> None:
        if self.table is not None:
            raise IptablesRefused(f"{where}: Bad argument `*{name}'")
        if name not in BUILTIN_CHAINS:
            raise IptablesRefused(f"{where}: table name '{name}' invalid")
        table = NftTable("ip", name, where)
        for chain, priority in BUILTIN_CHAINS[name].items():
            table.chains[chain] = NftChain(
                "ip",
                name,
                chain,
                where,
                CHAIN_TYPE.get(name, "filter"),
                HOOK_OF_CHAIN[chain],
                priority,
            )
        self.ruleset.tables[("ip", name)] = self.table = table

    def declare(self, words: list[str], where: str) -> None:
        table = self._table(where)
        name = words[0][1:]
        policy = words[1] if len(words) > 1 else "-"
        if name in BUILTIN_CHAINS[table.name]:
            self._policy(table.chains[name], policy, where)
        else:
            table.chains.setdefault(name, NftChain("ip", table.name, name, where))

    def _policy(self, chain: NftChain, policy: str, where: str) -> None:
        if policy not in ("ACCEPT", "DROP"):
            raise IptablesRefused(f"{where}: Bad policy name")
        chain.policy, chain.policy_source = policy.lower(), where

    def _table(self, where: str) -> NftTable:
        if self.table is None:
            raise IptablesRefused(f"{where}: line failed (no table)")
        return self.table

    def _chain(self, name: str, where: str) -> NftChain:
        chain = self._table(where).chains.get(name)
        if chain is None:
            raise IptablesRefused(f"{where}: No chain/target/match by that name")
        return chain

    def command(self, line: str, where: str) -> None:
        words = split_arguments(line, where)
        action = COMMANDS.get(words[0]) if words else None
        if action is None or len(words) < 2 and action not in ("flush", "delete-chain", "zero"):
            raise IptablesRefused(f"{where}: Bad argument `{words[0] if words else ''}'")
        table = self._table(where)
        name = words[1] if len(words) > 1 else ""
        if action == "new":
            if name in table.chains:
                raise IptablesRefused(f"{where}: Chain already exists")
            table.chains[name] = NftChain("ip", table.name, name, where)
        elif action == "delete-chain":
            names = [name] if name else [c for c in table.chains if not table.chains[c].hook]
            for chain_name in names:
                if self._chain(chain_name, where).hook:
                    raise IptablesRefused(f"{where}: Invalid argument (built-in chain)")
                del table.chains[chain_name]
        elif action == "flush":
            for flushed in [self._chain(name, where)] if name else list(table.chains.values()):
                flushed.rules.clear()
        elif action == "policy":
            chain = self._chain(name, where)
            if not chain.hook:
                raise IptablesRefused(f"{where}: Bad built-in chain name")
            self._policy(chain, words[2] if len(words) > 2 else "", where)
        elif action in ("append", "insert"):
            chain = self._chain(name, where)
            rest = words[2:]
            position = len(chain.rules)
            if action == "insert":
                position = 0
                if rest and rest[0].isdigit():
                    position, rest = int(rest[0]) - 1, rest[1:]
            chain.rules.insert(position, self._rule(table, line, rest, where))
        elif action in ("delete", "replace"):
            self._chain(name, where)  # rule numbers and specs are the kernel's: not modelled

    def _rule(self, table: NftTable, line: str, words: list[str], where: str) -> NftRule:
        matched, target, jump = False, "", ""
        index = 0
        while index < len(words):
            word = words[index]
            if word in ("-j", "--jump", "-g", "--goto") and index + 1 < len(words):
                target, jump = words[index + 1], "goto" if word in ("-g", "--goto") else "jump"
                index += 2
                while index < len(words) and words[index].startswith("--"):
                    index += 2  # the target's options (--reject-with, --log-prefix...)
                continue
            if word == "-m" and words[index + 1 : index + 2] == ["comment"]:
                index += 4 if words[index + 2 : index + 3] == ["--comment"] else 2
                continue
            if word in ("-c", "--set-counters"):
                index += 3
                continue
            matched = True
            index += 1
        verdict = ""
        if target in VERDICT_TARGETS:
            verdict = VERDICT_TARGETS[target]
        elif target in table.chains:
            if table.chains[target].hook:
                raise IptablesRefused(f"{where}: Chain '{target}' does not exist")
            verdict = jump
        elif target and self.partial and target not in CONTINUING_TARGETS:
            verdict = ""  # a chain the listing does not show: it may decide anything
        elif target and target not in CONTINUING_TARGETS:
            raise IptablesRefused(f"{where}: Chain '{target}' does not exist")
        elif target:
            verdict = "continue"
        return NftRule(line, where, "" if matched else verdict, target)

    def finish(self, where: str) -> None:
        if self.table is not None:
            raise IptablesRefused(f"{where}: COMMIT expected")


def parse_iptables_save(text: str, path: str = RULES_V4) -> IptablesRules:
    """An ``iptables-save`` file as iptables-restore loads it into empty tables."""
    restore = _Restore(path)
    number = 0
    try:
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            where = f"{path}:{number}"
            if not line or line.startswith("#"):
                continue
            if line.startswith("*"):
                restore.open_table(line[1:].strip(), where)
            elif line == "COMMIT":
                restore._table(where)
                restore.table = None
            elif line.startswith(":"):
                restore.declare(line.split(), where)
            else:
                restore.command(line, where)
        restore.finish(f"{path}:{number + 1}")
    except IptablesRefused as exc:
        return IptablesRules(Ruleset(files=[path], refused=str(exc)))
    return IptablesRules(restore.ruleset)


def parse_iptables_commands(text: str, source: str = "iptables -S") -> IptablesRules:
    """``iptables -S [chain]`` output: the filter table as the commands that rebuild it.

    A jump to a chain the listing does not show (``iptables -S INPUT`` lists one chain)
    decides nothing here.
    """
    restore = _Restore(source, partial=True)
    restore.open_table("filter", source)
    try:
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                restore.command(raw.strip(), f"{source}:{number}")
    except IptablesRefused as exc:
        return IptablesRules(Ruleset(files=[source], refused=str(exc)))
    return IptablesRules(restore.ruleset)


def read_rules_v4(files: Files, path: str = RULES_V4) -> IptablesRules | None:
    """What netfilter-persistent loads at boot from ``rules.v4``; None when it is missing.

    Raises OSError when the file exists but cannot be read.
    """
    try:
        text = files.read_text(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return parse_iptables_save(text, path)
