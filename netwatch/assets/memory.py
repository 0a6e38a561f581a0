"""The agent's hardware memory: the remembered fingerprint, the changes seen, and who uses
the machine.

Kept in the agent's state directory as JSON with a schema version, replaced atomically on
every save (a crash leaves the previous file). A file that cannot be read back (not UTF-8,
not JSON, too large, another schema, wrong types) is moved aside
(``<name>.corrupt-<time>``, never deleted), logged once, and a fresh memory starts: the next
collection is its baseline. :class:`MemoryStore` keeps the memory of a long-running
collector, so that a failing save is logged and retried, never fatal.

Bounded: the latest :data:`MAX_HISTORY` changes, and :data:`MAX_USERS` users (the least
seen is forgotten first). User names stay in this file (owner-readable only), never in
metrics.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netwatch.assets.fingerprint import (
    ChangeKind,
    Component,
    HardwareChange,
    hardware_changes,
    remembered,
)
from netwatch.assets.model import Hardware, Usage
from netwatch.core.atomic import atomic_write
from netwatch.core.paths import state_file
from netwatch.times import utc_iso

log = logging.getLogger("netwatch.assets")

SCHEMA_VERSION: Final = 1


def default_memory_file() -> str:
    """Where the hardware memory is kept unless the config says otherwise."""
    return state_file("hardware-memory.json")


MAX_MEMORY_BYTES = 4 * 1024 * 1024
MAX_HISTORY = 200
MAX_USERS = 100


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ChangeEntry(_Record):
    """A change and the Unix time the collection that found it ran."""

    at: float
    change: HardwareChange


class UserRecord(_Record):
    """How often a user was seen signed in (one observation per collection)."""

    observations: int = Field(ge=0)
    first_seen: float
    last_seen: float


class HardwareMemory(_Record):
    """Everything the hardware collector remembers between runs and restarts."""

    schema_version: Literal[1] = SCHEMA_VERSION
    since: float | None = Field(None, description="Unix time of the first collection.")
    collected_at: float | None = Field(None, description="Unix time of the latest collection.")
    fingerprint: Hardware | None = None
    history: list[ChangeEntry] = Field(default_factory=list, description="Oldest first.")
    changes_total: dict[Component, dict[ChangeKind, int]] = Field(default_factory=dict)
    last_change_at: float | None = None
    users: dict[str, UserRecord] = Field(default_factory=dict)


def record_hardware(memory: HardwareMemory, hardware: Hardware, now: float) -> list[HardwareChange]:
    """Compare ``hardware`` with the remembered fingerprint, remember it and the changes.

    The first collection is the baseline: nothing has changed yet.
    """
    previous = memory.fingerprint
    changes = [] if previous is None else hardware_changes(previous, hardware)
    memory.fingerprint = remembered(previous, hardware)
    memory.since = memory.since if memory.since is not None else now
    memory.collected_at = now
    for change in changes:
        counts = memory.changes_total.setdefault(change.component, {})
        counts[change.change] = counts.get(change.change, 0) + 1
        memory.history.append(ChangeEntry(at=now, change=change))
    if changes:
        memory.last_change_at = now
        del memory.history[:-MAX_HISTORY]
    return changes


def record_users(memory: HardwareMemory, names: set[str], now: float) -> None:
    """Count one observation for each user signed in now (empty names are ignored)."""
    for name in sorted(n for n in names if n):
        seen = memory.users.get(name)
        if seen is None:
            memory.users[name] = UserRecord(observations=1, first_seen=now, last_seen=now)
        else:
            seen.observations += 1
            seen.last_seen = now
    while len(memory.users) > MAX_USERS:
        least = min(memory.users, key=lambda n: (memory.users[n].observations,
                                                 memory.users[n].last_seen))  # fmt: skip
        del memory.users[least]


def frequent_user(memory: HardwareMemory) -> str | None:
    """The user seen most often (ties: the one seen last); None before anyone was seen."""
    if not memory.users:
        return None
    return max(memory.users, key=lambda n: (memory.users[n].observations,
                                            memory.users[n].last_seen))  # fmt: skip


def usage(memory: HardwareMemory, last_user: str | None) -> Usage:
    """The inventory's ``usage``: the last user, the most frequent one, and since when."""
    since = utc_iso(memory.since) if memory.since is not None else None
    return Usage(last_user=last_user, frequent_user=frequent_user(memory), since=since)


# The file.


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parse(raw: bytes) -> HardwareMemory | str:
    """The memory in ``raw``, or why it is not one this version can use."""
    if len(raw) > MAX_MEMORY_BYTES:
        return f"larger than {MAX_MEMORY_BYTES // (1024 * 1024)} MiB"
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
    except RecursionError:
        return "not valid JSON: nested too deeply"
    except ValueError as exc:  # JSONDecodeError, NaN, integers too long to convert
        return f"not valid JSON: {exc}"
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"holds text that is not valid Unicode ({exc.reason})"
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        return f"schema_version {version!r} is not {SCHEMA_VERSION}"
    try:
        return HardwareMemory.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"


def _aside_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    return candidate


def _set_aside(path: Path, reason: str) -> HardwareMemory:
    """Move the unusable file aside (never delete it), say so once, and start afresh."""
    try:
        aside = _aside_path(path)
        os.replace(path, aside)
    except OSError as exc:
        log.warning(
            "hardware memory file %s is unreadable (%s) and cannot be moved aside (%s): "
            "started afresh; the next save replaces the file",
            path, reason, exc.strerror or exc,
        )  # fmt: skip
    else:
        log.warning(
            "hardware memory file %s is unreadable (%s): moved it to %s and started afresh; "
            "the next collection is the new baseline for hardware changes",
            path, reason, aside,
        )  # fmt: skip
    return HardwareMemory()


def load_memory(path: Path) -> HardwareMemory:
    """The memory in ``path``; a fresh one when it is missing or unreadable (moved aside).

    Errors reading the file (e.g. permissions) are raised.
    """
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return HardwareMemory()
    parsed = _parse(raw)
    return parsed if isinstance(parsed, HardwareMemory) else _set_aside(path, parsed)


def memory_bytes(memory: HardwareMemory) -> bytes:
    """The file content; ValueError when JSON or UTF-8 cannot encode it."""
    document = memory.model_dump()
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"the memory holds text that is not valid Unicode ({exc.reason})"
        ) from None
    except ValueError as exc:
        raise ValueError(f"the memory cannot be written as JSON ({exc})") from None


def save_memory(memory: HardwareMemory, path: Path) -> None:
    """Write ``memory`` to ``path`` atomically (a crash leaves the old file or the new one),
    readable by its owner only. OSError when the file cannot be written, ValueError when the
    memory cannot be encoded."""
    atomic_write(path, memory_bytes(memory), mode=0o600)


class MemoryStore:
    """A collector's hardware memory: read from its file once, kept, saved after each run.

    Nothing here raises: an unreadable file is moved aside and the memory starts afresh; a
    save that fails is logged once per reason and retried after the next run.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._memory: HardwareMemory | None = None
        self._save_problem: str | None = None

    def load(self) -> HardwareMemory:
        """The memory: read from the file on the first call, from memory after."""
        if self._memory is None:
            try:
                self._memory = load_memory(self.path)
            except OSError as exc:
                self._memory = _set_aside(self.path, f"cannot read it: {exc.strerror or exc}")
        return self._memory

    def save(self) -> bool:
        """Write the memory to its file; False (and one warning per reason) when that fails."""
        try:
            save_memory(self.load(), self.path)
        except (OSError, ValueError) as exc:
            problem = getattr(exc, "strerror", None) or str(exc)
            if problem != self._save_problem:
                log.warning(
                    "hardware memory file %s cannot be saved (%s): the memory is kept and "
                    "saved again after the next collection",
                    self.path, problem,
                )  # fmt: skip
            self._save_problem = problem
            return False
        if self._save_problem is not None:
            log.info("hardware memory file %s saved again", self.path)
        self._save_problem = None
        return True
