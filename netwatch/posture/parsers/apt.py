"""The APT configuration read as apt-pkg 2.6 reads it (contrib/configuration.cc, init.cc).

Files, in order: every accepted file of /etc/apt/apt.conf.d (sorted by name), then
/etc/apt/apt.conf (``pkgInitConfig``; APT_CONFIG and a changed Dir::Etc are not
followed). A part is accepted (``GetListOfFilesInDir(dir, "conf", sort, no-ext ok)``)
when its name does not start with ``.``, it is a regular file (a symlink to one
counts), it has no extension or the extension ``conf`` (the text after the last
``.``: ``50x.bak``, ``x.dpkg-old`` and ``x.list`` are skipped), every character is a
letter, digit, ``_``, ``-``, ``:`` or ``.``, and it does not end with ``.``.

Each file (``ReadConfigFile``), line by line:

- tabs become 8 spaces and the line is stripped;
- ``//`` starts a comment unless an odd number of ``"`` precede it; so does ``#``,
  except before ``clear``, ``include`` or ``x-apt-configure-index`` (directives);
- ``/* ... */`` comments may span lines (an unclosed one swallows the rest);
- statements end at ``;``, ``{`` or ``}`` outside quotes and may span lines (joined
  with a space). A statement is a tag (one word: ``"`` pairs and ``[...]`` kept
  together, quotes removed, ``%xx`` decoded) and an optional value: only quoted
  strings separated by blanks (concatenated, each run of blanks one space), else one
  more word. Anything after the value is "Extra junk after value";
- ``tag "v";`` sets ``scope::tag``; ``"v";`` (no tag) appends ``v`` to the scope's list;
  ``tag::`` also appends; ``tag {`` opens a scope (``tag "v" {`` sets the value too);
  ``}`` closes one (an extra ``}`` at the top is ignored, an unclosed ``{`` ends
  with the file);
- tags are ``::`` paths, matched without regard to case; setting replaces the value
  and keeps the item's place; new items go last;
- ``#clear tag;`` empties the item (value and children, the item stays);
  ``#include "path";`` reads a file, or a directory when it ends in ``/`` (same name
  rules), at most 10 deep; relative paths are from ``/`` (apt's working directory).
  Directives are only allowed at the top level.

Errors make every APT program stop with "E: Syntax error FILE:LINE: ..." (apt-config,
apt-get, unattended-upgrades): a block with no name, a malformed tag, extra junk
after a value, a directive inside a block, an unknown directive, ``#clear`` without
an argument, too many nested includes, an include that cannot be read, and a
statement left without ``;`` at the end of a file. Then the configuration is
``refused`` with that reason.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field

from netwatch.hostaccess import Files

APT_CONF = "/etc/apt/apt.conf"
APT_CONF_DIR = "/etc/apt/apt.conf.d"
MAX_INCLUDE_DEPTH = 10
_MAGIC_COMMENTS = ("clear", "include", "x-apt-configure-index")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-:.")
C_SPACE = " \t\n\v\f\r"
_HEX = frozenset("0123456789abcdefABCDEF")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class AptSyntaxError(Exception):
    """A file APT refuses: the message is apt's ``FILE:LINE: reason``, in apt's own words
    (data for readers, as apt prints it)."""


@dataclass
class Item:
    """One node of APT's configuration tree."""

    tag: str
    value: str = ""
    source: str = ""
    parent: Item | None = None
    children: list[Item] = field(default_factory=list)

    def full_tag(self) -> str:
        """``A::B::C`` from the root (the root's children have no prefix)."""
        if self.parent is None or self.parent.parent is None:
            return self.tag
        return f"{self.parent.full_tag()}::{self.tag}"


@dataclass(frozen=True)
class AptValue:
    """A value of the configuration and where it was last set."""

    key: str
    value: str
    source: str


@dataclass
class AptConfig:
    """The configuration tree APT builds, the files it read, and why it refused, if so."""

    root: Item = field(default_factory=lambda: Item(""))
    files: list[str] = field(default_factory=list)
    refused: str | None = None

    def lookup(self, name: str, create: bool = False) -> Item | None:
        """``Configuration::Lookup``: the item of a ``::`` path, created when asked."""
        item: Item | None = self.root
        start = 0
        index = 0
        while len(name) - index >= 2:
            if name[index] == ":" and name[index + 1] == ":":
                item = _child(item, name[start:index], create) if item else None
                if item is None:
                    return None
                start = index + 2
                index = start + 1
                continue
            index += 1
        if start == len(name) and not create:
            return None
        return _child(item, name[start:], create) if item else None

    def set(self, name: str, value: str, source: str) -> None:
        """``Configuration::Set``."""
        item = self.lookup(name, create=True)
        if item is not None:
            item.value, item.source = value, source

    def clear(self, name: str) -> None:
        """``Configuration::Clear(name)``: the item loses its value and its children."""
        item = self.lookup(name)
        if item is not None:
            item.value, item.children = "", []

    def find(self, name: str) -> AptValue | None:
        """The value of ``name``; None when unset or empty (APT's default then applies)."""
        item = self.lookup(name)
        if item is None or not item.value:
            return None
        return AptValue(item.full_tag(), item.value, item.source)

    def values(self) -> list[AptValue]:
        """Every value set (not empty), in tree order, with where it was last set."""
        return [value for key, _ in self.dump() if key and (value := self.find(key))]

    def dump(self, name: str | None = None) -> list[tuple[str, str]]:
        """(full tag, value) in tree order, like ``apt-config dump [name]``."""
        top = self.root if name is None else self.lookup(name)
        if top is None:
            return []
        found: list[tuple[str, str]] = []
        pending = list(reversed(top.children)) if name is None else [top]
        while pending:
            item = pending.pop()
            found.append((item.full_tag(), item.value))
            pending.extend(reversed(item.children))
        return found


def _fold(tag: str) -> str:
    """ASCII lower case, as apt's ``stringcasecmp`` compares."""
    return tag.translate(_ASCII_LOWER)


def _child(head: Item, tag: str, create: bool) -> Item | None:
    if tag:
        wanted = _fold(tag)
        for child in head.children:
            if _fold(child.tag) == wanted:
                return child
    if not create:
        return None
    item = Item(tag, parent=head)
    head.children.append(item)
    return item


def accepted_part(name: str) -> bool:
    """True when APT reads a file of this name in a configuration directory."""
    if name.startswith(".") or name.endswith("."):
        return False
    extension = name.rsplit(".", 1)[1] if "." in name else ""
    return extension in ("", "conf") and all(char in _NAME_CHARS for char in name)


def read_apt_config(files: Files) -> AptConfig:
    """The host's APT configuration: apt.conf.d parts, then apt.conf."""
    config = AptConfig()
    try:
        _read_dir(config, files, APT_CONF_DIR, 0, missing_ok=True)
        if _is_regular(files, APT_CONF):
            _read_file(config, files, APT_CONF, 0)
    except AptSyntaxError as exc:
        config.refused = str(exc)
    return config


def parse_apt_text(text: str, path: str) -> AptConfig:
    """One configuration text on its own (its includes are not followed)."""
    config = AptConfig()
    try:
        _parse(config, None, text, path, 0)
    except AptSyntaxError as exc:
        config.refused = str(exc)
    return config


def _is_regular(files: Files, path: str) -> bool:
    try:
        return stat.S_ISREG(files.stat(path).st_mode)
    except OSError:
        return False


def _read_dir(config: AptConfig, files: Files, path: str, depth: int, missing_ok: bool) -> None:
    directory = path.rstrip("/") or "/"
    try:
        if not stat.S_ISDIR(files.stat(directory).st_mode):
            raise NotADirectoryError(20, "Not a directory", directory)
        names = list(files.list_dir(directory))
    except OSError as exc:
        if missing_ok:
            return
        raise AptSyntaxError(f"Unable to read {directory}: {exc.strerror or exc}") from exc
    for name in names:
        part = f"{directory.rstrip('/')}/{name}"
        if accepted_part(name) and _is_regular(files, part):
            _read_file(config, files, part, depth)


def _read_file(config: AptConfig, files: Files, path: str, depth: int) -> None:
    try:
        text = files.read_text(path)
    except OSError as exc:
        raise AptSyntaxError(f"Unable to read {path}: {exc.strerror or exc}") from exc
    config.files.append(path)
    _parse(config, files, text, path, depth)


def _unquoted(line: str, marker: str, begin: int = 0, magic: bool = False) -> int:
    """The first ``marker`` at or after ``begin`` with an even number of ``"`` between.

    With ``magic``, a ``#`` starting a directive name does not count. -1 when none.
    """
    quotes, counted = 0, begin
    position = line.find(marker, begin)
    while position >= 0:
        quotes += line.count('"', counted, position)
        counted = position
        if quotes % 2 == 0 and not (magic and line.startswith(_MAGIC_COMMENTS, position + 1)):
            return position
        position = line.find(marker, position + 1)
    return -1


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line without comments, and whether a ``/*`` comment goes on."""
    if in_comment:
        end = line.find("*/")
        if end < 0:
            return "", True
        line = line[end + 2 :]
    for marker in ("//", "#"):
        start = _unquoted(line, marker, magic=marker == "#")
        if start >= 0:
            line = line[:start]
    pieces: list[str] = []
    position = 0
    while (start := _unquoted(line, "/*", position)) >= 0:
        pieces.append(line[position:start])
        end = line.find("*/", start + 2)
        if end < 0:
            return "".join(pieces), True
        position = end + 2
    pieces.append(line[position:])
    return "".join(pieces), False


def _quote_word(text: str) -> tuple[str, str] | None:
    """``ParseQuoteWord``: one word (quotes and brackets kept whole), and the rest."""
    position = len(text) - len(text.lstrip(" "))
    if position == len(text):
        return None
    start = position
    while position < len(text) and text[position] not in C_SPACE:
        if text[position] in '"[':
            close = text.find('"' if text[position] == '"' else "]", position + 1)
            if close < 0:
                return None
            position = close
        position += 1
    raw, word, index = text[start:position], [], 0
    while index < len(raw):
        char = raw[index]
        hexa = raw[index + 1 : index + 3]
        if char == "%" and index + 2 < len(raw) and all(c in _HEX for c in hexa):
            word.append(chr(int(hexa, 16)))
            index += 3
            continue
        if char != '"':
            word.append(char)
        index += 1
    return "".join(word), text[position:].lstrip(C_SPACE)


def _c_word(text: str) -> str | None:
    """``ParseCWord``: the rest is only quoted strings and blanks; their concatenation."""
    position = len(text) - len(text.lstrip(" "))
    if position == len(text):
        return None
    word: list[str] = []
    while position < len(text):
        char = text[position]
        if char == '"':
            close = text.find('"', position + 1)
            if close < 0:
                return None
            word.append(text[position + 1 : close])
            position = close + 1
            continue
        if char not in C_SPACE:
            return None
        if position == 0 or text[position - 1] not in C_SPACE:
            word.append(" ")
        position += 1
    return "".join(word)


def _parse(config: AptConfig, files: Files | None, text: str, path: str, depth: int) -> None:
    buffer = ""
    stack: list[str] = []
    parent = ""
    in_comment = False
    number = 0
    for raw in text.split("\n"):
        number += 1
        line = raw.replace("\t", " " * 8).strip(C_SPACE)
        fragment, in_comment = _strip_comments(line, in_comment)
        if not fragment:
            continue
        in_quote = False
        start = 0
        for index, char in enumerate(fragment):
            if char == '"':
                in_quote = not in_quote
            if in_quote or char not in "{;}":
                continue
            piece = fragment[start:index].strip(C_SPACE)
            buffer = f"{buffer} {piece}" if buffer and piece else buffer + piece
            start = index + 1
            where = f"{path}:{number}"
            if char == "{" and not buffer:
                raise AptSyntaxError(f"{where}: Block starts with no name.")
            if not buffer:
                if char == "}":
                    parent = stack.pop() if stack else ""
                continue
            parent = _statement(config, files, buffer, char, parent, stack, where, depth)
            buffer = ""
            if char == "}":
                parent = stack.pop() if stack else ""
        rest = fragment[start:].strip(C_SPACE)
        buffer = f"{buffer} {rest}" if buffer and rest else buffer + rest
    if buffer:
        raise AptSyntaxError(f"{path}:{number}: Extra junk at end of file")


def _statement(
    config: AptConfig,
    files: Files | None,
    buffer: str,
    term: str,
    parent: str,
    stack: list[str],
    where: str,
    depth: int,
) -> str:
    """Apply one statement; returns the scope after it (a ``{`` opens one)."""
    parsed = _quote_word(buffer)
    if parsed is None:
        raise AptSyntaxError(f"{where}: Malformed tag")
    tag, rest = parsed
    word = _c_word(rest)
    no_word = False
    if word is not None:
        rest = ""
    else:
        other = _quote_word(rest)
        if other is not None:
            word, rest = other
        elif term != "{":
            word, tag = tag, ""
        else:
            no_word = True
    if rest:
        raise AptSyntaxError(f"{where}: Extra junk after value")
    if term == "{":
        stack.append(parent)
        parent = f"{parent}::{tag}" if parent else tag
        tag = ""
    item = tag if not parent else (f"{parent}::{tag}" if term != "{" or tag else parent)
    if tag.startswith("#"):
        if parent:
            raise AptSyntaxError(f"{where}: Directives can only be done at the top level")
        _directive(config, files, tag[1:], word or "", where, depth)
    elif not tag and not no_word and word == "#clear":
        raise AptSyntaxError(f"{where}: clear directive requires an option tree as argument")
    elif not no_word:
        config.set(item, word or "", where)
    return parent


def _directive(
    config: AptConfig, files: Files | None, name: str, word: str, where: str, depth: int
) -> None:
    if name == "clear":
        config.clear(word)
    elif name == "include":
        if depth > MAX_INCLUDE_DEPTH:
            raise AptSyntaxError(f"{where}: Too many nested includes")
        if files is None:
            return
        target = word if word.startswith("/") else f"/{word}"
        try:
            if len(word) > 2 and word.endswith("/"):
                _read_dir(config, files, target, depth + 1, missing_ok=False)
            else:
                _read_file(config, files, target, depth + 1)
        except AptSyntaxError as exc:
            raise AptSyntaxError(f"{where}: Included from here ({exc})") from exc
    elif name != "x-apt-configure-index":
        raise AptSyntaxError(f"{where}: Unsupported directive '{name}'")
