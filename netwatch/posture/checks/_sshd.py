"""The effective sshd configuration, read the way sshd reads it.

sshd keeps the FIRST value it finds for a keyword, reading ``sshd_config`` top
to bottom and each ``Include`` (glob patterns, relative to /etc/ssh, matches in
lexical order) where it appears. Lines inside ``Match`` blocks only apply to
matching connections, so they never set the global value; they are kept apart
as conditional overrides. A ``Match`` opened in an included file ends with that
file, and an ``Include`` inside a ``Match`` block is conditional too.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from netwatch.hostaccess import Files
from netwatch.posture.checks._linux_users import list_dir, read_optional

SSHD_CONFIG = "/etc/ssh/sshd_config"
SSHD_PROGRAMS = ("/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd")
MAX_INCLUDE_DEPTH = 16
# Included files read in all: files that include each other by glob would otherwise be
# read (count ** 16) times within the depth limit.
MAX_INCLUDED_FILES = 512
_KEYWORD = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$")
_GLOB_MAGIC = re.compile(r"[*?\[]")
# Old keyword spellings sshd still accepts for the same option.
_ALIASES = {"challengeresponseauthentication": "kbdinteractiveauthentication"}


@dataclass(frozen=True)
class Directive:
    """One ``Keyword value`` line of the sshd configuration."""

    name: str  # as written
    args: tuple[str, ...]
    source: str  # /etc/ssh/sshd_config.d/50-cloud.conf:3
    match: str = ""  # the Match criteria when the line is inside a Match block

    @property
    def keyword(self) -> str:
        """The option, lower-cased (keywords are case-insensitive) and aliases resolved."""
        return _canonical(self.name)

    @property
    def value(self) -> str:
        """The first argument."""
        return self.args[0]

    @property
    def text(self) -> str:
        """The line as sshd understood it."""
        return f"{self.name} {' '.join(self.args)}"


@dataclass(frozen=True)
class SshdConfig:
    """Every directive of the configuration in the order sshd reads them."""

    directives: tuple[Directive, ...]
    skipped: tuple[str, ...]  # lines sshd rejects: no argument, bad quoting, Include loops
    # (and Include lines beyond MAX_INCLUDED_FILES)

    def _global(self, keyword: str) -> list[Directive]:
        wanted = _canonical(keyword)
        return [d for d in self.directives if d.keyword == wanted and not d.match]

    def effective(self, keyword: str) -> Directive | None:
        """The global directive in force for ``keyword``: the first one sshd reads."""
        found = self._global(keyword)
        return found[0] if found else None

    def ignored(self, *keywords: str) -> list[Directive]:
        """Later global directives for ``keywords`` that sshd ignores (an earlier one wins)."""
        return [d for keyword in keywords for d in self._global(keyword)[1:]]

    def conditional(self, *keywords: str) -> list[Directive]:
        """Directives for ``keywords`` inside Match blocks (only for matching connections)."""
        wanted = {_canonical(k) for k in keywords}
        return [d for d in self.directives if d.keyword in wanted and d.match]


def _canonical(keyword: str) -> str:
    lowered = keyword.lower()
    return _ALIASES.get(lowered, lowered)


def sshd_installed(files: Files) -> bool:
    """True when the sshd program is present under the root."""
    return any(files.exists(path) for path in SSHD_PROGRAMS)


def load_sshd_config(files: Files) -> SshdConfig | None:
    """The configuration, or None when ``sshd_config`` is missing (sshd refuses to start)."""
    text = read_optional(files, SSHD_CONFIG)
    if text is None:
        return None
    reading = _Reading(files)
    reading.parse(SSHD_CONFIG, text, "", 0)
    return SshdConfig(tuple(reading.directives), tuple(reading.skipped))


def split_args(text: str) -> list[str] | None:
    """Arguments of a line: quotes group words, a ``#`` starting a word ends the line.

    None when the quoting is unbalanced (sshd rejects such a line).
    """
    args: list[str] = []
    for match in re.finditer(r'"([^"]*)"|\'([^\']*)\'|(["\'])|([^\s"\']+)', text):
        quoted_double, quoted_single, unbalanced, word = match.groups()
        if unbalanced:
            return None
        if word is not None and word.startswith("#"):
            break
        args.append(word if word is not None else (quoted_double or quoted_single or ""))
    return args


class _Reading:
    """The directives and rejected lines of one configuration, read so far."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.directives: list[Directive] = []
        self.skipped: list[str] = []
        self.included = 0

    def parse(self, path: str, text: str, match: str, depth: int) -> None:
        """Add the directives of ``path``; ``match`` is the Match block it was included from."""
        current = match
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            source = f"{path}:{number}"
            found = _KEYWORD.match(stripped)
            args = split_args(found.group(2)) if found else None
            if found is None or not args:
                self.skipped.append(source)
                continue
            name = found.group(1)
            if name.lower() == "match":
                current = "" if [a.lower() for a in args] == ["all"] else " ".join(args)
            elif name.lower() == "include":
                self._include(args, source, current, depth)
            else:
                self.directives.append(Directive(name, tuple(args), source, current))

    def _include(self, patterns: list[str], source: str, match: str, depth: int) -> None:
        if depth + 1 >= MAX_INCLUDE_DEPTH or self.included >= MAX_INCLUDED_FILES:
            self.skipped.append(source)  # sshd refuses includes nested this deep
            return
        for included in _expand_includes(self.files, patterns):
            self.included += 1
            if self.included > MAX_INCLUDED_FILES:
                self.skipped.append(source)
                return
            content = read_optional(self.files, included)
            if content is not None:
                self.parse(included, content, match, depth + 1)


def _expand_includes(files: Files, patterns: list[str]) -> list[str]:
    """Files named by Include arguments: relative to /etc/ssh, globs in lexical order."""
    paths: list[str] = []
    for pattern in patterns:
        absolute = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
        paths.extend(sorted(_glob(files, absolute)))
    return paths


def _glob(files: Files, pattern: str) -> list[str]:
    """Like glob(3) below the root: ``*`` does not match a leading dot."""
    candidates = [""]
    for part in (p for p in pattern.split("/") if p):
        if not _GLOB_MAGIC.search(part):
            candidates = [f"{base}/{part}" for base in candidates]
            continue
        candidates = [
            f"{base}/{name}"
            for base in candidates
            for name in list_dir(files, base or "/")
            if fnmatch.fnmatchcase(name, part) and (part.startswith(".") or name[0] != ".")
        ]
    return [path for path in candidates if files.exists(path)]
