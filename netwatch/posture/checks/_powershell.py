"""One ``powershell.exe`` launch per posture run, answering every query the checks need.

Each launch costs 0.3-1.5 s and tens of MB on an office PC, so the checks do not
start PowerShell themselves. They declare their pipelines with
:func:`powershell_query` at import time; the first check that needs an answer
runs all of them in one batch, and the answers are shared for the rest of the run
(:class:`netwatch.posture.context.RunFacts`).

The batch prints one JSON object: for each query ``{"out": "<ConvertTo-Json text>"}``
or ``{"error": "<exception message>"}``, so one failing cmdlet (Defender removed,
no SecurityCenter2 on Windows Server) never hides the others. PowerShell that
prints nothing (a stub, AppLocker, a crash) or prints something else is an error
for every check that needs it, never a pass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from netwatch.hostaccess.commands import Commands
from netwatch.hostaccess.jsontext import load_json, valid_text
from netwatch.i18n import Message, msg

# Windows PowerShell 5.1 ships with every supported Windows. The full path, not a PATH
# search: a service's working directory or the application directory could hold a
# planted powershell.exe, and Windows looks there first.
_POWERSHELL_RELATIVE = ("System32", "WindowsPowerShell", "v1.0", "powershell.exe")
BATCH_TIMEOUT = 40.0
# Checks that read the batch wait for it: their own limit must leave it time to finish.
POWERSHELL_CHECK_TIMEOUT = BATCH_TIMEOUT + 5.0
BLOCKED_HINT = msg(
    "PowerShell printed nothing: it may be blocked (AppLocker, constrained language mode, "
    "execution policy) or not a real PowerShell"
)
# stdout of a redirected powershell.exe uses the OEM code page, which cannot carry
# Vietnamese; switch it to UTF-8 (no BOM). Constrained language mode refuses the .NET
# call, so it must not stop the batch.
_PROLOGUE = (
    "$ErrorActionPreference = 'Stop'; "
    "try { [Console]::OutputEncoding = [Text.UTF8Encoding]::new($false) } catch { }; "
    "$netwatch = [ordered]@{}; "
)
_EPILOGUE = "$netwatch | ConvertTo-Json -Depth 3 -Compress"


@dataclass(frozen=True)
class PowerShellQuery:
    """A read-only pipeline whose objects a check decides from."""

    name: str
    script: str
    label: str


_QUERIES: dict[str, PowerShellQuery] = {}


def powershell_query(name: str, script: str, label: str) -> PowerShellQuery:
    """Declare a pipeline for the batch; ``label`` names it in error messages."""
    query = PowerShellQuery(name, script, label)
    known = _QUERIES.setdefault(name, query)
    if known != query:
        raise ValueError(f"PowerShell query {name!r} declared twice with different scripts")
    return query


def declared_queries() -> list[PowerShellQuery]:
    """Every declared query, in batch order."""
    return [_QUERIES[name] for name in sorted(_QUERIES)]


def powershell_path() -> str:
    """``%SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe``."""
    system_root = os.environ.get("SYSTEMROOT") or "C:\\Windows"
    return "\\".join((system_root.rstrip("\\"), *_POWERSHELL_RELATIVE))


def batch_script(queries: list[PowerShellQuery]) -> str:
    """The PowerShell text running ``queries``, each in its own try/catch."""
    parts = [_PROLOGUE]
    for query in queries:
        parts.append(
            f"try {{ $netwatch['{query.name}'] = @{{ out = (& {{ {query.script} }} | "
            f"ConvertTo-Json -Depth 4 -Compress) }} }} catch {{ $netwatch['{query.name}'] = "
            "@{ error = $_.Exception.Message } }; "
        )
    parts.append(_EPILOGUE)
    return "".join(parts)


def batch_argv() -> list[str]:
    """The fixed argv of one batch of every declared query."""
    return [
        powershell_path(),
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        batch_script(declared_queries()),
    ]


class PowerShellError(Exception):
    """The batch did not give an answer a check can decide from; the message says why."""

    def __init__(self, message: str | Message, observed: str | Message = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.observed = observed


@dataclass(frozen=True)
class BatchAnswer:
    """The parsed answer of one batch: each query's JSON text or its error message."""

    parts: dict[str, dict[str, Any]]

    def output_of(self, query: PowerShellQuery) -> str | None:
        """The query's ``ConvertTo-Json`` text (None: it returned no objects).

        Raises :class:`PowerShellError` when the query failed or was not answered.
        """
        part = self.parts.get(query.name)
        if not isinstance(part, dict):
            raise PowerShellError(msg("PowerShell did not answer {query}", query=query.label))
        if "error" in part:
            message = " ".join(str(part["error"]).split())
            raise PowerShellError(
                msg("{query} failed: {message}", query=query.label, message=message), message
            )
        out = part.get("out")
        if out is not None and not isinstance(out, str):
            raise PowerShellError(
                msg("{query}: unexpected answer {answer}", query=query.label, answer=repr(out))
            )
        return out


def run_batch(commands: Commands, timeout: float = BATCH_TIMEOUT) -> BatchAnswer:
    """Launch PowerShell once for every declared query.

    Raises :class:`netwatch.hostaccess.commands.CommandError` when it cannot start or
    is too slow, and :class:`PowerShellError` when it fails or prints no batch answer.
    """
    result = commands.run(batch_argv(), timeout=timeout)
    stdout = result.stdout.lstrip("\ufeff").strip()
    if result.returncode != 0:
        detail = first_line(result.stderr) or first_line(stdout)
        failure = msg("PowerShell failed with exit code {code}", code=result.returncode)
        raise PowerShellError(
            msg("{failure}: {detail}", failure=failure, detail=detail) if detail else failure,
            msg("exit code {code}", code=result.returncode),
        )
    if not stdout:
        raise PowerShellError(BLOCKED_HINT, msg("no output"))
    try:
        answer = load_json(stdout)
    except ValueError as exc:
        raise PowerShellError(
            msg("PowerShell output is not JSON ({detail})", detail=str(exc)),
            valid_text(first_line(stdout)[:200]),
        ) from None
    if not isinstance(answer, dict):
        raise PowerShellError(
            msg("PowerShell output is not the batch answer"), first_line(stdout)[:200]
        )
    return BatchAnswer(answer)


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
