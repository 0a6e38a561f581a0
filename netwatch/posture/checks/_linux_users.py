"""Parsers for Linux account files: passwd, shadow, key/value configs, PAM stacks, sudoers.

Every reader takes the host's :class:`~netwatch.hostaccess.Files`, so paths are relative to the
audited root. Malformed lines are skipped, never fatal: the checks decide on
what the system itself would understand.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from netwatch.hostaccess import Files


class UnreadableFile(Exception):
    """A file exists but cannot be read (permissions, I/O): a real cause for ``error``."""


def read_optional(files: Files, path: str) -> str | None:
    """The text of ``path``; None when missing or a directory; :class:`UnreadableFile` else."""
    try:
        return files.read_text(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc


def list_dir(files: Files, path: str) -> list[str]:
    """Names in a directory, sorted; :class:`UnreadableFile` when it cannot be listed."""
    try:
        return list(files.list_dir(path))
    except OSError as exc:
        raise UnreadableFile(f"cannot list {path}: {exc.strerror or exc}") from exc


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with trailing-backslash continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(line)
        joined.append((start, " ".join(pending)))
        pending = []
    if pending:
        joined.append((start, " ".join(pending)))
    return joined


# passwd and shadow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswdEntry:
    """One account of /etc/passwd."""

    name: str
    password: str
    uid: int
    line: int


@dataclass(frozen=True)
class ShadowEntry:
    """One account of /etc/shadow (the hash itself is never shown in evidence)."""

    name: str
    password: str
    max_days: str
    line: int

    @property
    def usable_password(self) -> bool:
        """True when the field holds a hash a login can match (not empty, not locked)."""
        return bool(self.password) and self.password[0] not in "!*"


_NUMBER = re.compile("[0-9]{1,20}")


def parse_passwd(text: str) -> list[PasswdEntry]:
    """Accounts of a passwd file; NIS ``+``/``-`` lines and malformed lines are skipped.

    A UID is decimal digits (``²`` or a 5000-digit number make the line malformed).
    """
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) != 7 or not fields[0] or fields[0][0] in "+-#":
            continue
        if not _NUMBER.fullmatch(fields[2]):
            continue
        entries.append(PasswdEntry(fields[0], fields[1], int(fields[2]), number))
    return entries


def parse_shadow(text: str) -> list[ShadowEntry]:
    """Accounts of a shadow file; lines without name and password field are skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(":")
        if len(fields) < 2 or not fields[0] or fields[0][0] in "+-#":
            continue
        max_days = fields[4] if len(fields) > 4 else ""
        entries.append(ShadowEntry(fields[0], fields[1], max_days, number))
    return entries


# key/value configuration files ---------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A value read from a configuration file, with where it was read."""

    value: str
    source: str


def parse_settings(text: str, path: str, spaced: bool = False) -> dict[str, Setting]:
    """``key = value`` settings (``KEY value`` when ``spaced``, as in login.defs); last wins.

    ``=`` keys are lower-cased (pwquality.conf, faillock.conf); spaced keys are kept
    as written. A bare word is a flag with the value "".
    """
    settings: dict[str, Setting] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if spaced:
            key, value = (line.split(None, 1) + [""])[:2]
        else:
            key, _, value = line.partition("=")
            key = key.strip().lower()
        if key and not any(char.isspace() for char in key):
            settings[key] = Setting(value.strip().strip('"'), f"{path}:{number}")
    return settings


# PAM -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PamRule:
    """One rule of a PAM stack file."""

    kind: str
    control: str
    module: str
    args: tuple[str, ...]
    source: str

    def arg(self, name: str) -> str | None:
        """The value of ``name=value`` among the module arguments, or None."""
        for item in self.args:
            key, sep, value = item.partition("=")
            if sep and key == name:
                return value
        return None


_PAM_RULE = re.compile(r"^-?(\w+)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$")


def parse_pam(text: str, path: str) -> list[PamRule]:
    """The rules of a PAM stack file (``@include`` lines and malformed lines are skipped)."""
    rules = []
    for number, line in logical_lines(text):
        match = _PAM_RULE.match(line.split("#", 1)[0].strip())
        if match is None:
            continue
        kind, control, module, args = match.groups()
        name = module.rsplit("/", 1)[-1].removesuffix(".so")
        rules.append(PamRule(kind.lower(), control, name, tuple(args.split()), f"{path}:{number}"))
    return rules


# sudoers -------------------------------------------------------------------------------------

SUDOERS = "/etc/sudoers"
MAX_SUDOERS_DEPTH = 128
_TAGS = frozenset(
    {
        "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT",
        "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW",
        "NOFOLLOW", "INTERCEPT", "NOINTERCEPT",
    }
)  # fmt: skip
_DIGESTS = frozenset({"sha224", "sha256", "sha384", "sha512"})
_INCLUDE = re.compile(r"^[@#](include|includedir)\s+(\"[^\"]+\"|\S+)\s*$")
_COMMENT = re.compile(r"(?<!\\)#(?!-?\d)")
_ALIAS = re.compile(r"^(User|Runas|Host|Cmnd|Cmd)_Alias\s+(.*)$")
_OPTION = re.compile(  # used with match(text, position): no ^, which only matches at 0
    r"(CWD|CHROOT|ROLE|TYPE|TIMEOUT|NOTBEFORE|NOTAFTER|APPARMOR_PROFILE)\s*=\s*(\"[^\"]*\"|\S+)\s*"
)
_TAG = re.compile(r"([A-Z_]+)\s*:\s*")
_DEFAULTS = re.compile(r"^Defaults([\s:@>!]|$)")


@dataclass(frozen=True)
class SudoersLine:
    """A logical line of a sudoers file (continuations joined, comment removed)."""

    text: str
    source: str


@dataclass(frozen=True)
class SudoGrant:
    """A user specification letting principals run every command without a password."""

    principals: tuple[str, ...]
    line: SudoersLine


def _includedir_skips(name: str) -> bool:
    """sudo ignores files in an includedir whose names end in ``~`` or contain a ``.``."""
    return name.endswith("~") or "." in name


def _include_path(argument: str, including: str) -> str:
    path = argument.strip('"')
    if not path.startswith("/"):
        path = f"{including.rsplit('/', 1)[0]}/{path}"
    return path


def read_sudoers(files: Files, path: str = SUDOERS) -> tuple[list[SudoersLine], list[str]]:
    """Every logical line of ``path`` and the files it includes, and the files read."""
    lines: list[SudoersLine] = []
    read: list[str] = []
    _read_sudoers_file(files, path, lines, read, 0)
    return lines, read


def _read_sudoers_file(
    files: Files, path: str, lines: list[SudoersLine], read: list[str], depth: int
) -> None:
    if path in read or depth > MAX_SUDOERS_DEPTH:
        return
    text = read_optional(files, path)
    if text is None:
        return
    read.append(path)
    for number, raw in logical_lines(text):
        stripped = raw.strip()
        include = _INCLUDE.match(stripped)
        if include is not None:
            target = _include_path(include.group(2), path)
            if include.group(1) == "include":
                _read_sudoers_file(files, target, lines, read, depth + 1)
                continue
            for name in list_dir(files, target):
                if not _includedir_skips(name):
                    _read_sudoers_file(files, f"{target}/{name}", lines, read, depth + 1)
            continue
        found = _COMMENT.search(stripped)
        code = (stripped[: found.start()] if found else stripped).strip()
        if code:
            lines.append(SudoersLine(" ".join(code.split()), f"{path}:{number}"))


def _split_top(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside parentheses and not escaped."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _ends_with_label(text: str) -> bool:
    """True when ``text`` ends with a tag (``NOPASSWD``) or a digest name (``sha256``).

    Labels are at most 12 characters, so the last 16 characters of a text decide.
    """
    word = re.search(r"(\w+)$", text)
    return word is not None and (word.group(1) in _TAGS or word.group(1).lower() in _DIGESTS)


def _command_lists(text: str) -> list[str]:
    """The Cmnd_Spec_Lists of a user specification (the text after its first ``=``).

    A ``:`` outside parentheses starts another ``Host_List = Cmnd_Spec_List``
    unless it ends a tag (``NOPASSWD:``) or a digest algorithm (``sha256:``).
    """
    lists: list[str] = []
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
            lists.append("".join(current))
            equals = text.find("=", index)
            if equals < 0:
                return lists
            current = []
            index = equals + 1
            continue
        current.append(char)
        index += 1
    lists.append("".join(current))
    return lists


def _aliases(lines: list[SudoersLine]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """User_Alias and Cmnd_Alias definitions: name -> members."""
    users: dict[str, list[str]] = {}
    commands: dict[str, list[str]] = {}
    for line in lines:
        match = _ALIAS.match(line.text)
        if match is None:
            continue
        if match.group(1) in ("Runas", "Host"):
            continue
        table = users if match.group(1) == "User" else commands
        for definition in _split_top(match.group(2), ":"):
            name, sep, members = definition.partition("=")
            if sep:
                table[name.strip()] = [m.strip() for m in _split_top(members, ",") if m.strip()]
    return users, commands


def _expand_users(items: list[str], aliases: dict[str, list[str]]) -> list[str]:
    """Principals of a User_List with aliases expanded (each once); negated entries dropped."""
    found: dict[str, None] = {}
    expanded: set[str] = set()
    pending = list(reversed(items))
    while pending:
        item = pending.pop()
        if not item or item.startswith("!") or item in expanded:
            continue
        if item in aliases:
            expanded.add(item)
            pending.extend(reversed(aliases[item]))
        else:
            found[item] = None
    return list(found)


def _is_all(command: str, aliases: dict[str, list[str]]) -> bool:
    """True for ``ALL`` or a Cmnd_Alias that (through other aliases) contains ``ALL``."""
    pending, seen = [command], set()
    while pending:
        item = pending.pop()
        if item == "ALL":
            return True
        if item in aliases and item not in seen:
            seen.add(item)
            pending.extend(m for m in aliases[item] if not m.startswith("!"))
    return False


def _passwordless_all(spec_list: str, commands: dict[str, list[str]]) -> bool:
    """True when a Cmnd_Spec_List allows ALL commands under an inherited NOPASSWD tag."""
    nopasswd = False
    for item in _split_top(spec_list, ","):
        spec = re.sub(r"^\([^)]*\)\s*", "", item.strip())
        position = 0  # matched from a position: slicing after each tag would be quadratic
        while (option := _OPTION.match(spec, position)) is not None:
            position = option.end()
        while (tag := _TAG.match(spec, position)) is not None and tag.group(1) in _TAGS:
            if tag.group(1) in ("NOPASSWD", "PASSWD"):
                nopasswd = tag.group(1) == "NOPASSWD"
            position = tag.end()
        if nopasswd and _is_all(spec[position:].strip(), commands):
            return True
    return False


def nopasswd_all_grants(lines: list[SudoersLine]) -> list[SudoGrant]:
    """User specifications granting ``NOPASSWD: ALL`` (Defaults and alias lines ignored)."""
    user_aliases, command_aliases = _aliases(lines)
    grants = []
    for line in lines:
        if _DEFAULTS.match(line.text) or _ALIAS.match(line.text):
            continue
        head, sep, rest = line.text.partition("=")
        try:
            words = shlex.split(re.sub(r"\s*,\s*", ",", head.strip()))
        except ValueError:
            continue
        if not sep or len(words) != 2:
            continue
        principals = _expand_users(words[0].split(","), user_aliases)
        if principals and any(_passwordless_all(s, command_aliases) for s in _command_lists(rest)):
            grants.append(SudoGrant(tuple(principals), line))
    return grants
