"""Build the Debian root that tests/packaging/test_deb.py installs the .deb into.

    .venv/bin/python -m tests.packaging.testroot     # prints the root's folder last

A minimal Debian of this host's release (``debootstrap --variant=minbase``, from the
mirror apt is configured with) plus adduser, the package's one dependency: no
container, no Python. Built before pytest, because the tests run without a network,
and cached under ``NETWATCH_PACKAGING_CACHE`` (default ``~/.cache/netwatch-packaging``)
keyed by release, mirror and this file. Tests copy it and never change the cached one.

Exit 0 with the folder printed; exit 3 with one line saying why it cannot be built.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_MIRROR = "http://deb.debian.org/debian"
INCLUDE = ("adduser",)
BUILD_TIMEOUT = 900
# apt's indexes and downloaded archives: not needed to run dpkg, and half the size.
LEFT_OUT = ("var/cache/apt", "var/lib/apt/lists")


class RootError(Exception):
    """The root cannot be built here; the message says why."""


def codename() -> str:
    """This host's Debian release name (``VERSION_CODENAME`` of /etc/os-release)."""
    text = Path("/etc/os-release").read_text(encoding="utf-8")
    found = re.search(r"^VERSION_CODENAME=\"?([a-z]+)\"?$", text, re.MULTILINE)
    if found is None:
        raise RootError("/etc/os-release names no VERSION_CODENAME: not a Debian release")
    return found.group(1)


def mirror(sources: Path = Path("/etc/apt")) -> str:
    """The first Debian archive (not -security) in apt's sources, else deb.debian.org."""
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    pattern = re.compile(r"(?:^deb\s+(?:\[[^\]]*\]\s+)?|^URIs:\s*)(\S+/debian)/?\s", re.MULTILINE)
    for file in files:
        if file.is_file():
            found = pattern.search(file.read_text(encoding="utf-8", errors="replace") + "\n")
            if found:
                return found.group(1)
    return DEFAULT_MIRROR


def default_cache() -> Path:
    """``NETWATCH_PACKAGING_CACHE`` or ``~/.cache/netwatch-packaging``."""
    configured = os.environ.get("NETWATCH_PACKAGING_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "netwatch-packaging"


def build(
    cache: Path,
    name: str = "testroot",
    include: tuple[str, ...] = INCLUDE,
    release: str | None = None,
) -> Path:
    """The root folder ``name`` with the packages ``include`` of Debian ``release`` (this
    host's by default), built or taken from the cache."""
    if os.geteuid() != 0:
        raise RootError("debootstrap needs root")
    if shutil.which("debootstrap") is None:
        raise RootError("debootstrap is not installed (Debian: debootstrap)")
    release, archive = release or codename(), mirror()
    key = hashlib.sha256(
        "\n".join([release, archive, *include]).encode() + Path(__file__).read_bytes()
    ).hexdigest()[:16]
    target = cache / f"{name}-{key}"
    root = target / "root"
    if (target / "ready").exists():
        return root
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    argv = ["debootstrap", "--variant=minbase", f"--include={','.join(include)}",
            release, str(root), archive]  # fmt: skip
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=BUILD_TIMEOUT)  # noqa: S603
    except subprocess.CalledProcessError as exc:
        tail = (exc.stdout + exc.stderr).strip().splitlines()[-3:]
        raise RootError(f"debootstrap {release} {archive} failed: {' | '.join(tail)}") from exc
    for part in LEFT_OUT:
        shutil.rmtree(root / part)
        (root / part).mkdir()
    (target / "ready").write_text(f"{release} {archive}\n")
    for old in cache.glob(f"{name}-*"):
        if old != target and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return root


def main() -> int:
    try:
        root = build(default_cache())
    except (RootError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Debian test root unavailable: {exc}", file=sys.stderr)
        return 3
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
