"""Recorded posture hosts with one input replaced, and the rules every check outcome obeys.

A fuzz test takes a recorded host (``tests/fixtures/posture``), replaces one file,
one command's output, one PowerShell answer or one registry key with hostile input,
and runs the checks that read it. :func:`inputs_read` finds which checks read what,
by running them once on the recorded host with tracing host access.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.files import MAX_READ_BYTES
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.i18n import LANGUAGES, Message, render
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Check, Outcome, Status
from netwatch.posture.registry import all_checks
from tests.helpers.posture_hosts import merged_recordings, recorded_host
from tests.helpers.recorded import RecordedCommands

LINUX_HOSTS = ("linux-weak", "linux-hardened")
WINDOWS_HOSTS = ("windows-weak", "windows-hardened", "windows-weak-vi")
NOW = 1_718_852_400.0  # 2024-06-20, the day the Windows hosts were recorded


class OverlayFiles:
    """A host's files with some replaced in memory (``None``: the file is missing)."""

    def __init__(self, base: FileReader, overlay: dict[str, str | None]) -> None:
        self._base = base
        self._overlay = overlay
        self.read: list[str] = []

    @property
    def root(self) -> str:
        return self._base.root

    def path(self, system_path: str) -> Path:
        return self._base.path(system_path)

    def exists(self, system_path: str) -> bool:
        if system_path in self._overlay:
            return self._overlay[system_path] is not None
        return self._base.exists(system_path)

    def read_text(self, system_path: str, limit: int = MAX_READ_BYTES) -> str:
        self.read.append(system_path)
        if system_path in self._overlay:
            text = self._overlay[system_path]
            if text is None:
                raise FileNotFoundError(2, "No such file or directory", system_path)
            return text
        return self._base.read_text(system_path, limit)

    def read_text_or_none(self, system_path: str) -> str | None:
        try:
            return self.read_text(system_path)
        except OSError:
            return None

    def stat(self, system_path: str) -> os.stat_result:
        return self._base.stat(system_path)

    def walk_files(self, system_path: str, limit: int) -> Iterator[tuple[str, os.stat_result]]:
        return self._base.walk_files(system_path, limit)

    def list_dir(self, system_path: str) -> Iterator[str]:
        names = set(self._base.list_dir(system_path))
        prefix = system_path.rstrip("/") + "/"
        for path, text in self._overlay.items():
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                if text is None:
                    names.discard(path[len(prefix) :])
                else:
                    names.add(path[len(prefix) :])
        yield from sorted(names)


class TracingRegistry(RecordedRegistry):
    """A recorded registry that remembers which keys were read."""

    def __init__(self, keys: dict[str, dict[str, Any]]) -> None:
        super().__init__(keys)
        self.read: list[str] = []

    def values(self, key: str) -> dict[str, Any]:
        self.read.append(key)
        return super().values(key)

    def subkeys(self, key: str) -> list[str]:
        self.read.append(key)
        return super().subkeys(key)


@dataclass
class Host:
    """A recorded host whose files, commands or registry can be changed for one run."""

    name: str
    files: dict[str, str | None] = field(default_factory=dict)
    commands: dict[str, dict[str, object]] = field(default_factory=dict)
    registry: dict[str, dict[str, Any]] = field(default_factory=dict)
    live: bool = True

    def access(self) -> HostAccess:
        base, keys = _recorded(self.name)
        recorded = base.commands.recordings  # type: ignore[attr-defined]
        return HostAccess(
            files=OverlayFiles(base.files, self.files),  # type: ignore[arg-type]
            commands=RecordedCommands({**recorded, **self.commands} if self.live else {}),
            registry=TracingRegistry({**keys, **self.registry}) if keys else None,
            live=self.live,
        )

    def with_file(self, path: str, text: str | None) -> Host:
        return replace(self, files={**self.files, path: text})

    def with_output(self, argv: str, stdout: str, returncode: int = 0, stderr: str = "") -> Host:
        entry = {"returncode": returncode, "stdout": stdout, "stderr": stderr}
        return replace(self, commands={**self.commands, argv: entry})


@functools.cache
def _recorded(name: str) -> tuple[HostAccess, dict[str, dict[str, Any]]]:
    """A recorded host (read once) and its registry keys as recorded."""
    keys: dict[str, dict[str, Any]] = merged_recordings(name, "registry")
    return recorded_host(name), keys


def platform_of(check: Check) -> str:
    return check.meta.platforms[0]


def run_check(check: Check, access: HostAccess) -> Outcome:
    """Run the check function itself (not the runner): an exception here is a bug."""
    model = check.meta.params_model
    params = model() if model is not None else None
    return check.run(CheckContext(access, platform_of(check), params, NOW))


def assert_sound(outcome: Outcome, check: Check) -> None:
    """The rules every outcome obeys, whatever the input."""
    assert isinstance(outcome, Outcome), f"{check.meta.id} returned {outcome!r}"
    assert outcome.status in Status
    if outcome.status in (Status.error, Status.not_applicable):
        assert str(outcome.reason).strip(), (
            f"{check.meta.id}: {outcome.status.value} without reason"
        )
    texts = [outcome.reason]
    for evidence in outcome.evidence:
        texts += [evidence.source, evidence.observed, evidence.expected]
    for text in texts:
        assert isinstance(text, (str, Message))
        for lang in LANGUAGES:  # a message renders in every language
            # a lone surrogate would break every report and the exposition
            render(text, lang).encode("utf-8")


def checks_for(platform: str) -> list[Check]:
    return [c for c in all_checks() if platform in c.meta.platforms]


@dataclass(frozen=True)
class Reads:
    """What one check read on one recorded host."""

    check: Check
    host: str
    live: bool
    files: tuple[str, ...]
    commands: tuple[str, ...]
    registry: tuple[str, ...]


def inputs_read(hosts: tuple[str, ...], platform: str) -> list[Reads]:
    """Run every check of ``platform`` on each host (live and offline) and trace its reads."""
    found = []
    for name in hosts:
        for live in (True, False):
            for check in checks_for(platform):
                access = Host(name, live=live).access()
                commands = access.commands
                assert isinstance(commands, RecordedCommands)
                run_check(check, access)
                registry = access.registry
                found.append(
                    Reads(
                        check,
                        name,
                        live,
                        tuple(dict.fromkeys(access.files.read)),  # type: ignore[attr-defined]
                        tuple(" ".join(c) for c in commands.calls),
                        tuple(registry.read) if isinstance(registry, TracingRegistry) else (),
                    )
                )
    return found


def recorded_stdout(host: str, argv: str) -> str:
    """A command's recorded standard output on ``host`` ("" when not recorded)."""
    recordings = recorded_host(host).commands.recordings  # type: ignore[attr-defined]
    return str(recordings.get(argv, {}).get("stdout", ""))
