"""Each host fact is produced once per posture run, however many checks evaluate it."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from typing import Any

import pytest

from netwatch.facts.host import HostFacts
from netwatch.facts.listening import SS_ARGV
from netwatch.hostaccess import CommandResult, FileReader, HostAccess
from netwatch.hostaccess.files import MAX_READ_BYTES
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.model import Status
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import POSTURE_FIXTURES, merged_recordings, recorded_host

FACT_FILES = (
    "/var/lib/dpkg/status",
    "/etc/os-release",
    "/etc/shadow",
    "/etc/sudoers",
    "/etc/pam.d/common-auth",  # password_policy and pam_nullok both read its stack
    "/etc/login.defs",  # password_policy, default_umask, home_permissions
)


class CountingFiles(FileReader):
    """The fixture tree, read for real, counting the reads of each path."""

    def __init__(self, root: Any) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()
        self._lock = threading.Lock()

    def read_text(self, system_path: str, limit: int = MAX_READ_BYTES) -> str:
        with self._lock:
            self.reads[system_path] += 1
        return super().read_text(system_path, limit)


class CountingCommands:
    """Recorded commands, counting each argv run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.runs: Counter[tuple[str, ...]] = Counter()
        self._lock = threading.Lock()

    def which(self, program: str) -> str | None:
        return self.inner.which(program)  # type: ignore[no-any-return]

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        with self._lock:
            self.runs[tuple(argv)] += 1
        return self.inner.run(argv, timeout)  # type: ignore[no-any-return]


class CountingRegistry(RecordedRegistry):
    """A registry recording, counting the reads of each key."""

    def __init__(self, keys: dict[str, dict[str, Any]]) -> None:
        super().__init__(keys)
        self.reads: Counter[str] = Counter()

    def values(self, key: str) -> dict[str, Any]:
        self.reads[key.lower()] += 1
        return super().values(key)


@pytest.mark.parametrize("host", ["linux-weak", "linux-hardened"])
def test_linux_facts_are_read_once_per_run(host: str) -> None:
    recorded = recorded_host(host)
    files = CountingFiles(POSTURE_FIXTURES / host)
    commands = CountingCommands(recorded.commands)
    access = dataclasses.replace(recorded, files=files, commands=commands)
    results = run_policy(load_policy(None), access, platform="linux")
    assert len(results) >= 15 and not [r for r in results if r.status is Status.error]
    for path in FACT_FILES:
        assert files.reads[path] == 1, f"{path} read {files.reads[path]} times"
    assert commands.runs[SS_ARGV] == 1, "ss runs once for every listening-socket check"


def test_windows_registry_keys_are_read_once_per_run() -> None:
    recorded = recorded_host("windows-weak")
    registry = CountingRegistry(merged_recordings("windows-weak", "registry"))
    commands = CountingCommands(recorded.commands)
    access = HostAccess(files=recorded.files, commands=commands, registry=registry, live=True)
    results = run_policy(load_policy(None), access, platform="windows")
    assert len(results) >= 15
    assert registry.reads and max(registry.reads.values()) == 1, registry.reads.most_common(3)
    batches = [argv for argv in commands.runs if argv[0].endswith("powershell.exe")]
    assert [commands.runs[argv] for argv in batches] == [1]


def test_a_unit_state_is_decided_once_per_run() -> None:
    files = CountingFiles(POSTURE_FIXTURES / "linux-hardened")
    facts = HostFacts(HostAccess(files=files, registry=None, live=False))
    ssh = facts.unit("ssh.service")
    assert facts.unit("ssh.service") is ssh
    assert ssh.state == "enabled"
    assert ssh.evidence == (
        "/etc/systemd/system/multi-user.target.wants/ssh.service",
        "/etc/systemd/system/sshd.service",
    )
    assert files.reads["/lib/systemd/system/ssh.service"] == 1
