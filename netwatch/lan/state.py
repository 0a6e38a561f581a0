"""The persisted LAN state: devices by MAC, MAC history by IP, last sweep, event counters.

Stored as JSON with a schema version and replaced atomically on every save, so
a crash leaves the previous state intact. A file that cannot be read back (not
UTF-8, truncated, nested too deeply, lone surrogates, wrong types, unreadable)
is moved aside (``<name>.corrupt-<time>``), logged once, and a fresh state
starts. :class:`StateStore` keeps a long-running collector's state in memory
so that a failing save is logged and retried, never fatal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from netwatch.core.paths import state_file
from netwatch.core.statefile import StateKind, StateStore
from netwatch.lan.model import EventKind, SweepMethod

log = logging.getLogger("netwatch.lan")

SCHEMA_VERSION: Final = 1


def default_state_file() -> str:
    """Where the device registry is kept unless the config says otherwise."""
    return state_file("lan-state.json")


EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
MAX_STATE_BYTES = 16 * 1024 * 1024


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DeviceRecord(_Record):
    """A MAC address remembered across sweeps."""

    first_seen: float
    last_seen: float
    ips: list[str] = Field(default_factory=list, description="IPs at the last sighting.")
    gone: bool = False


class IpRecord(_Record):
    """The MAC addresses an IP has had, most recent first (arpwatch's ethernet list)."""

    macs: list[str]
    last_seen: float
    changed_at: float


class SweepSummary(_Record):
    """The latest completed sweep."""

    started_at: float
    duration: float
    method: SweepMethod
    subnets: list[str]
    interfaces: list[str]
    hosts: int
    notes: list[str] = Field(default_factory=list)


def _zero_counters() -> dict[EventKind, int]:
    return dict.fromkeys(EVENT_KINDS, 0)


class LanState(_Record):
    """Everything the registry remembers between sweeps and restarts."""

    schema_version: Literal[1] = SCHEMA_VERSION
    devices: dict[str, DeviceRecord] = Field(default_factory=dict)
    ips: dict[str, IpRecord] = Field(default_factory=dict)
    conflicts: dict[str, list[str]] = Field(
        default_factory=dict, description="IPs answered by several MACs in the latest sweep."
    )
    events_total: dict[EventKind, int] = Field(default_factory=_zero_counters)
    last_sweep: SweepSummary | None = None


LAN_STATE = StateKind(
    model=LanState,
    version=SCHEMA_VERSION,
    max_bytes=MAX_STATE_BYTES,
    name="LAN state file",
    afresh="devices will be reported as new once",
    until="the next sweep",
    logger=log.name,
)


def load_state(path: Path) -> LanState:
    """The state in ``path``; a fresh one when it is missing or unreadable (moved aside,
    never deleted, with one warning). Errors reading the file (e.g. permissions) are raised."""
    return LAN_STATE.load(path)


def state_bytes(state: LanState) -> bytes:
    """The file content for ``state``; ValueError when JSON or UTF-8 cannot encode it."""
    return LAN_STATE.encode(state)


def save_state(state: LanState, path: Path) -> None:
    """Write ``state`` to ``path`` atomically (readable by its owner only)."""
    LAN_STATE.save(state, path)


def state_store(path: Path) -> StateStore[LanState]:
    """The LAN collector's state, kept across sweeps (netwatch.core.statefile)."""
    return StateStore(LAN_STATE, path)
