"""/etc/login.defs read as shadow-utils 4.13 reads it (lib/getdef.c, lib/getlong.c).

The rules, from getdef.c's ``def_load`` and ``getdef_num`` (Debian 12 builds shadow
without libeconf, so this is the only reader):

- The file is read with ``fgets`` into a 1024-byte buffer: a line longer than 1023
  bytes goes on as the next "line". A NUL ends the line's text.
- Trailing whitespace (C ``isspace``: space, tab, newline, CR, VT, FF) is trimmed.
- The name starts after leading spaces and tabs; a line whose first character there
  is ``#`` (or that is empty) is a comment. There are no trailing comments:
  ``PASS_MAX_DAYS 90 # days`` has the value ``90 # days``.
- The name ends at the first space or tab; a line with a name only is skipped (an
  earlier value of that name stays). Names are case-sensitive.
- The value starts after any spaces, tabs and double quotes and ends at the next
  double quote or the end of the line: ``"90"`` is ``90``, ``9"0`` is ``9``, and
  ``90 "x`` is ``90 `` (with its space). ``KEY ""`` is the empty value.
- The last line of a name wins. Unknown names are reported by shadow and ignored.
- Numbers are ``getlong``: ``strtol(value, &end, 0)`` that must consume the whole
  value, so leading whitespace and a sign are taken, ``0x1e`` is hexadecimal,
  ``030`` is octal (24), ``08`` and ``90 # days`` are invalid, and a value outside a
  64-bit long is invalid. ``getdef_num`` also refuses values outside a C ``int``.
  An invalid number prints "configuration error - cannot parse" and the program
  uses its built-in default, exactly as if the line were absent.

shadow never refuses the file itself (only an unreadable one, which stops it), so
there is no "refused" state here. What useradd applies is in :func:`useradd_aging`
and :func:`home_mode`.
"""

from __future__ import annotations

from dataclasses import dataclass

from netwatch.i18n import Message, msg

LOGIN_DEFS = "/etc/login.defs"
FGETS_CHARS = 1023
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
C_SPACE = " \t\n\v\f\r"
DEFAULT_UMASK = 0o022
# useradd's defaults for the aging fields of a new account: -1, an empty field
NO_AGING = -1


@dataclass(frozen=True)
class Definition:
    """One name's value as shadow keeps it, and the line it came from."""

    name: str
    value: str
    source: str


@dataclass(frozen=True)
class Number:
    """A numeric item as a shadow program reads it (``getdef_num``)."""

    name: str
    value: int
    definition: Definition | None
    problem: str | None = None

    @property
    def shown(self) -> str | Message:
        """How the line reads, for evidence (``PASS_MAX_DAYS 90 # days``)."""
        if self.definition is None:
            return msg("`{name}` not set", name=self.name)
        return f"{self.name} {self.definition.value}"


@dataclass(frozen=True)
class LoginDefs:
    """The definitions of one login.defs file, last line of each name winning."""

    path: str
    definitions: dict[str, Definition]

    def get(self, name: str) -> Definition | None:
        """The definition of ``name`` (case-sensitive), None when absent."""
        return self.definitions.get(name)

    def number(self, name: str, default: int) -> Number:
        """``getdef_num(name, default)``: the value, or ``default`` when absent or invalid."""
        definition = self.get(name)
        if definition is None:
            return Number(name, default, None)
        value = c_long(definition.value)
        if value is None or not INT_MIN <= value <= INT_MAX:
            problem = f"configuration error - cannot parse {name} value: '{definition.value}'"
            return Number(name, default, definition, problem)
        return Number(name, value, definition)


def _physical_lines(text: str) -> list[tuple[int, str]]:
    """The pieces ``fgets`` returns, each with the file line it belongs to."""
    pieces: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        while True:
            pieces.append((number, line[:FGETS_CHARS]))
            line = line[FGETS_CHARS:]
            if not line:
                break
    return pieces


def parse_login_defs(text: str, path: str = LOGIN_DEFS) -> LoginDefs:
    """The definitions of a login.defs text, read as ``def_load`` reads them."""
    definitions: dict[str, Definition] = {}
    for number, piece in _physical_lines(text):
        line = piece.split("\0", 1)[0].rstrip(C_SPACE)
        name = line.lstrip(" \t")
        if not name or name.startswith("#"):
            continue
        end = min((i for i in (name.find(" "), name.find("\t")) if i >= 0), default=-1)
        if end < 0:
            continue
        value = name[end + 1 :].lstrip(' "\t').split('"', 1)[0]
        definitions[name[:end]] = Definition(name[:end], value, f"{path}:{number}")
    return LoginDefs(path, definitions)


def c_long(text: str) -> int | None:
    """``getlong``: ``strtol(text, &end, 0)`` consuming all of ``text``, else None."""
    rest = text.lstrip(C_SPACE)
    sign = -1 if rest[:1] == "-" else 1
    if rest[:1] in "+-" and rest:
        rest = rest[1:]
    base, digits = 10, "0123456789"
    if rest[:2].lower() == "0x" and rest[2:3] and rest[2].lower() in "0123456789abcdef":
        base, digits, rest = 16, "0123456789abcdef", rest[2:]
    elif rest[:1] == "0":
        base, digits = 8, "01234567"
    if not rest or any(char.lower() not in digits for char in rest):
        return None
    value = sign * int(rest, base)
    return value if LONG_MIN <= value <= LONG_MAX else None


def useradd_aging(defs: LoginDefs | None) -> tuple[Number, Number, Number]:
    """PASS_MIN_DAYS, PASS_MAX_DAYS and PASS_WARN_AGE as useradd writes them to shadow.

    Each is ``getdef_num(name, -1)``; -1 is written as an empty field (no limit).
    """
    defs = defs or LoginDefs(LOGIN_DEFS, {})
    names = ("PASS_MIN_DAYS", "PASS_MAX_DAYS", "PASS_WARN_AGE")
    minimum, maximum, warn = (defs.number(name, NO_AGING) for name in names)
    return minimum, maximum, warn


def home_mode(defs: LoginDefs | None) -> int:
    """The mode useradd gives a new home directory: HOME_MODE, else 0777 & ~UMASK."""
    defs = defs or LoginDefs(LOGIN_DEFS, {})
    umask = defs.number("UMASK", DEFAULT_UMASK).value
    return defs.number("HOME_MODE", 0o777 & ~umask).value & 0o7777
