"""Recorded hosts for posture tests: a fixture file tree plus recorded commands and registry.

``tests/fixtures/posture/<host>/`` is the host's file system (Linux) and
``tests/fixtures/posture/<host>.<pack>.commands.json`` hold the recorded output
of the commands each check pack runs; all of them are merged. Windows hosts
have ``<host>.<pack>.registry.json`` recordings, merged the same way, and
``<host>.windows.powershell.json``, the answers of the PowerShell batch.
"""

from __future__ import annotations

import json
from pathlib import Path

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from tests.helpers.powershell import batch_recording, load_parts
from tests.helpers.recorded import RecordedCommands

POSTURE_FIXTURES = Path(__file__).parents[1] / "fixtures" / "posture"


def merged_recordings(host: str, suffix: str) -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for path in sorted(POSTURE_FIXTURES.glob(f"{host}.*.{suffix}.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged and merged[key] != value:
                raise ValueError(f"{path.name}: {key!r} recorded differently in another file")
            merged[key] = value
    return merged


def recorded_host(host: str) -> HostAccess:
    """A host as the checks see it when running live on it."""
    root = POSTURE_FIXTURES / host
    registry_data = merged_recordings(host, "registry")
    commands = merged_recordings(host, "commands")
    powershell = POSTURE_FIXTURES / f"{host}.windows.powershell.json"
    if powershell.exists():
        commands.update(batch_recording(load_parts(powershell)))
    return HostAccess(
        files=FileReader(root if root.is_dir() else POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(commands),  # type: ignore[arg-type]
        registry=RecordedRegistry(registry_data) if registry_data else None,
        live=True,
    )


def offline_image(host: str) -> HostAccess:
    """The host's file tree audited as a mounted disk (``--root``): no live state.

    Commands are real (``stat``, ``find`` on the fixture tree), as in a real
    ``--root`` audit; they describe the tree, never the machine's own state.
    """
    return HostAccess(files=FileReader(POSTURE_FIXTURES / host), registry=None, live=False)
