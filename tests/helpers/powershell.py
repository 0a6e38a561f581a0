"""Recorded PowerShell answers, replayed as netwatch's one batch launch.

A host's recording (``<host>.windows.powershell.json``) holds, per query name, what
the batch prints for it: ``{"out": "<ConvertTo-Json text>"}`` or ``{"error": "..."}``.
The same answers feed :class:`tests.helpers.recorded.RecordedCommands` on Linux and
the stand-in ``powershell.exe`` of the Windows lab.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netwatch.posture.checks._powershell import batch_argv, declared_queries
from netwatch.posture.registry import all_checks

all_checks()  # importing the check packs declares every PowerShell query
import netwatch.assets.windows  # noqa: E402, F401 (and the hardware's: the batch is whole)

Parts = dict[str, dict[str, Any]]


def query_name(script: str) -> str:
    """The name under which the batch answers ``script``."""
    for query in declared_queries():
        if query.script == script:
            return query.name
    raise KeyError(f"no PowerShell query runs {script!r}")


def batch_stdout(parts: Parts) -> str:
    """What the batch prints for these answers (ConvertTo-Json -Compress, CRLF)."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":")) + "\r\n"


def batch_recording(parts: Parts, returncode: int = 0, stderr: str = "") -> dict[str, Any]:
    """A :class:`RecordedCommands` entry answering the batch."""
    return {
        " ".join(batch_argv()): {
            "returncode": returncode,
            "stdout": batch_stdout(parts) if parts else "",
            "stderr": stderr,
        }
    }


def load_parts(path: Path) -> Parts:
    """A host's recorded answers."""
    parts: Parts = json.loads(path.read_text(encoding="utf-8"))
    return parts
