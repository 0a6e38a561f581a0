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

import logging
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from netwatch.assets.fingerprint import (
    ChangeKind,
    Component,
    HardwareChange,
    hardware_changes,
    remembered,
)
from netwatch.assets.model import Hardware, Usage
from netwatch.core.paths import state_file
from netwatch.core.statefile import StateKind, StateStore
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

MEMORY = StateKind(
    model=HardwareMemory,
    version=SCHEMA_VERSION,
    max_bytes=MAX_MEMORY_BYTES,
    name="hardware memory file",
    afresh="the next collection is the new baseline for hardware changes",
    until="the next collection",
    logger=log.name,
)


def load_memory(path: Path) -> HardwareMemory:
    """The memory in ``path``; a fresh one when it is missing or unreadable (moved aside).
    Errors reading the file (e.g. permissions) are raised."""
    return MEMORY.load(path)


def memory_bytes(memory: HardwareMemory) -> bytes:
    """The file content; ValueError when JSON or UTF-8 cannot encode it."""
    return MEMORY.encode(memory)


def save_memory(memory: HardwareMemory, path: Path) -> None:
    """Write ``memory`` to ``path`` atomically, readable by its owner only."""
    MEMORY.save(memory, path)


def remembered_usage(path: Path, last_user: str | None) -> Usage | None:
    """What the agent's memory at ``path`` knows of who uses the machine, read only: None when
    there is no usable memory (the file is the agent's; it is never moved aside from here)."""
    try:
        parsed = MEMORY.parse(path.read_bytes())
    except OSError:
        return None
    if not isinstance(parsed, HardwareMemory) or not parsed.users:
        return None
    return usage(parsed, last_user)


def memory_store(path: Path) -> StateStore[HardwareMemory]:
    """The hardware collector's memory, kept across collections (netwatch.core.statefile)."""
    return StateStore(MEMORY, path)
