"""The facts of one host for one run, each produced at most once (thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from netwatch.facts.accounts import (
    GROUP,
    PASSWD,
    SHADOW,
    GroupEntry,
    PasswdEntry,
    ShadowEntry,
    parse_group,
    parse_passwd,
    parse_shadow,
)
from netwatch.facts.files import read_optional
from netwatch.facts.listening import Listener, read_listeners
from netwatch.facts.os_release import OsRelease, read_os_release
from netwatch.facts.packages import (
    DPKG_STATUS,
    DpkgStatus,
    Package,
    parse_dpkg_status,
    query_rpm,
    windows_programs,
)
from netwatch.facts.registry import RegistryView
from netwatch.facts.sshd import Sshd, read_sshd
from netwatch.hostaccess import HostAccess
from netwatch.posture.checks._powershell import BatchAnswer, run_batch
from netwatch.posture.parsers.logindefs import LOGIN_DEFS, LoginDefs, parse_login_defs
from netwatch.posture.parsers.pam import PamConfig, load_pam_config
from netwatch.posture.parsers.sudoers import Sudoers, load_sudoers, sudo_hostname
from netwatch.posture.parsers.systemd import UnitState, unit_state

T = TypeVar("T")

MACHINE_ID = "/etc/machine-id"
PACKAGE_TIMEOUT = 60.0


class HostFacts:
    """Typed facts of the host one :class:`HostAccess` looks at, memoised for a run.

    The first request produces a fact; later ones, from any thread, get the same
    object. A fact that failed to be produced raises the same exception to every
    asker. Reads go through ``access`` only (under ``--root``, confined to the image).
    """

    def __init__(self, access: HostAccess, *, package_timeout: float = PACKAGE_TIMEOUT) -> None:
        self._access = access
        self._package_timeout = package_timeout
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, tuple[bool, Any]] = {}

    @property
    def access(self) -> HostAccess:
        """How the facts are read."""
        return self._access

    def get(self, key: str, produce: Callable[[], T]) -> T:
        """The fact ``key`` (one with no property here, e.g. an extension's), produced once."""
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._done:
                try:
                    self._done[key] = (True, produce())
                except Exception as exc:  # noqa: BLE001 - replayed to every asker
                    self._done[key] = (False, exc)
            ok, value = self._done[key]
        if not ok:
            raise value
        return cast(T, value)  # facts of all types share one cache

    # --- Linux files -----------------------------------------------------------------

    @property
    def os_release(self) -> OsRelease | None:
        """/etc/os-release (else /usr/lib/os-release); None when neither exists."""
        return self.get("os_release", lambda: read_os_release(self.access.files))

    @property
    def machine_id(self) -> str:
        """/etc/machine-id, empty when missing."""
        read = self.access.files.read_text_or_none
        return self.get("machine_id", lambda: (read(MACHINE_ID) or "").strip())

    @property
    def dpkg(self) -> DpkgStatus | None:
        """Every stanza of dpkg's status file; None when the file is absent."""
        return self.get("dpkg", self._read_dpkg)

    def _read_dpkg(self) -> DpkgStatus | None:
        text = self.access.files.read_text_or_none(DPKG_STATUS)
        return None if text is None else parse_dpkg_status(text)

    @property
    def rpm(self) -> tuple[Package, ...]:
        """The rpm database's packages (none without one); raises PackageQueryError."""
        return self.get("rpm", lambda: tuple(query_rpm(self.access, self._package_timeout)))

    @property
    def packages(self) -> tuple[Package, ...]:
        """Installed software: the Windows programs, or dpkg's installed packages and rpm's."""
        return self.get("packages", self._installed)

    def _installed(self) -> tuple[Package, ...]:
        if self.access.registry is not None:
            return self.windows_programs
        dpkg = self.dpkg.installed() if self.dpkg is not None else []
        return tuple(sorted([*dpkg, *self.rpm], key=lambda p: (p.manager, p.name)))

    @property
    def users(self) -> tuple[PasswdEntry, ...] | None:
        """/etc/passwd's accounts; None when missing, UnreadableFile when unreadable."""
        return self.get("users", lambda: self._table(PASSWD, parse_passwd))

    @property
    def groups(self) -> tuple[GroupEntry, ...] | None:
        """/etc/group's groups; None when missing, UnreadableFile when unreadable."""
        return self.get("groups", lambda: self._table(GROUP, parse_group))

    @property
    def shadow(self) -> tuple[ShadowEntry, ...] | None:
        """/etc/shadow's accounts; None when missing, UnreadableFile when unreadable."""
        return self.get("shadow", lambda: self._table(SHADOW, parse_shadow))

    def _table(self, path: str, parse: Callable[[str], list[T]]) -> tuple[T, ...] | None:
        text = read_optional(self.access.files, path)
        return None if text is None else tuple(parse(text))

    @property
    def login_defs(self) -> LoginDefs | None:
        """/etc/login.defs as shadow-utils reads it; None when missing, UnreadableFile when
        unreadable."""
        return self.get("login_defs", self._read_login_defs)

    def _read_login_defs(self) -> LoginDefs | None:
        text = read_optional(self.access.files, LOGIN_DEFS)
        return None if text is None else parse_login_defs(text, LOGIN_DEFS)

    @property
    def sshd(self) -> Sshd:
        """The SSH server: installed, version, configuration as that version reads it."""
        return self.get("sshd", lambda: read_sshd(self.access.files, lambda: self.dpkg))

    def pam(self, service: str) -> PamConfig:
        """Every rule libpam loads for ``service`` (its file, includes and ``other``)."""
        return self.get(f"pam:{service}", lambda: load_pam_config(self.access.files, service))

    @property
    def sudoers(self) -> Sudoers:
        """The policy sudo reads from /etc/sudoers and its includes."""
        files = self.access.files
        return self.get("sudoers", lambda: load_sudoers(files, sudo_hostname(files)))

    def unit(self, name: str) -> UnitState:
        """What ``systemctl is-enabled name`` says of the host's unit files, and why."""
        return self.get(f"unit:{name}", lambda: unit_state(self.access.files, name))

    # --- the running system ----------------------------------------------------------

    @property
    def listening(self) -> tuple[Listener, ...]:
        """Listening sockets of the live host (``ss``); raises ListeningError."""
        return self.get("listening", lambda: tuple(read_listeners(self.access.commands)))

    # --- Windows ---------------------------------------------------------------------

    @property
    def registry(self) -> RegistryView | None:
        """The registry, each key read once; None where there is none."""
        reader = self.access.registry
        if reader is None:
            return None
        return self.get("registry", lambda: RegistryView(reader))

    @property
    def windows_programs(self) -> tuple[Package, ...]:
        """Programs in Add/Remove Programs; none without a registry."""
        registry = self.registry
        return self.get(
            "windows_programs", lambda: tuple(windows_programs(registry) if registry else [])
        )

    @property
    def powershell(self) -> BatchAnswer:
        """The answers of the one PowerShell batch of every declared query.

        Raises CommandError when PowerShell cannot run, PowerShellError when it gives
        no batch answer.
        """
        return self.get("powershell", lambda: run_batch(self.access.commands))


def host_facts(
    source: HostAccess | HostFacts, *, package_timeout: float = PACKAGE_TIMEOUT
) -> HostFacts:
    """``source`` itself, or new facts of the host it reads."""
    if isinstance(source, HostFacts):
        return source
    return HostFacts(source, package_timeout=package_timeout)
