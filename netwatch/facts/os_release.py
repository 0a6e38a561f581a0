"""os-release(5): which distribution and release a Linux host runs, with each line's source.

``KEY=value`` lines; a value may be quoted shell style: in double quotes a backslash
escapes the next character, single quotes are literal, an unquoted value may escape
with a backslash too. Comments, blank lines and lines without a valid key are skipped;
a quote left open takes the rest of the line (what a reader wants to see, not an
error). ``/etc/os-release`` wins over ``/usr/lib/os-release``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.hostaccess import Files

OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")
DEBIAN_LIKE = frozenset({"debian", "ubuntu"})
RHEL_LIKE = frozenset({"rhel", "centos", "fedora", "rocky", "almalinux", "ol"})

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class OsRelease:
    """The fields of an os-release file and the line each was read from."""

    path: str
    fields: dict[str, str]
    lines: dict[str, int]

    def get(self, key: str) -> str:
        """The value of ``key``, empty when absent."""
        return self.fields.get(key, "")

    def source(self, key: str) -> str:
        """Where ``key`` was read (``/etc/os-release:3``), or the file when absent."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else self.path

    @property
    def family(self) -> str | None:
        """``debian`` or ``rhel`` for the package tooling of the distribution, else None."""
        ids = {self.get("ID").lower(), *self.get("ID_LIKE").lower().split()}
        if ids & DEBIAN_LIKE:
            return "debian"
        if ids & RHEL_LIKE:
            return "rhel"
        return None


def _closed(body: str, quote: str) -> bool:
    """True when ``body`` ends with its closing quote (not an escaped one)."""
    if not body.endswith(quote):
        return False
    before = body[:-1]
    return quote == "'" or (len(before) - len(before.rstrip("\\"))) % 2 == 0


def _value(raw: str) -> str:
    """A value as the shell would read it (see the module docstring)."""
    quote = raw[:1]
    if quote not in ("'", '"'):
        return _ESCAPE.sub(r"\1", raw)
    body = raw[1:]
    if _closed(body, quote):
        body = body[:-1]
    return body if quote == "'" else _ESCAPE.sub(r"\1", body)


def parse_os_release(text: str, path: str) -> OsRelease:
    """Parse an os-release file read from ``path``; the last line of a key wins."""
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        key, sep, value = line.partition("=")
        if not sep or not _KEY.fullmatch(key):
            continue
        fields[key] = _value(value)
        lines[key] = number
    return OsRelease(path, fields, lines)


def read_os_release(files: Files) -> OsRelease | None:
    """The host's os-release (``/etc`` first, then ``/usr/lib``); None when neither exists."""
    for path in OS_RELEASE_PATHS:
        text = files.read_text_or_none(path)
        if text is not None:
            return parse_os_release(text, path)
    return None
