"""nftables rulesets read as nft 1.0.6 (Debian 12) reads them, judged as the kernel runs them.

One reader for ``nft list ruleset`` output and for ``/etc/nftables.conf`` with what it
includes. What nft does, from its scanner and grammar and from loading files into a
kernel (tests/differential/test_firewall.py):

- Lexing: ``#`` starts a comment to the end of the line (outside ``"..."``); a
  backslash before a newline joins the lines; strings are ``"..."`` without escapes;
  a newline or ``;`` ends a statement, except inside the braces of an expression
  (``{ 22, 443 }``, ``elements = { ... }``), where newlines are blanks.
- Blocks: ``table``, ``chain``, ``set``, ``map``, ``flowtable`` and the named objects
  open bodies whose items each end with a newline or ``;``: ``policy drop }`` and
  ``chain c { } }`` on one line are syntax errors, ``chain c { }; }`` is not.
- Commands at the top: ``include "path"`` (a relative path is searched in ``/etc``,
  nft's include directory, not beside the including file; a glob may match nothing,
  a plain name must exist; 16 levels at most), ``define``/``redefine``/``undefine``
  (``$name`` anywhere later; an unknown one is refused; a bare verdict such as
  ``define P = drop`` is a syntax error, ``"drop"`` is not), ``flush ruleset
  [family]``, ``[add|create] table``, ``delete table``, ``flush table``,
  ``[add|create] chain``, ``delete chain``, ``flush chain``, ``add|insert rule`` and
  the object commands (sets, elements, counters..., which cannot change a verdict and
  are not modelled).
- A table without family is ``ip``. Declaring a table or chain again merges into it
  (``flags dormant`` stays); a later ``policy`` replaces the earlier one; a different
  type, hook or priority for an existing base chain, a hook for an existing regular
  chain, and a policy for a regular chain are refused by the kernel.
- A rule's ``comment "..."`` must be its last words. A jump or goto to a chain the
  table does not have, or to a base chain, is refused, and so are jumps that loop
  back to a chain on the way from a base chain ("Too many links"; ``nft -c`` misses
  this one, loading the file does not).

The verdict for a packet on a hook (:meth:`Ruleset.hook_verdict`): the ``filter``
base chains of the non-dormant tables of the packet's families (``ip`` and ``inet`` for
IPv4) on that hook, in priority order (a ``nat`` chain's policy drop on input let the
test's SYN through: nat chains do not filter). Each chain runs to a verdict: ``accept``
ends only that chain
(the packet goes on to the next base chain, so an accept in one table never bypasses a
drop in another), ``drop`` or ``reject`` ends everything. netwatch follows the packet
that no match selects: only rules without a match count (``counter drop``,
``log prefix "x" reject``, ``jump logdrop``), a jump runs the target and comes back
unless it ended with a verdict, a goto does not come back, ``return`` leaves the chain
and the end of a base chain applies its policy (``accept`` when none is written).

netwatch checks the structure above and the first word of each rule; it does not
check every expression nft knows (``tcp dport foo`` passes here; nft refuses it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg
from netwatch.posture.parsers.pathglob import MAGIC, expand

NFTABLES_CONF = "/etc/nftables.conf"
INCLUDE_PATH = "/etc"
MAX_INCLUDE_DEPTH = 16
FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
PACKET_FAMILIES = {"ipv4": ("ip", "inet"), "ipv6": ("ip6", "inet")}
HOOKS = {
    "ip": ("prerouting", "input", "forward", "output", "postrouting"),
    "ip6": ("prerouting", "input", "forward", "output", "postrouting"),
    "inet": ("prerouting", "input", "forward", "output", "postrouting", "ingress"),
    "arp": ("input", "output"),
    "bridge": ("prerouting", "input", "forward", "output", "postrouting"),
    "netdev": ("ingress", "egress"),
}
CHAIN_TYPES = ("filter", "nat", "route")
JUMPS = ("jump", "goto")
PRIORITIES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50}
PRIORITIES_SRCNAT = {"srcnat": 100, "out": 100}
VERDICTS = ("accept", "drop", "reject")
OBJECTS = (
    "set",
    "map",
    "element",
    "flowtable",
    "counter",
    "quota",
    "ct",
    "limit",
    "secmark",
    "synproxy",
)
# The first word of a rule: what nft 1.0.6's grammar can start a match or statement with.
RULE_WORDS = frozenset(
    """ip ip6 inet tcp udp udplite sctp dccp icmp icmpv6 igmp ah esp comp th ether vlan arp
    meta ct rt fib socket osf numgen jhash symhash iif iifname iiftype oif oifname oiftype
    mark priority l4proto nfproto protocol pkttype skuid skgid cpu length iifgroup oifgroup
    cgroup rtclassid ibrname obrname ibriport obriport nftrace secpath ipsec exthdr hbh rt0
    rt2 rt4 srh frag dst mh tcpopt dup fwd counter log limit quota reject drop accept
    continue return jump goto queue notrack masquerade snat dnat redirect tproxy synproxy
    flow add update delete set map reset comment time day hour random gre gretap geneve
    vxlan sctp-chunk dccp-type icmpx""".split()  # noqa: SIM905
)
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_/.-]*)")


class NftRefused(Exception):
    """A ruleset nft would not load: ``FILE:LINE: reason``."""


@dataclass(frozen=True)
class Token:
    """A word, string, brace or separator of nft's input, with where it stands."""

    kind: str  # "word", "string", "{", "}", "sep", "eof"
    text: str
    source: str


@dataclass(frozen=True)
class NftRule:
    """A rule and how it ends for a packet no match selects (verdict '' when it has a match)."""

    text: str
    source: str
    verdict: str = ""  # accept, drop, reject, jump, goto, return, continue; '' conditional
    target: str = ""


@dataclass
class NftChain:
    """A chain of a table: base chains have a type, a hook, a priority and a policy."""

    family: str
    table: str
    name: str
    source: str
    type: str = ""
    hook: str = ""
    priority: int = 0
    policy: str = ""
    policy_source: str = ""
    rules: list[NftRule] = field(default_factory=list)

    @property
    def base(self) -> bool:
        """Whether the chain hooks into the packet path."""
        return bool(self.hook)

    @property
    def effective_policy(self) -> str:
        """The policy the kernel applies at the end (accept when none is written)."""
        return self.policy or "accept"

    def describe(self) -> Message:
        """``table inet filter, chain input: policy drop``."""
        return msg(
            "table {family} {table}, chain {chain}: policy {policy}",
            family=self.family,
            table=self.table,
            chain=self.name,
            policy=self.effective_policy,
        )


def join_messages(parts: list[Message]) -> Message:
    """``a; b; c`` of messages, each translated on its own."""
    joined = parts[0]
    for part in parts[1:]:
        joined = msg("{head}; {tail}", head=joined, tail=part)
    return joined


@dataclass
class NftTable:
    """A table: its family, name, flags and chains in the order declared."""

    family: str
    name: str
    source: str
    dormant: bool = False
    chains: dict[str, NftChain] = field(default_factory=dict)


@dataclass(frozen=True)
class HookVerdict:
    """What happens on a hook to a packet no match selects, and which chain decides."""

    verdict: str  # accept, drop or reject
    chains: tuple[NftChain, ...]
    chain: NftChain | None = None
    rule: NftRule | None = None

    @property
    def denies(self) -> bool:
        """The packet is dropped or rejected."""
        return self.verdict in ("drop", "reject")

    @property
    def source(self) -> str:
        """``file:line`` of the deciding rule or policy ('' when nothing decides)."""
        if self.rule is not None:
            return self.rule.source
        if self.chain is not None:
            return self.chain.policy_source or self.chain.source
        return ""

    def describe(self) -> Message:
        """``table inet filter, chain input: policy drop`` or the deciding rule."""
        chain = self.chain
        if chain is None:
            return msg("no chain on the hook")
        if self.rule is not None:
            return msg(
                "table {family} {table}, chain {chain}: rule '{rule}'",
                family=chain.family,
                table=chain.table,
                chain=chain.name,
                rule=self.rule.text,
            )
        if self.denies:
            return chain.describe()
        return join_messages([each.describe() for each in self.chains])


@dataclass
class Ruleset:
    """The tables nft would have loaded, the files read, and why nft refuses, if it does."""

    tables: dict[tuple[str, str], NftTable] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    refused: str | None = None

    @property
    def chains(self) -> list[NftChain]:
        """Every chain of every table, in declaration order."""
        return [chain for table in self.tables.values() for chain in table.chains.values()]

    def base_chains(self, hook: str, packet: str = "ipv4") -> list[NftChain]:
        """The base chains a ``packet`` (ipv4, ipv6) passes on ``hook``, in priority order."""
        families = PACKET_FAMILIES[packet]
        found = [
            chain
            for table in self.tables.values()
            if table.family in families and not table.dormant
            for chain in table.chains.values()
            if chain.hook == hook and chain.type == "filter"
        ]
        return sorted(found, key=lambda chain: chain.priority)

    def hook_verdict(self, hook: str = "input", packet: str = "ipv4") -> HookVerdict:
        """The kernel's verdict on ``hook`` for a packet that no rule's match selects."""
        chains = tuple(self.base_chains(hook, packet))
        accepted: tuple[NftChain, NftRule | None] | None = None
        for chain in chains:
            verdict, rule = self._run(chain, chain, ())
            if verdict in ("drop", "reject"):
                return HookVerdict(verdict, chains, chain, rule)
            if accepted is None or (accepted[1] is None and rule is not None):
                accepted = (chain, rule)
        if accepted is None:
            return HookVerdict("accept", chains)
        return HookVerdict("accept", chains, *accepted)

    def _run(
        self, base: NftChain, chain: NftChain, stack: tuple[str, ...]
    ) -> tuple[str, NftRule | None]:
        """(verdict, deciding rule) of a chain: '' when it returns to its caller."""
        table = self.tables[(chain.family, chain.table)]
        for rule in chain.rules:
            if rule.verdict in VERDICTS:
                return rule.verdict, rule
            if rule.verdict == "return":
                break
            if rule.verdict in ("jump", "goto"):
                target = table.chains.get(rule.target)
                if target is None or target.name in stack:
                    continue  # refused when parsed; never reached in a loaded ruleset
                verdict, decided = self._run(base, target, (*stack, chain.name))
                if verdict:
                    return verdict, decided
                if rule.verdict == "goto":
                    break  # the goto target returns to this chain's caller
        if chain is base:
            return base.effective_policy, None
        return "", None


# Lexing -------------------------------------------------------------------------------


def tokenize(text: str, path: str) -> list[Token]:
    """nft's scanner, reduced to what the structure needs."""
    tokens: list[Token] = []
    line, index, size = 1, 0, len(text)
    while index < size:
        char = text[index]
        where = f"{path}:{line}"
        if char == "\\" and text[index + 1 : index + 2] == "\n":
            index, line = index + 2, line + 1
        elif char == "\n":
            tokens.append(Token("sep", "\n", where))
            index, line = index + 1, line + 1
        elif char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
        elif char == '"':
            end = text.find('"', index + 1)
            if end < 0:
                raise NftRefused(f"{where}: syntax error, unterminated string")
            tokens.append(Token("string", text[index + 1 : end], where))
            line += text.count("\n", index, end)
            index = end + 1
        elif char in "{}":
            tokens.append(Token(char, char, where))
            index += 1
        elif char == ";":
            tokens.append(Token("sep", ";", where))
            index += 1
        else:
            start = index
            while index < size and not text[index].isspace() and text[index] not in '{};"#':
                if text[index] == "\\" and text[index + 1 : index + 2] == "\n":
                    break
                index += 1
            tokens.append(Token("word", text[start:index], where))
    tokens.append(Token("eof", "", f"{path}:{line}"))
    return tokens


# Parsing ------------------------------------------------------------------------------


class _Reader:
    """Reads one file's tokens into the ruleset; includes recurse with their own reader."""

    def __init__(self, parser: _Parser, tokens: list[Token], depth: int) -> None:
        self.parser, self.tokens, self.depth, self.index = parser, tokens, depth, 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def refuse(self, token: Token, reason: str) -> NftRefused:
        return NftRefused(f"{token.source}: {reason}")

    def word(self, what: str) -> Token:
        token = self.next()
        if token.kind not in ("word", "string"):
            raise self.refuse(token, f"syntax error, expected {what}")
        return self.parser.expand(token)

    def statement(self) -> list[Token]:
        """Words up to the separator (inline braces kept, newlines inside them dropped)."""
        words: list[Token] = []
        depth = 0
        while True:
            token = self.peek()
            if token.kind == "eof" or (token.kind == "sep" and not depth):
                return words
            if token.kind == "}" and not depth:
                if not words:
                    return words
                raise self.refuse(
                    token, "syntax error, unexpected '}', expecting newline or semicolon"
                )
            self.next()
            if token.kind == "{":
                depth += 1
            elif token.kind == "}":
                depth -= 1
            if token.kind != "sep" or token.text == ";":
                words.append(self.parser.expand(token) if token.kind == "word" else token)

    def end_statement(self) -> None:
        token = self.peek()
        if token.kind == "sep":
            self.next()
        elif token.kind != "eof":
            raise self.refuse(
                token, f"syntax error, unexpected {token.text!r}, expecting newline or semicolon"
            )

    def body(self, item) -> None:  # type: ignore[no-untyped-def]
        """Items of a ``{ }`` body up to its ``}``, each ended by a separator."""
        opening = self.next()
        if opening.kind != "{":
            raise self.refuse(opening, "syntax error, expected '{'")
        while True:
            token = self.peek()
            if token.kind == "sep":
                self.next()
            elif token.kind == "}":
                self.next()
                return
            elif token.kind == "eof":
                raise self.refuse(token, "syntax error, unexpected end of file")
            else:
                item()
                self.after_item()

    def after_item(self) -> None:
        token = self.peek()
        if token.kind == "sep":
            self.next()
        elif token.kind == "}":
            raise self.refuse(token, "syntax error, unexpected '}', expecting newline or semicolon")
        elif token.kind != "eof":
            raise self.refuse(token, f"syntax error, unexpected {token.text!r}")

    def skip_block(self) -> None:
        """A set, map or object body: braces balanced, items separated."""
        self.body(self.statement)

    # top level

    def run(self) -> None:
        while True:
            token = self.peek()
            if token.kind == "eof":
                return
            if token.kind == "sep":
                self.next()
                continue
            if token.kind != "word":
                raise self.refuse(token, f"syntax error, unexpected {token.text!r}")
            self.command()
            self.end_statement()

    def command(self) -> None:
        first = self.next()
        verb = first.text
        if verb == "include":
            self.parser.include(self.word("a file name"), self.depth)
        elif verb in ("define", "redefine"):
            self.define(first, verb)
        elif verb == "undefine":
            name = self.word("a variable name")
            if self.parser.variables.pop(name.text, None) is None:
                raise self.refuse(name, f"undefined symbol '{name.text}'")
        elif verb == "flush" and self.peek().text == "ruleset":
            self.next()
            family = self.peek().text if self.peek().text in FAMILIES else ""
            if family:
                self.next()
            self.parser.flush_ruleset(family)
        elif verb in ("table", "chain", "rule"):
            self.object(first, "add", verb)
        elif verb in ("add", "create", "insert", "replace", "delete", "flush"):
            kind = self.word("an object")
            if kind.text not in ("table", "chain", "rule", *OBJECTS):
                raise self.refuse(kind, f"syntax error, unexpected {kind.text}")
            self.object(first, verb, kind.text)
        elif verb in ("list", "reset", "rename") or verb in OBJECTS:
            self.statement()
            if self.peek().kind == "{":
                self.skip_block()
        else:
            raise self.refuse(first, f"syntax error, unexpected {verb}")

    def define(self, first: Token, verb: str) -> None:
        name = self.word("a variable name")
        equals = self.next()
        if equals.text != "=":
            raise self.refuse(equals, "syntax error, expected '='")
        value = self.statement()
        if not value:
            raise self.refuse(equals, "syntax error, expected a value")
        if len(value) == 1 and value[0].kind == "word" and value[0].text in VERDICTS:
            raise self.refuse(value[0], f"syntax error, unexpected {value[0].text}")
        if verb == "define" and name.text in self.parser.variables:
            raise self.refuse(name, f"redefinition of symbol '{name.text}'")
        self.parser.variables[name.text] = value

    def family_and_name(self) -> tuple[str, Token]:
        token = self.word("a table")
        if token.text in FAMILIES and self.peek().kind in ("word", "string"):
            return token.text, self.word("a table name")
        return "ip", token

    def object(self, first: Token, verb: str, kind: str) -> None:
        if kind in OBJECTS:
            self.statement()
            if self.peek().kind == "{":
                self.skip_block()
            return
        family, name = self.family_and_name()
        if kind == "table":
            self.table_command(verb, family, name)
        elif kind == "chain":
            chain_name = self.word("a chain name")
            self.chain_command(verb, family, name, chain_name)
        else:
            self.rule_command(verb, family, name)

    def table_command(self, verb: str, family: str, name: Token) -> None:
        key = (family, name.text)
        tables = self.parser.ruleset.tables
        if verb == "delete":
            if tables.pop(key, None) is None:
                raise self.refuse(name, "Could not process rule: No such file or directory")
            return
        if verb == "flush":
            table = self.parser.table(name, family, create=False)
            for chain in table.chains.values():
                chain.rules.clear()
            return
        if verb == "create" and key in tables:
            raise self.refuse(name, "Could not process rule: File exists")
        table = self.parser.table(name, family, create=True)
        if self.peek().kind == "{":
            self.body(lambda: self.table_item(table))

    def table_item(self, table: NftTable) -> None:
        token = self.word("a table item")
        if token.text == "chain":
            name = self.word("a chain name")
            existed = name.text in table.chains
            chain = self.parser.chain(table, name, create=True)
            spec = _Spec()
            self.body(lambda: self.chain_item(chain, spec))
            self.parser.apply(chain, spec, existed)
        elif token.text == "flags":
            flags = self.statement()
            table.dormant = table.dormant or any("dormant" in f.text.split(",") for f in flags)
        elif token.text == "comment":
            self.word("a comment")
        elif token.text in OBJECTS:
            self.statement()
            if self.peek().kind == "{":
                self.skip_block()
        else:
            raise self.refuse(token, f"syntax error, unexpected {token.text}")

    def chain_command(self, verb: str, family: str, table_name: Token, name: Token) -> None:
        table = self.parser.table(table_name, family, create=False)
        if verb == "delete":
            if table.chains.pop(name.text, None) is None:
                raise self.refuse(name, "Could not process rule: No such file or directory")
            return
        if verb == "flush":
            self.parser.chain(table, name, create=False).rules.clear()
            return
        if verb == "create" and name.text in table.chains:
            raise self.refuse(name, "Could not process rule: File exists")
        existed = name.text in table.chains
        chain = self.parser.chain(table, name, create=True)
        spec = _Spec()
        if self.peek().kind == "{":
            self.body(lambda: self.chain_item(chain, spec))
        self.parser.apply(chain, spec, existed)

    def rule_command(self, verb: str, family: str, table_name: Token) -> None:
        table = self.parser.table(table_name, family, create=False)
        chain = self.parser.chain(table, self.word("a chain name"), create=False)
        words = self.statement()
        if words and words[0].text in ("position", "handle", "index"):
            words = words[2:]
        if verb not in ("add", "insert", "replace"):
            return  # delete rule handle N: handles are the kernel's, not in a file
        rule = self.parser.rule(chain, words)
        chain.rules.insert(0 if verb == "insert" else len(chain.rules), rule)

    def chain_item(self, chain: NftChain, spec: _Spec) -> None:
        token = self.peek()
        if token.kind == "word" and token.text == "type":
            words = self.statement()
            spec.read_type(words, self)
        elif token.kind == "word" and token.text == "policy":
            words = self.statement()
            if len(words) != 2 or words[1].text not in ("accept", "drop"):
                raise self.refuse(token, "syntax error, policy must be accept or drop")
            spec.policy, spec.policy_source = words[1].text, token.source
        elif token.kind == "word" and token.text == "comment":
            self.statement()
        else:
            chain.rules.append(self.parser.rule(chain, self.statement()))


class _Spec:
    """``type ... hook ... priority ...;`` and ``policy ...;`` of one chain declaration."""

    def __init__(self) -> None:
        self.type = self.hook = self.policy = self.policy_source = self.source = ""
        self.priority = 0

    def read_type(self, words: list[Token], reader: _Reader) -> None:
        texts = [word.text for word in words]
        self.source = words[0].source
        if len(texts) < 4 or texts[2] != "hook":
            raise reader.refuse(words[0], "syntax error, expected 'type TYPE hook HOOK'")
        self.type, self.hook = texts[1], texts[3]
        rest = texts[4:]
        if rest[:1] == ["device"]:
            rest = rest[2:]
        elif rest[:1] == ["devices"]:
            rest = rest[rest.index("}") + 1 :] if "}" in rest else rest[3:]
        if not rest or rest[0] != "priority":
            raise reader.refuse(words[0], "syntax error, expected priority")
        value = _priority(rest[1:])
        if value is None:
            raise reader.refuse(words[0], f"invalid priority '{' '.join(rest[1:])}'")
        self.priority = value


def _priority(words: list[str]) -> int | None:
    """``filter``, ``-150``, ``filter + 10``, ``mangle - 5`` as a number."""
    names = {**PRIORITIES, **PRIORITIES_SRCNAT}
    if len(words) == 1:
        word = words[0]
        if word in names:
            return names[word]
        if word.lstrip("-").isdigit():
            return int(word)
        match = re.fullmatch(r"([a-z]+)([+-])(\d+)", word)
        words = [match.group(1), match.group(2), match.group(3)] if match else []
    if len(words) == 3 and words[0] in names and words[1] in "+-" and words[2].isdigit():
        offset = int(words[2])
        return names[words[0]] + (offset if words[1] == "+" else -offset)
    return None


class _Parser:
    """The state one load of nft builds: tables, variables, files read."""

    def __init__(self, files: Files | None) -> None:
        self.files = files
        self.ruleset = Ruleset()
        self.variables: dict[str, list[Token]] = {}
        self.jumps: list[tuple[NftChain, NftRule]] = []

    def read(self, text: str, path: str, depth: int) -> None:
        self.ruleset.files.append(path)
        _Reader(self, tokenize(text, path), depth).run()

    def expand(self, token: Token) -> Token:
        """A ``$name`` word replaced by the text of its definition."""
        if token.kind != "word" or "$" not in token.text:
            return token
        match = _VARIABLE.fullmatch(token.text)
        if match is None:
            names = _VARIABLE.findall(token.text)
            for name in names:
                if name not in self.variables:
                    raise NftRefused(f"{token.source}: unknown identifier '{name}'")
            return token
        value = self.variables.get(match.group(1))
        if value is None:
            raise NftRefused(f"{token.source}: unknown identifier '{match.group(1)}'")
        kind = value[0].kind if len(value) == 1 else "word"
        return Token(kind, " ".join(word.text for word in value), token.source)

    def include(self, name: Token, depth: int) -> None:
        if self.files is None:
            raise NftRefused(f"{name.source}: include is not read here (no files)")
        if depth >= MAX_INCLUDE_DEPTH:
            raise NftRefused(
                f"{name.source}: Include nested too deeply, max {MAX_INCLUDE_DEPTH} levels"
            )
        path = name.text if name.text.startswith("/") else f"{INCLUDE_PATH}/{name.text}"
        if MAGIC.search(path):
            matches = [p for p in expand(self.files, path) if self.files.exists(p)]
        elif self.files.exists(path):
            matches = [path]
        else:
            raise NftRefused(f"{name.source}: File not found: {name.text}")
        for match in matches:
            try:
                text = self.files.read_text(match)
            except IsADirectoryError:
                continue
            except OSError as exc:
                raise NftRefused(
                    f'{name.source}: Could not open file "{match}": {exc.strerror or exc}'
                ) from exc
            self.read(text, match, depth + 1)

    def flush_ruleset(self, family: str) -> None:
        tables = self.ruleset.tables
        for key in [key for key in tables if not family or key[0] == family]:
            del tables[key]

    def table(self, name: Token, family: str, create: bool) -> NftTable:
        key = (family, name.text)
        table = self.ruleset.tables.get(key)
        if table is None:
            if not create:
                raise NftRefused(
                    f"{name.source}: Could not process rule: No such file or directory"
                )
            table = self.ruleset.tables[key] = NftTable(family, name.text, name.source)
        return table

    def chain(self, table: NftTable, name: Token, create: bool) -> NftChain:
        chain = table.chains.get(name.text)
        if chain is None:
            if not create:
                raise NftRefused(
                    f"{name.source}: Could not process rule: No such file or directory"
                )
            chain = table.chains[name.text] = NftChain(
                table.family, table.name, name.text, name.source
            )
        return chain

    def apply(self, chain: NftChain, spec: _Spec, existed: bool) -> None:
        """A chain declaration's type and policy, as the kernel takes them."""
        if spec.hook:
            if spec.type not in CHAIN_TYPES:
                raise NftRefused(f"{spec.source}: Could not process chain type '{spec.type}'")
            if spec.hook not in HOOKS.get(chain.family, ()):
                raise NftRefused(f"{spec.source}: unknown chain hook {spec.hook}")
            declared = (spec.type, spec.hook, spec.priority)
            if chain.hook and (chain.type, chain.hook, chain.priority) != declared:
                raise NftRefused(f"{spec.source}: Could not process rule: Operation not supported")
            if existed and not chain.hook:
                raise NftRefused(f"{spec.source}: Could not process rule: Operation not supported")
            chain.type, chain.hook, chain.priority = declared
        if spec.policy:
            if not chain.hook:
                raise NftRefused(
                    f"{spec.policy_source}: Could not process rule: Operation not supported"
                )
            chain.policy, chain.policy_source = spec.policy, spec.policy_source

    def rule(self, chain: NftChain, words: list[Token]) -> NftRule:
        if not words:
            raise NftRefused(f"{chain.source}: syntax error, empty rule")
        first = words[0]
        if first.kind == "word" and first.text not in RULE_WORDS and not first.text.startswith("@"):
            raise NftRefused(f"{first.source}: syntax error, unexpected {first.text}")
        _comment_last(words)
        text = " ".join(f'"{w.text}"' if w.kind == "string" else w.text for w in words)
        verdict, target = _unconditional([word.text for word in words])
        jumps = [
            after.text for word, after in zip(words, words[1:], strict=False) if word.text in JUMPS
        ]
        rule = NftRule(text, first.source, verdict, target or (jumps[0] if jumps else ""))
        if rule.target:
            self.jumps.append((chain, rule))
        return rule

    def check_jumps(self) -> None:
        """Jump targets exist, are not base chains, and no jump loops back."""
        for chain, rule in self.jumps:
            table = self.ruleset.tables.get((chain.family, chain.table))
            if table is None or table.chains.get(chain.name) is not chain:
                continue
            target = table.chains.get(rule.target)
            if target is None:
                raise NftRefused(
                    f"{rule.source}: Could not process rule: No such file or directory"
                )
            if target.base:
                raise NftRefused(f"{rule.source}: Could not process rule: Operation not supported")
        for table in self.ruleset.tables.values():
            for chain in table.chains.values():
                if chain.base:
                    _check_loops(table, chain, ())


def _check_loops(table: NftTable, chain: NftChain, stack: tuple[str, ...]) -> None:
    """The kernel refuses jumps that loop back to a chain on the way (ELOOP)."""
    for rule in chain.rules:
        target = table.chains.get(rule.target) if rule.target else None
        if target is None or rule.verdict not in ("jump", "goto", ""):
            continue
        if target.name in stack or target is chain:
            raise NftRefused(f"{rule.source}: Could not process rule: Too many links")
        _check_loops(table, target, (*stack, chain.name))


def _comment_last(words: list[Token]) -> None:
    """A rule's ``comment "..."`` must end it (outside expression braces)."""
    depth = 0
    for index, word in enumerate(words):
        depth += {"{": 1, "}": -1}.get(word.kind, 0)
        if not depth and word.kind == "word" and word.text == "comment" and index + 2 < len(words):
            extra = words[index + 2]
            raise NftRefused(
                f"{extra.source}: syntax error, unexpected {extra.text}, "
                "expecting newline or semicolon"
            )


def _unconditional(words: list[str]) -> tuple[str, str]:
    """(verdict, jump target) of a rule without a match; ('', '') when it has one."""
    index = 0
    while index < len(words):
        word = words[index]
        if word == "counter":
            index += 1
            while index + 1 < len(words) and words[index] in ("packets", "bytes", "name"):
                index += 2
        elif word == "log":
            index += 1
            while index + 1 < len(words) and words[index] in (
                "prefix",
                "level",
                "flags",
                "group",
                "snaplen",
                "queue-threshold",
            ):
                index += 2
        elif word == "comment" and index + 1 < len(words):
            index += 2
        elif word in ("meta", "ct") and words[index + 2 : index + 3] == ["set"]:
            index += 4
        elif word == "notrack":
            index += 1
        elif word in ("accept", "drop", "return", "continue"):
            return word, ""
        elif word == "reject":
            return "reject", ""
        elif word in ("jump", "goto") and index + 1 < len(words):
            return word, words[index + 1]
        else:
            return "", ""
    return "", ""


def _load(parser: _Parser, text: str, path: str) -> Ruleset:
    try:
        parser.read(text, path, 0)
        parser.check_jumps()
    except NftRefused as exc:
        return Ruleset(files=parser.ruleset.files, refused=str(exc))
    return parser.ruleset


def parse_ruleset(text: str, path: str = "nft list ruleset", files: Files | None = None) -> Ruleset:
    """A ruleset from text (``nft list ruleset`` output or a file); includes through ``files``."""
    return _load(_Parser(files), text, path)


def read_nftables_conf(files: Files, path: str = NFTABLES_CONF) -> Ruleset | None:
    """What ``nft -f /etc/nftables.conf`` loads (nftables.service); None when it is missing.

    Raises OSError when the file exists but cannot be read.
    """
    try:
        text = files.read_text(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _load(_Parser(files), text, path)
