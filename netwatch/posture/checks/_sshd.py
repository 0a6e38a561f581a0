"""What the SSH checks judge: whether sshd is installed, its OpenSSH version and the
configuration as that version reads it (:mod:`netwatch.posture.parsers.sshd`)."""

from __future__ import annotations

import re

from netwatch.hostaccess import Files
from netwatch.posture.checks._apt import dpkg_packages
from netwatch.posture.parsers.sshd import DEFAULT_VERSION, SshdConfig, load_sshd_config

SSHD_PROGRAMS = ("/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd")
_VERSION = re.compile(r"^(?:\d+:)?(\d+)\.(\d+)")


def sshd_installed(files: Files) -> bool:
    """True when the sshd program is present under the root."""
    return any(files.exists(path) for path in SSHD_PROGRAMS)


def openssh_version(files: Files) -> tuple[int, int] | None:
    """OpenSSH's version from the installed openssh-server package, None when unknown."""
    package = (dpkg_packages(files) or {}).get("openssh-server")
    if package is None or not package.installed:
        return None
    found = _VERSION.match(package.version)
    return (int(found.group(1)), int(found.group(2))) if found else None


def read_sshd(files: Files) -> tuple[SshdConfig | None, str]:
    """The configuration as the installed sshd reads it, and which semantics were used."""
    version = openssh_version(files)
    used = version or DEFAULT_VERSION
    how = f"OpenSSH {used[0]}.{used[1]}" + ("" if version else " semantics (version unknown)")
    return load_sshd_config(files, used), how
