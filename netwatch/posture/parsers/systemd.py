"""systemd units as systemd 252 (Debian 12) reads them offline: which file defines a unit,
its drop-ins, its settings, and what ``systemctl is-enabled`` says (src/shared/install.c,
src/basic/path-lookup.c, src/shared/conf-parser.c, src/shared/dropin.c), checked against
``systemctl --root=... is-enabled`` and ``systemd-analyze security --offline=yes --root=...``
in tests/differential/test_systemd.py.

Lookup paths (system scope), highest priority first: /etc/systemd/system.control,
/run/systemd/system.control, /run/systemd/transient, /run/systemd/generator.early,
/etc/systemd/system, /etc/systemd/system.attached, /run/systemd/system,
/run/systemd/system.attached, /run/systemd/generator, /usr/local/lib/systemd/system,
/lib/systemd/system, /usr/lib/systemd/system, /run/systemd/generator.late. The first
directory holding the unit's name defines it; an instance (``getty@tty1.service``)
falls back to its template (``getty@.service``).

States, in the order systemctl decides them:

- ``not-found``: no file of that name (systemctl: "No such file or directory");
- ``masked`` (``masked-runtime`` under /run): the file is a symlink to /dev/null or empty;
- ``alias``: a symlink to a unit of another name (``dbus-org...service``);
- ``linked`` (``linked-runtime``): a symlink to a file outside the lookup paths;
- ``enabled`` (``enabled-runtime`` when only /run has the link): a symlink in a
  ``*.wants``, ``*.requires`` or ``*.upholds`` directory of /etc/systemd/system (or
  /run/systemd/system, or the .control directories) named after the unit or pointing
  to a file of its name, of any target, reached from the default target or not; or
  a symlink there of one of its ``Alias=`` names; an instance is enabled by a link
  of its own name only;
  a template (``t@.service``) and its instances count only links of their own name;
- otherwise the ``[Install]`` section of the fragment and its drop-ins decides:
  ``WantedBy=``, ``RequiredBy=``, ``UpheldBy=`` or ``Alias=`` make it ``disabled``
  (an instance too), a template without ``DefaultInstance=`` ``indirect``, only
  ``Also=`` ``indirect``, nothing ``static``.

Drop-ins: ``*.conf`` files of ``<unit>.d`` in every lookup directory, of the
template's ``<template>.d`` for an instance, of each ``-`` prefix (``foo-.service.d``
for ``foo-bar.service``) and of the type (``service.d``); a name in a higher directory
hides the same name below; a symlink to /dev/null or an empty file masks it; they
apply after the fragment in the order of their file names.

Lines: blanks around a line are stripped; a line starting with ``#`` or ``;`` is a
comment; a line ending in ``\\`` goes on with the next (the ``\\`` becomes a space;
comment lines inside are skipped); ``[Section]`` opens a section; ``Key=Value`` is
split at the first ``=`` and both sides stripped; a line without ``=`` or before any
section is ignored (systemd warns). What a value means is the key's parser's: an
empty value resets lists and strings (:meth:`UnitSettings.values`,
:meth:`UnitSettings.last`), but a boolean ignores any value that is not a boolean
word, the empty one too (:meth:`UnitSettings.boolean`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg

UNIT_PATHS = (
    "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
    "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
    "/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
    "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
    "/run/systemd/generator.late",
)  # fmt: skip
# Where enablement links live: persistent first, then runtime.
CONFIG_PATHS = ("/etc/systemd/system.control", "/etc/systemd/system")
RUNTIME_PATHS = ("/run/systemd/system.control", "/run/systemd/system")
LINK_DIRS = (".wants", ".requires", ".upholds")
INSTALL_KEYS = ("WantedBy", "RequiredBy", "UpheldBy", "Alias")
TRUE_WORDS = ("1", "yes", "y", "true", "t", "on")
FALSE_WORDS = ("0", "no", "n", "false", "f", "off")
MAX_LINKS = 10_000


@dataclass(frozen=True)
class Assignment:
    """One ``Key=Value`` line: the value as written and where."""

    value: str
    source: str


@dataclass(frozen=True)
class UnitState:
    """What ``systemctl is-enabled`` answers for a unit, and the files that made it so:
    ``evidence`` holds paths (the enabling links, or the one file that decided), ``why``
    what that file says when no link decided."""

    name: str
    state: str
    fragment: str | None
    evidence: tuple[str, ...] = ()
    why: Message | None = None

    @property
    def explained(self) -> str | Message:
        """``path: why`` for evidence; the path, or the state, when there is less to say."""
        if self.why is None:
            return self.evidence[0] if self.evidence else self.state
        if not self.evidence:
            return self.why
        return msg("{path}: {why}", path=self.evidence[0], why=self.why)

    @property
    def enabled(self) -> bool:
        """enabled or enabled-runtime (alias and linked units are not judged enabled here)."""
        return self.state in ("enabled", "enabled-runtime")


@dataclass
class UnitSettings:
    """A unit's settings: the fragment's lines, then each drop-in's, per section and key."""

    name: str
    fragment: str | None
    dropins: list[str] = field(default_factory=list)
    masked: bool = False
    assignments: dict[tuple[str, str], list[Assignment]] = field(default_factory=dict)

    def values(self, section: str, key: str) -> list[Assignment]:
        """The assignments that count for a list setting: all, from the last empty one on."""
        found: list[Assignment] = []
        for item in self.assignments.get((section, key), []):
            if item.value == "":
                found = []
            else:
                found.append(item)
        return found

    def last(self, section: str, key: str) -> Assignment | None:
        """The assignment that counts for a string setting; None when unset or reset."""
        items = self.assignments.get((section, key), [])
        return items[-1] if items and items[-1].value != "" else None

    def boolean(self, section: str, key: str) -> bool | None:
        """A boolean setting (``config_parse_bool``); None when never set.

        A value that is not a boolean word, the empty one included, is ignored with a
        warning: the earlier value stays.
        """
        value: bool | None = None
        for item in self.assignments.get((section, key), []):
            word = item.value.lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                value = word in TRUE_WORDS
        return value


def parse_unit_text(text: str, path: str) -> list[tuple[str, str, Assignment]]:
    """The (section, key, assignment) lines of a unit file or drop-in, in order."""
    found: list[tuple[str, str, Assignment]] = []
    section: str | None = None
    pending: str | None = None
    start = 0
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if pending is not None and line[:1] in ("#", ";"):
            continue
        if pending is None:
            start = number
        if line.endswith("\\") and number < len(lines):
            pending = (pending or "") + line[:-1] + " "
            continue
        line = ((pending or "") + line.removesuffix("\\")).strip()
        pending = None
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line[1:-1] if line.endswith("]") and len(line) > 2 else None
            continue
        key, equals, value = line.partition("=")
        if section is not None and equals and key.strip():
            found.append((section, key.strip(), Assignment(value.strip(), f"{path}:{start}")))
    return found


class _Units:
    """The unit directories of one image."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.null = self._real("/dev/null")
        self.unit_dirs = {self._real(path) for path in UNIT_PATHS}

    def _real(self, path: str) -> Path:
        """Where ``path`` leads inside the image (every symlink followed)."""
        return Path(os.path.realpath(self.files.path(path)))

    def is_link(self, path: str) -> bool:
        parent, name = path.rsplit("/", 1)
        return self._real(path) != self._real(parent) / name

    def target(self, path: str) -> Path:
        return self._real(path)

    def empty_or_null(self, path: str) -> bool:
        if self._real(path) == self.null:
            return True
        try:
            return self.files.stat(path).st_size == 0
        except OSError:
            return False

    def exists(self, path: str) -> bool:
        """True for a file or a symlink (even dangling) at ``path``."""
        return self.files.exists(path) or self.is_link(path)

    def find(self, name: str) -> str | None:
        """The file defining ``name`` (``/lib/systemd/system/x.service``), first directory first."""
        for directory in UNIT_PATHS:
            if self.exists(f"{directory}/{name}"):
                return f"{directory}/{name}"
        return None

    def read(self, path: str) -> str:
        return self.files.read_text_or_none(path) or ""


def _template(name: str) -> str | None:
    """``getty@.service`` for ``getty@tty1.service``; None for a name that is no instance."""
    stem, dot, suffix = name.rpartition(".")
    if "@" not in stem or stem.endswith("@"):
        return None
    return f"{stem.split('@', 1)[0]}@.{suffix}" if dot else None


def _fragment(units: _Units, name: str) -> tuple[str | None, str]:
    """The file defining ``name`` (for an instance, its template's) and the name it has."""
    found = units.find(name)
    if found is None and (template := _template(name)) is not None:
        found = units.find(template)
        return found, template
    return found, name


def unit_state(files: Files, name: str) -> UnitState:
    """``systemctl is-enabled name`` for the image, with the files that decided it."""
    units = _Units(files)
    path, own = _fragment(units, name)
    if path is None:
        where = msg("no {unit} in {paths}", unit=name, paths=", ".join(UNIT_PATHS))
        return UnitState(name, "not-found", None, (), where)
    runtime = path.startswith("/run/")
    if units.empty_or_null(path):
        state = "masked-runtime" if runtime else "masked"
        return UnitState(name, state, path, (path,), msg("symlink to /dev/null or empty"))
    if units.is_link(path):
        target = units.target(path)
        if target.name != own and target.parent in units.unit_dirs:
            alias = msg("symlink to {unit}", unit=target.name)
            return UnitState(name, "alias", path, (path,), alias)
        if target.parent not in units.unit_dirs:
            state = "linked-runtime" if runtime else "linked"
            outside = msg("symlink out of the unit directories")
            return UnitState(name, state, path, (path,), outside)
    install = _settings(units, name, own, path)
    aliases = {item.value for item in install.values("Install", "Alias")}
    aliases = {word for value in aliases for word in value.split()}
    exact = own != name or name.rpartition(".")[0].endswith("@")
    for paths, state in ((CONFIG_PATHS, "enabled"), (RUNTIME_PATHS, "enabled-runtime")):
        links = _enabling_links(units, paths, name, aliases, exact)
        if links:
            return UnitState(name, state, path, tuple(links))
    wanted = [item.source for key in INSTALL_KEYS for item in install.values("Install", key)]
    template = own == name and name.rpartition(".")[0].endswith("@")
    if wanted and template and install.last("Install", "DefaultInstance") is None:
        why = msg("a template, no instance")
        return UnitState(name, "indirect", path, (wanted[0],), why)
    if wanted:
        return UnitState(name, "disabled", path, (wanted[0],), msg("`[Install]` but no link"))
    if install.values("Install", "Also"):
        return UnitState(name, "indirect", path, (path,), msg("`[Install]` `Also=` only"))
    return UnitState(name, "static", path, (path,), msg("no `[Install]` section"))


def _enabling_links(
    units: _Units, paths: tuple[str, ...], name: str, aliases: set[str], exact: bool
) -> list[str]:
    """Symlinks in ``paths`` that enable ``name`` (in link directories, or alias links).

    ``exact``: only a link of that name counts (templates and their instances).
    """
    found: list[str] = []
    seen = 0
    for directory in paths:
        for entry in units.files.list_dir(directory):
            if entry in aliases and units.is_link(f"{directory}/{entry}"):
                found.append(f"{directory}/{entry}")
            if not entry.endswith(LINK_DIRS):
                continue
            for link in units.files.list_dir(f"{directory}/{entry}"):
                seen += 1
                if seen > MAX_LINKS:
                    return found
                path = f"{directory}/{entry}/{link}"
                if not units.is_link(path):
                    continue
                if link == name or (not exact and units.target(path).name == name):
                    found.append(path)
    return found


def _dropin_dirs(name: str, own: str) -> list[str]:
    """The ``.d`` directory names for a unit, most specific last (order does not matter)."""
    stem, _, suffix = name.rpartition(".")
    names = [f"{suffix}.d"]
    parts = stem.split("-")
    names += [f"{'-'.join(parts[:i])}-.{suffix}.d" for i in range(1, len(parts))]
    names += [f"{own}.d"] if own != name else []
    return [*names, f"{name}.d"]


def unit_settings(files: Files, name: str) -> UnitSettings:
    """A unit's merged settings: its fragment, then its drop-ins by file name, with sources."""
    units = _Units(files)
    path, own = _fragment(units, name)
    if path is not None and units.is_link(path) and units.target(path).name != own:
        own = units.target(path).name
    if path is None:
        return UnitSettings(name, path)
    if units.empty_or_null(path):
        return UnitSettings(name, path, masked=True)
    return _settings(units, name, own, path)


def _settings(units: _Units, name: str, own: str, path: str) -> UnitSettings:
    """The settings of the fragment at ``path`` and of the drop-ins of ``name``."""
    settings = UnitSettings(name, path)
    chosen: dict[str, str] = {}
    for directory in UNIT_PATHS:
        for dirname in _dropin_dirs(name, own):
            for entry in units.files.list_dir(f"{directory}/{dirname}"):
                if entry.endswith(".conf") and entry not in chosen:
                    chosen[entry] = f"{directory}/{dirname}/{entry}"
    dropins = [chosen[entry] for entry in sorted(chosen)]
    settings.dropins = [d for d in dropins if not units.empty_or_null(d)]
    for source in [path, *settings.dropins]:
        for section, key, item in parse_unit_text(units.read(source), source):
            settings.assignments.setdefault((section, key), []).append(item)
    return settings
