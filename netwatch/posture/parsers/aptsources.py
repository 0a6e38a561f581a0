"""APT's package sources as apt-pkg reads them (sourcelist.cc), for "which suites does APT
fetch from?".

Files: ``Dir::Etc::sourcelist`` (default ``sources.list`` under ``Dir::Etc``,
``/etc/apt/``) and every file of ``Dir::Etc::sourceparts`` (``sources.list.d``) whose
name ends in ``.list`` (one-line format) or ``.sources`` (deb822), made only of letters,
digits, ``_``, ``-`` and ``.``, in sorted order; other names are ignored. A relative
value is taken under ``Dir::Etc``.

One-line format: ``#`` ends the line wherever it stands; the words are a type
(``deb``, ``deb-src``), optional ``[key=value ...]`` options, a URI, a suite and
components (none when the suite ends in ``/``, an exact path).

deb822 format: stanzas separated by blank lines, ``Field: value`` with continuation
lines starting with a space or tab, ``#`` lines are comments; field names ignore case.
``Types``, ``URIs``, ``Suites`` and ``Components`` are lists (every type for every URI
and suite); ``Enabled: no`` switches a stanza off.

Not modelled: ``$(ARCH)``-style variables in suites and the options' effects
(``arch=``, ``signed-by=``); a malformed line is reported (APT refuses the whole list
then), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg
from netwatch.posture.parsers.apt import AptConfig

ETC_DEFAULT = "/etc/apt/"
SOURCELIST_DEFAULT = "sources.list"
SOURCEPARTS_DEFAULT = "sources.list.d"
_PART_NAME = re.compile(r"[A-Za-z0-9_.\-]+\.(list|sources)")
TYPES = ("deb", "deb-src")


@dataclass(frozen=True)
class Source:
    """One (type, URI, suite) APT fetches, and the line or stanza it comes from."""

    type: str
    uri: str
    suite: str
    components: tuple[str, ...]
    source: str
    enabled: bool = True


@dataclass(frozen=True)
class Problem:
    """A line or stanza APT refuses (``path:line``), and why."""

    source: str
    why: Message


@dataclass(frozen=True)
class SourceList:
    """Every source entry, and the problems that make APT refuse a file."""

    sources: tuple[Source, ...]
    files: tuple[str, ...]
    problems: tuple[Problem, ...] = ()


def _location(config: AptConfig | None, name: str, default: str) -> str:
    value = config.find(name) if config is not None else None
    return value.value if value is not None and value.value else default


def list_files(files: Files, config: AptConfig | None) -> tuple[str, list[str]]:
    """The main list and the parts' files APT reads (parts sorted, names APT accepts)."""
    etc = _location(config, "Dir::Etc", ETC_DEFAULT)
    etc = etc if etc.startswith("/") else "/" + etc
    etc = etc.rstrip("/") + "/"
    main = _location(config, "Dir::Etc::sourcelist", SOURCELIST_DEFAULT)
    parts = _location(config, "Dir::Etc::sourceparts", SOURCEPARTS_DEFAULT)
    main = main if main.startswith("/") else etc + main
    parts = parts if parts.startswith("/") else etc + parts
    try:
        names = sorted(files.list_dir(parts))
    except (FileNotFoundError, NotADirectoryError):
        names = []
    return main, [f"{parts.rstrip('/')}/{n}" for n in names if _PART_NAME.fullmatch(n)]


def read_sources(files: Files, config: AptConfig | None) -> SourceList:
    """Every entry of the lists APT reads; OSError when a list exists but cannot be read."""
    main, parts = list_files(files, config)
    sources: list[Source] = []
    problems: list[Problem] = []
    read: list[str] = []
    for path in (main, *parts):
        try:
            text = files.read_text(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            continue
        read.append(path)
        parse = parse_deb822 if path.endswith(".sources") else parse_one_line
        found, bad = parse(text, path)
        sources += found
        problems += bad
    return SourceList(tuple(sources), tuple(read), tuple(problems))


def parse_one_line(text: str, path: str) -> tuple[list[Source], list[Problem]]:
    """Entries of a one-line ``.list`` file, and its malformed lines."""
    sources: list[Source] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        kind, _, rest = line.partition(" ")
        rest = rest.strip()
        if kind not in TYPES:
            problems.append(Problem(where, msg("type '{type}' is not known", type=kind)))
            continue
        if rest.startswith("["):
            close = rest.find("]")
            if close < 0:
                problems.append(Problem(where, msg("options not closed with `]`")))
                continue
            rest = rest[close + 1 :]
        words = rest.split()
        if len(words) < 2:
            problems.append(Problem(where, msg("no URI and suite")))
            continue
        uri, suite, components = words[0], words[1], tuple(words[2:])
        if not suite.endswith("/") and not components:
            why = msg("no components after suite {suite}", suite=suite)
            problems.append(Problem(where, why))
            continue
        sources.append(Source(kind, uri, suite, components, where))
    return sources, problems


def _stanzas(text: str) -> list[tuple[int, dict[str, str]]]:
    """deb822 stanzas: (first line number, lower-cased field -> value)."""
    stanzas: list[tuple[int, dict[str, str]]] = []
    fields: dict[str, str] = {}
    start, last = 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                stanzas.append((start, fields))
            fields, last = {}, ""
            continue
        if line[0] in " \t" and last:
            fields[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        if not fields:
            start = number
        last = name.strip().lower()
        fields[last] = value.strip()
    if fields:
        stanzas.append((start, fields))
    return stanzas


def parse_deb822(text: str, path: str) -> tuple[list[Source], list[Problem]]:
    """Entries of a deb822 ``.sources`` file, and its incomplete stanzas."""
    sources: list[Source] = []
    problems: list[Problem] = []
    for number, fields in _stanzas(text):
        where = f"{path}:{number}"
        types, uris, suites = (fields.get(k, "").split() for k in ("types", "uris", "suites"))
        components = tuple(fields.get("components", "").split())
        if not types or not uris or not suites:
            why = msg("a stanza needs `Types`, `URIs` and `Suites`")
            problems.append(Problem(where, why))
            continue
        if any(kind not in TYPES for kind in types):
            why = msg("unknown type in '{field}'", field=f"Types: {' '.join(types)}")
            problems.append(Problem(where, why))
            continue
        enabled = fields.get("enabled", "yes").lower() not in ("no", "false", "0")
        sources += [
            Source(kind, uri, suite, components, where, enabled)
            for kind in types
            for uri in uris
            for suite in suites
        ]
    return sources, problems
