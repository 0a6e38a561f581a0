"""sudoers read as sudo 1.9 (Debian 12: 1.9.13) reads it, to answer "may this user run any
command as root, and without a password?".

Files (checked against sudo 1.9.13 in tests/differential/test_sudoers.py):

- ``/etc/sudoers`` is read first. ``@include`` and ``#include`` read one file,
  ``@includedir`` and ``#includedir`` every file of a directory in name order, skipping
  names that contain a ``.`` or end in ``~``. A relative path is taken from the
  including file's directory; ``%h`` in a path is the host's short name.
- A file that is not owned by uid 0, is world-writable, or is group-writable with a group
  other than gid 0 is ignored by sudo ("is world writable", "is owned by uid 1000"); when
  that file is ``/etc/sudoers`` itself, sudo runs for nobody ("no valid sudoers
  sources found"). Any other mode than 0440 (0644, 0400) or a group other than 0 without
  group write is read by sudo; visudo -c refuses it, so it is reported. Missing include
  targets are skipped.
- A line sudo cannot parse is skipped and the rest of the file still applies (sudo's
  error recovery); visudo -c refuses the file, so the line is reported as refused.

Lines: a backslash at the end of a line continues it; ``#`` starts a comment unless a
digit follows (``#1000`` is a uid) or it spells ``#include``/``#includedir``.

Decisions, for a user, this host, the target user root and a command named nowhere in
the policy ("any command"):

- User, host and runas lists, and command lists inside a Cmnd_Alias, are matched last
  item first: the last item that matches decides, ``!`` inverts it (``ALL, !bob`` excludes
  bob; ``!ADMINS`` excludes the alias' members; aliases nest). User items: ``ALL``, a name,
  ``#uid``, ``%group``, ``%#gid``, User_Alias; netgroups (``+``) and non-Unix groups
  (``%:``) match nobody here. Host items: ``ALL``, a name, Host_Alias; an address or
  network, and any name when the image has no /etc/hostname, is taken as matching (the
  image's interfaces are unknown).
- The host's name: sudo resolves its host name and matches the canonical name (and its
  part before the first dot), without case, not the name the kernel holds: with
  ``127.0.1.1 web02.office.lan web02`` in /etc/hosts, host ``web02`` matches rules for
  ``web02.office.lan`` and ``web02``, but with ``127.0.1.1 office01 web02`` only rules for
  ``office01``. :func:`sudo_hostname` reads /etc/hostname and /etc/hosts the same way
  (DNS is not consulted for an image).
- Of all command specifications whose user, host and runas lists match, the last one
  whose command part matches "any command" (``ALL``, ``!ALL``, or an alias resolving to
  them) decides: allowed or denied. Paths, directories and wildcards name particular
  commands and never make "any command".
- Runas: no ``( )`` means root (runas_default); ``(ALL)``, ``(root)``, ``(#0)``,
  ``(%root)`` and Runas_Alias match root; ``(:group)`` alone means the invoking user.
  Runas lists and tags carry on along a Cmnd_Spec_List until the next ``( )`` or tag, and
  start again after each ``:``-separated ``Host = ...`` part.
- Password: a ``NOPASSWD``/``PASSWD`` tag on the deciding specification wins. Without one,
  the ``authenticate`` flag decides: its default is on; global, ``Defaults@host`` and
  ``Defaults:user`` lines apply in file order, then ``Defaults>runas``, then
  ``Defaults!cmnd`` (only ``ALL`` or aliases resolving to it concern "any command").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg

SUDOERS = "/etc/sudoers"
MAX_FILES = 256
MAX_DEPTH = 128
ALIAS_KINDS = ("User", "Runas", "Host", "Cmnd")
TAGS = frozenset(
    {
        "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT",
        "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW",
        "NOFOLLOW", "INTERCEPT", "NOINTERCEPT",
    }
)  # fmt: skip
_DIGESTS = frozenset({"sha224", "sha256", "sha384", "sha512"})
_INCLUDE = re.compile(r"^[@#](include|includedir)\s+(\"(?:[^\"\\]|\\.)+\"|\S+)\s*$")
_COMMENT = re.compile(r"(?<!\\)#(?!-?\d)")
_ALIAS = re.compile(r"^(User|Runas|Host|Cmnd|Cmd)_Alias\s+(.*)$")
_ALIAS_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DEFAULTS = re.compile(r"^Defaults(?:([:@>!])\s*(.*)|(\s.*)?)$")
_OPTION = re.compile(
    r"(CWD|CHROOT|ROLE|TYPE|TIMEOUT|NOTBEFORE|NOTAFTER|APPARMOR_PROFILE)\s*=\s*(\"[^\"]*\"|\S+)\s*"
)
_TAG = re.compile(r"([A-Z_]+)\s*:\s*")
_ADDRESS = re.compile(r"[0-9.]+(/[0-9.]+)?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(/[0-9]+)?")

Matcher = Callable[[str], bool | None]
"""A member test: True (matches), False (matches, negated: denies), None (no match)."""


@dataclass(frozen=True)
class SudoUser:
    """Who asks: an account with its groups (names and ids, the primary one included)."""

    name: str
    uid: int | None = None
    groups: frozenset[str] = frozenset()
    gids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Member:
    """One item of a list, ``!`` taken off into ``negated``."""

    negated: bool
    value: str


@dataclass(frozen=True)
class CommandSpec:
    """One command of a Cmnd_Spec_List with the runas lists and tag it inherits."""

    runas_users: tuple[Member, ...] | None
    runas_groups: tuple[Member, ...] | None
    nopasswd: bool | None
    command: Member


@dataclass(frozen=True)
class UserSpec:
    """A user specification: who, on which hosts, may run what."""

    users: tuple[Member, ...]
    hosts: tuple[tuple[Member, ...], ...]
    commands: tuple[tuple[CommandSpec, ...], ...]
    text: str
    source: str


@dataclass(frozen=True)
class DefaultsLine:
    """A ``Defaults`` line that sets or clears ``authenticate``."""

    kind: str
    targets: tuple[Member, ...]
    authenticate: bool
    source: str


@dataclass(frozen=True)
class Refusal:
    """A file or line sudo ignores and visudo -c refuses, and why."""

    source: str
    reason: Message
    sudo_reads: bool = False
    """True when only visudo -c objects and sudo uses the file anyway (its mode)."""


@dataclass(frozen=True)
class RootVerdict:
    """What sudo answers when the user asks to run any command as root on this host."""

    allowed: bool
    nopasswd: bool
    spec: UserSpec | None
    auth_source: str


@dataclass
class Sudoers:
    """The policy sudo would load from a root, with what it would ignore."""

    hostname: str | None
    files: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    usable: bool = True
    aliases: dict[str, dict[str, tuple[Member, ...]]] = field(
        default_factory=lambda: {kind: {} for kind in ALIAS_KINDS}
    )
    specs: list[UserSpec] = field(default_factory=list)
    defaults: list[DefaultsLine] = field(default_factory=list)

    def principals(self) -> list[str]:
        """Every user, ``%group`` and ``#uid`` named (not negated) in user specifications."""
        found: dict[str, None] = {}
        seen: set[str] = set()
        pending = [m for spec in self.specs for m in spec.users]
        while pending:
            member = pending.pop(0)
            if member.negated or member.value == "ALL":
                continue
            members = self.aliases["User"].get(member.value)
            if members is None:
                found.setdefault(member.value)
            elif member.value not in seen:
                seen.add(member.value)
                pending.extend(members)
        return list(found)

    def root_verdict(self, user: SudoUser, root: SudoUser) -> RootVerdict:
        """The decision for ``user`` running a command named nowhere as ``root``."""
        if not self.usable:
            return RootVerdict(False, False, None, SUDOERS)
        deciding: tuple[UserSpec, CommandSpec, bool] | None = None
        for spec in self.specs:
            if self._match(spec.users, "User", lambda v: _user_item(v, user)) is not True:
                continue
            for hosts, commands in zip(spec.hosts, spec.commands, strict=True):
                if self._match(hosts, "Host", self._host_item) is not True:
                    continue
                for command in commands:
                    if not self._runas_root(command, user, root):
                        continue
                    result = self._match((command.command,), "Cmnd", _any_command)
                    if result is not None:
                        deciding = (spec, command, result)
        if deciding is None or not deciding[2]:
            return RootVerdict(False, False, deciding[0] if deciding else None, SUDOERS)
        spec, command, _ = deciding
        if command.nopasswd is not None:
            return RootVerdict(True, command.nopasswd, spec, spec.source)
        authenticate, source = self._authenticate(user, root)
        return RootVerdict(True, not authenticate, spec, source)

    def _authenticate(self, user: SudoUser, root: SudoUser) -> tuple[bool, str]:
        authenticate, source = True, "sudo's default: authenticate"
        tests: dict[str, tuple[str, Matcher]] = {
            "": ("User", lambda _: True),
            ":": ("User", lambda v: _user_item(v, user)),
            "@": ("Host", self._host_item),
            ">": ("Runas", lambda v: _user_item(v, root)),
            "!": ("Cmnd", _any_command),
        }
        for kinds in (("", ":", "@"), (">",), ("!",)):
            for line in self.defaults:
                if line.kind not in kinds:
                    continue
                kind, test = tests[line.kind]
                if not line.targets or self._match(line.targets, kind, test) is True:
                    authenticate, source = line.authenticate, line.source
        return authenticate, source

    def _runas_root(self, command: CommandSpec, user: SudoUser, root: SudoUser) -> bool:
        if command.runas_users is None:
            return command.runas_groups is None or user.uid == 0
        test: Matcher = lambda v: _user_item(v, root)  # noqa: E731
        return self._match(command.runas_users, "Runas", test) is True

    def _host_item(self, value: str) -> bool | None:
        if value == "ALL" or self.hostname is None or _ADDRESS.fullmatch(value):
            return True
        if value.startswith("+"):
            return None
        short = self.hostname.split(".", 1)[0].lower()
        return True if value.lower() in (self.hostname.lower(), short) else None

    def _match(self, members: tuple[Member, ...], kind: str, test: Matcher) -> bool | None:
        """Last matching member decides; ``!`` inverts; aliases of ``kind`` are expanded.

        Each alias is judged once per question (an alias naming another twice, 40 deep,
        would be 2**40 expansions otherwise), without recursion (chains thousands deep),
        and an alias that reaches itself again counts as matching nothing there.
        """
        aliases = self.aliases[kind]
        known: dict[str, bool | None] = {}
        pending: set[str] = set()
        stack = [(m.value, False) for m in members if m.value in aliases]
        while stack:
            name, ready = stack.pop()
            if name in known:
                continue
            if ready:
                pending.discard(name)
                known[name] = _decide(aliases[name], aliases, known, test)
            elif name not in pending:
                pending.add(name)
                stack.append((name, True))
                stack.extend((m.value, False) for m in aliases[name] if m.value in aliases)
        return _decide(members, aliases, known, test)


def _decide(
    members: tuple[Member, ...],
    aliases: dict[str, tuple[Member, ...]],
    known: dict[str, bool | None],
    test: Matcher,
) -> bool | None:
    """The last member that matches decides (``!`` inverts); aliases by their known result."""
    for member in reversed(members):
        result = known.get(member.value) if member.value in aliases else test(member.value)
        if result is not None:
            return result != member.negated
    return None


def _user_item(value: str, user: SudoUser) -> bool | None:
    """A User_List (or runas) item against a user: True when it names them."""
    if value == "ALL":
        return True
    if value.startswith("%#"):
        return True if _int(value[2:]) in user.gids else None
    if value.startswith(("%:", "+")):
        return None
    if value.startswith("%"):
        return True if value[1:] in user.groups else None
    if value.startswith("#"):
        number = _int(value[1:])
        return True if number is not None and number == user.uid else None
    return True if value == user.name else None


def _any_command(value: str) -> bool | None:
    return True if value == "ALL" else None


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text) else None


# reading -------------------------------------------------------------------------------------


def sudo_hostname(files: Files) -> str | None:
    """The name sudo matches host lists against: /etc/hostname, canonicalised by /etc/hosts."""
    try:
        words = files.read_text("/etc/hostname").split()
    except OSError:
        return None
    if not words:
        return None
    try:
        hosts = files.read_text("/etc/hosts")
    except OSError:
        return words[0]
    for line in hosts.splitlines():
        names = line.split("#", 1)[0].split()[1:]
        if words[0] in names:
            return names[0]
    return words[0]


def load_sudoers(files: Files, hostname: str | None) -> Sudoers:
    """The policy sudo reads from ``/etc/sudoers`` and its includes under ``files``' root."""
    policy = Sudoers(hostname)
    if not files.exists(SUDOERS):
        return policy
    reason = _unsafe(files, SUDOERS)
    if reason is not None:
        policy.usable = False
        policy.refused.append(Refusal(SUDOERS, msg("{why}: sudo runs for nobody", why=reason)))
        return policy
    _read_file(files, SUDOERS, policy, 0)
    return policy


def _unsafe(files: Files, path: str) -> Message | None:
    """Why sudo would not read ``path`` (owner and mode), or None."""
    info = files.stat(path)
    if info.st_uid != 0:
        return msg("owned by uid {uid}, sudo wants 0", uid=str(info.st_uid))
    if info.st_mode & 0o002:
        return msg("world-writable")
    if info.st_mode & 0o020 and info.st_gid != 0:
        return msg("group-writable with gid {gid}", gid=str(info.st_gid))
    return None


def _read_file(files: Files, path: str, policy: Sudoers, depth: int) -> None:
    if path in policy.files or depth > MAX_DEPTH or len(policy.files) >= MAX_FILES:
        return
    try:
        text = files.read_text(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return
    policy.files.append(path)
    info = files.stat(path)
    if info.st_mode & 0o7777 != 0o440 or info.st_gid != 0:
        reason = msg(
            "`visudo -c` wants mode 0440 and gid 0, not {mode} and gid {gid}",
            mode=f"{info.st_mode & 0o7777:04o}",
            gid=str(info.st_gid),
        )
        policy.refused.append(Refusal(path, reason, sudo_reads=True))
    for number, raw in _logical_lines(text):
        source = f"{path}:{number}"
        include = _INCLUDE.match(raw.strip())
        if include is not None:
            _include(files, include.group(1), include.group(2), path, policy, depth)
            continue
        found = _COMMENT.search(raw)
        code = " ".join((raw[: found.start()] if found else raw).split())
        if code and not _parse_line(code, source, policy):
            skipped = msg("syntax error, sudo skips the line: {line}", line=code)
            policy.refused.append(Refusal(source, skipped))


def _include(
    files: Files, kind: str, argument: str, path: str, policy: Sudoers, depth: int
) -> None:
    target = re.sub(r"\\(.)", r"\1", argument[1:-1]) if argument.startswith('"') else argument
    if policy.hostname is not None:
        target = target.replace("%h", policy.hostname.split(".", 1)[0])
    if not target.startswith("/"):
        target = f"{path.rsplit('/', 1)[0]}/{target}"
    if kind == "include":
        targets = [target]
    else:
        try:
            names = list(files.list_dir(target))
        except OSError:
            names = []
        targets = [f"{target}/{n}" for n in names if "." not in n and not n.endswith("~")]
    for item in targets:
        try:
            reason = _unsafe(files, item)
        except OSError:
            continue
        if reason is not None:
            ignored = msg("{why}: sudo ignores the file", why=reason)
            policy.refused.append(Refusal(item, ignored))
        else:
            _read_file(files, item, policy, depth + 1)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with trailing-backslash continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending.append(line[:-1])
            continue
        joined.append((start, " ".join([*pending, line])))
        pending = []
    if pending:
        joined.append((start, " ".join(pending)))
    return joined


# lines ---------------------------------------------------------------------------------------


def _parse_line(code: str, source: str, policy: Sudoers) -> bool:
    """Add a Defaults, alias or user specification line; False when sudo could not parse it."""
    defaults = _DEFAULTS.match(code)
    if defaults is not None:
        return _parse_defaults(defaults, source, policy)
    alias = _ALIAS.match(code)
    if alias is not None:
        kind = "Cmnd" if alias.group(1) == "Cmd" else alias.group(1)
        return _parse_aliases(kind, alias.group(2), policy)
    return _parse_spec(code, source, policy)


def _parse_defaults(match: re.Match[str], source: str, policy: Sudoers) -> bool:
    kind = match.group(1) or ""
    if kind:
        targets_text, _, rest = (match.group(2) or "").partition(" ")
        while targets_text.endswith(",") and rest:
            more, _, rest = rest.lstrip().partition(" ")
            targets_text += more
        targets = _members(targets_text)
        if not targets:
            return False
    else:
        targets, rest = (), match.group(3) or ""
    settings = [s.strip() for s in _split(rest, ",")]
    if not rest.strip() or any(not s for s in settings):
        return False
    for setting in settings:
        name = setting.lstrip("!").strip()
        if name == "authenticate":
            negations = len(setting) - len(setting.lstrip("!"))
            policy.defaults.append(DefaultsLine(kind, targets, negations % 2 == 0, source))
    return True


def _parse_aliases(kind: str, text: str, policy: Sudoers) -> bool:
    for definition in _split(text, ":"):
        name, sep, members = definition.partition("=")
        name = name.strip()
        parsed = _members(members)
        if not sep or not _ALIAS_NAME.fullmatch(name) or name == "ALL" or not parsed:
            return False
        policy.aliases[kind][name] = parsed
    return True


def _parse_spec(code: str, source: str, policy: Sudoers) -> bool:
    head, sep, rest = code.partition("=")
    words = _split(re.sub(r"\s*,\s*", ",", head.strip()), " ")
    if not sep or len(words) != 2:
        return False
    users = _members(words[0])
    hosts: list[tuple[Member, ...]] = [_members(words[1])]
    commands: list[tuple[CommandSpec, ...]] = []
    for index, part in enumerate(_privileges(rest)):
        if index:
            host_text, sep, part = part.partition("=")
            hosts.append(_members(host_text))
            if not sep:
                return False
        specs = _command_specs(part)
        if specs is None:
            return False
        commands.append(specs)
    if not users or not all(hosts) or len(hosts) != len(commands):
        return False
    policy.specs.append(UserSpec(users, tuple(hosts), tuple(commands), code, source))
    return True


def _command_specs(text: str) -> tuple[CommandSpec, ...] | None:
    """A Cmnd_Spec_List; runas lists and the NOPASSWD/PASSWD tag carry on along it."""
    specs: list[CommandSpec] = []
    runas_users: tuple[Member, ...] | None = None
    runas_groups: tuple[Member, ...] | None = None
    nopasswd: bool | None = None
    for item in _split(text, ","):
        spec = item.strip()
        runas = re.match(r"\(([^)]*)\)\s*", spec)
        if runas is not None:
            users_text, colon, groups_text = runas.group(1).partition(":")
            runas_users = _members(users_text) or None
            runas_groups = _members(groups_text) or None if colon else None
            if runas_users is None and runas_groups is None:
                runas_users = (Member(False, "root"),)
            spec = spec[runas.end() :]
        position = 0
        while (option := _OPTION.match(spec, position)) is not None:
            position = option.end()
        while (tag := _TAG.match(spec, position)) is not None and tag.group(1) in TAGS:
            if tag.group(1) in ("NOPASSWD", "PASSWD"):
                nopasswd = tag.group(1) == "NOPASSWD"
            position = tag.end()
        command = spec[position:].strip()
        negated = len(command) - len(command.lstrip("!")) if command else 0
        name = command.lstrip("!").strip()
        if not name:
            return None
        specs.append(
            CommandSpec(runas_users, runas_groups, nopasswd, Member(negated % 2 == 1, name))
        )
    return tuple(specs)


def _members(text: str) -> tuple[Member, ...]:
    """A comma-separated list; a ``!`` (or several) before an item negates it."""
    members = []
    for item in _split(text, ","):
        value = item.strip()
        bangs = len(value) - len(value.lstrip("!"))
        value = value.lstrip("!").strip()
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            value = value[1:-1]
        value = re.sub(r"\\(.)", r"\1", value)
        if not value:
            return ()
        members.append(Member(bangs % 2 == 1, value))
    return tuple(members)


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside parentheses and quotes and not escaped."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
        elif char == ")" and not quoted:
            depth = max(0, depth - 1)
        elif char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p] if separator == " " else parts


def _privileges(text: str) -> list[str]:
    """The ``:``-separated parts of a user specification after its first ``=``.

    A ``:`` outside parentheses starts another ``Host_List = Cmnd_Spec_List`` unless it
    ends a tag (``NOPASSWD:``) or a digest algorithm (``sha256:``).
    """
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ":" and depth == 0 and not _ends_with_label("".join(current[-16:])):
            parts.append("".join(current))
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _ends_with_label(text: str) -> bool:
    """True when ``text`` ends with a tag (``NOPASSWD``) or a digest name (``sha256``)."""
    word = re.search(r"(\w+)\s*$", text)
    return word is not None and (word.group(1) in TAGS or word.group(1).lower() in _DIGESTS)
