"""The SSH server: whether sshd is installed, its OpenSSH version (from dpkg) and the
configuration as that version reads it (:mod:`netwatch.posture.parsers.sshd`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from netwatch.facts.packages import DpkgStatus
from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg
from netwatch.posture.parsers.sshd import DEFAULT_VERSION, SshdConfig, load_sshd_config

SSHD_PROGRAMS = ("/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd")
_VERSION = re.compile(r"^(?:\d+:)?(\d+)\.(\d+)")


@dataclass(frozen=True)
class Sshd:
    """The SSH server of a host.

    ``config`` is None when sshd is not installed or its sshd_config is missing;
    ``semantics`` says which OpenSSH version's reading was used (empty when not installed).
    """

    installed: bool
    version: tuple[int, int] | None
    config: SshdConfig | None
    semantics: str | Message


def sshd_installed(files: Files) -> bool:
    """True when the sshd program is present under the root."""
    return any(files.exists(path) for path in SSHD_PROGRAMS)


def openssh_version(dpkg: DpkgStatus | None) -> tuple[int, int] | None:
    """OpenSSH's version from the installed openssh-server package, None when unknown."""
    package = dpkg.get("openssh-server") if dpkg is not None else None
    if package is None or not package.installed:
        return None
    found = _VERSION.match(package.version)
    return (int(found.group(1)), int(found.group(2))) if found else None


def read_sshd(files: Files, dpkg: Callable[[], DpkgStatus | None]) -> Sshd:
    """The SSH server under ``files``' root (``dpkg`` is asked only when sshd is there).

    Raises what :func:`load_sshd_config` and ``dpkg`` raise.
    """
    if not sshd_installed(files):
        return Sshd(False, None, None, "")
    version = openssh_version(dpkg())
    used = version or DEFAULT_VERSION
    read_as = f"OpenSSH {used[0]}.{used[1]}"
    semantics = (
        read_as if version else msg("{version} semantics (version unknown)", version=read_as)
    )
    return Sshd(True, version, load_sshd_config(files, used), semantics)
