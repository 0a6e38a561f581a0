"""Kernel parameters as systemd-sysctl (systemd 252, src/sysctl/sysctl.c) applies them at boot.

Files, as ``conf_files_list`` finds them:

- ``*.conf`` in /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d
  and /lib/sysctl.d (the last only exists apart from /usr/lib on split-usr systems such
  as Debian 10 and 11). Names starting with a dot are skipped; a file of one name in an
  earlier directory hides the file of that name in the later ones (so an empty file, or
  a link to /dev/null, in /etc masks a vendor file).
- All files are read in one order, sorted by file name (byte order), whatever their
  directory.
- /etc/sysctl.conf is not read by systemd-sysctl itself: Debian and RHEL apply it
  through the link /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf, and without that
  link it is not applied at boot.

Lines (``parse_file``):

- Lines end at ``\\n``, ``\\r\\n``, ``\\r`` or NUL; spaces, tabs and CRs around a line are
  stripped; an empty line or one starting with ``#`` or ``;`` is a comment.
- ``key = value``: split at the first ``=``, both sides stripped. A leading ``-`` on the
  key means "ignore a failure to write it". A line without ``=`` is an error (skipped),
  except ``-key``, which keeps ``key`` out of the globs below.
- Keys are normalised by ``sysctl_normalize``: when the first separator is ``.``, dots
  become slashes and slashes dots (``net.ipv4.conf.eth0/100.rp_filter`` names interface
  ``eth0.100``); when it is ``/`` the key is taken as a path. Repeated slashes and ``.``
  components are dropped, and so is a leading slash.
- The last assignment of a key wins. Assigning a different value moves the key to the
  end of the order; the same value again leaves it where it was.

Applying (``apply_all``): keys holding ``*``, ``?`` or ``[`` are globs over /proc/sys,
applied in order to every existing matching key that has no entry of its own (an
explicit assignment, or a ``-key`` exclusion, always wins over a glob). Offline there
is no /proc/sys to expand, so :meth:`SysctlConfig.effective` answers for one concrete
key: its own entry, else the last glob in order that matches it (``*`` within one path
component, as ``glob(3)`` matches).

The kernel may still refuse a value it cannot parse; that is the running system's
business (read /proc/sys on a live host).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from netwatch.hostaccess import Files

SYSCTL_DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)
DEV_NULL = "/dev/null"
_LINE_END = re.compile("\r\n|\r|\n|\0")
_STRIP = " \t\n\r"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Assignment:
    """One key's entry: its value (None for a ``-key`` exclusion) and the line it came from."""

    key: str
    value: str | None
    source: str

    @property
    def is_glob(self) -> bool:
        return not _GLOB_CHARS.isdisjoint(self.key)


def normalize_key(key: str) -> str:
    """``net.ipv4.conf.all.rp_filter`` -> ``net/ipv4/conf/all/rp_filter`` (sysctl_normalize)."""
    first = re.search("[./]", key)
    if first is not None and first.group() == ".":
        key = key.translate(str.maketrans("./", "/."))
    parts = [part for part in key.split("/") if part not in ("", ".")]
    return "/".join(parts)


def dotted(key: str) -> str:
    """The usual dotted spelling of a normalised key (``kernel.randomize_va_space``)."""
    return key.translate(str.maketrans("/.", "./"))


@dataclass(frozen=True)
class SysctlConfig:
    """Every entry systemd-sysctl would apply, in its order, and the files read."""

    entries: tuple[Assignment, ...]
    files: tuple[str, ...]
    problems: tuple[str, ...] = ()

    def effective(self, key: str) -> Assignment | None:
        """What boot leaves in ``key`` (any spelling): None when nothing sets it."""
        wanted = normalize_key(key)
        found = None
        for entry in self.entries:
            if entry.key == wanted:
                return None if entry.value is None else entry
            if entry.is_glob and entry.value is not None and _glob_matches(entry.key, wanted):
                found = entry
        return found


def _glob_matches(pattern: str, key: str) -> bool:
    patterns, parts = pattern.split("/"), key.split("/")
    return len(patterns) == len(parts) and all(
        fnmatchcase(part, glob) for part, glob in zip(parts, patterns, strict=True)
    )


def config_files(files: Files) -> list[str]:
    """The files systemd-sysctl reads, in the order it reads them."""
    chosen: dict[str, str] = {}
    for directory in SYSCTL_DIRS:
        for name in files.list_dir(directory):
            if name.endswith(".conf") and not name.startswith(".") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    return [chosen[name] for name in sorted(chosen, key=lambda n: n.encode())]


def _masked(files: Files, path: str) -> bool:
    try:
        return files.path(path) == files.path(DEV_NULL)
    except OSError:
        return False


def parse_sysctl(text: str, path: str, entries: dict[str, Assignment], problems: list[str]) -> None:
    """Add the assignments of one file to ``entries`` (in systemd-sysctl's order)."""
    for number, raw in enumerate(_LINE_END.split(text), start=1):
        line = raw.strip(_STRIP)
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        if key.startswith("-"):
            key = key[1:]
        elif not sep:
            problems.append(f"{path}:{number}: not an assignment, ignored: {line[:80]!r}")
            continue
        name = normalize_key(key.strip(_STRIP))
        new = Assignment(name, value.strip(_STRIP) if sep else None, f"{path}:{number}")
        existing = entries.get(name)
        if existing is not None:
            if existing.value == new.value:
                continue
            del entries[name]
        entries[name] = new


def load_sysctl(files: Files) -> SysctlConfig:
    """The sysctl configuration of the host ``files`` reads (an image or the running system)."""
    paths = config_files(files)
    entries: dict[str, Assignment] = {}
    problems: list[str] = []
    for path in paths:
        if _masked(files, path):
            continue
        text = files.read_text_or_none(path)
        if text is None:
            problems.append(f"{path}: unreadable, skipped")
            continue
        parse_sysctl(text, path, entries, problems)
    return SysctlConfig(tuple(entries.values()), tuple(paths), tuple(problems))
