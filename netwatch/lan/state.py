"""The persisted LAN state: devices by MAC, MAC history by IP, last sweep, event counters.

Stored as JSON with a schema version and replaced atomically on every save, so
a crash leaves the previous state intact. A file that cannot be read back is
moved aside (``<name>.corrupt-<time>``), logged once, and a fresh state starts.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netwatch.lan.atomic import atomic_write
from netwatch.lan.model import EventKind, SweepMethod

log = logging.getLogger("netwatch.lan")

SCHEMA_VERSION: Final = 1
DEFAULT_STATE_FILE = "/var/lib/netwatch/lan-state.json"
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
MAX_STATE_BYTES = 16 * 1024 * 1024


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def _parse(raw: bytes) -> LanState | str:
    """The state in ``raw``, or why it is not a state this version can use."""
    if len(raw) > MAX_STATE_BYTES:
        return f"larger than {MAX_STATE_BYTES // (1024 * 1024)} MiB"
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not valid JSON: {exc}"
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        return f"schema_version {version!r} is not {SCHEMA_VERSION}"
    try:
        return LanState.model_validate(data)
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


def load_state(path: Path) -> LanState:
    """The state in ``path``; a fresh one when it is missing or unreadable.

    An unreadable file is moved aside, never deleted, and one warning says
    where it went. Errors reading the file (e.g. permissions) are raised.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LanState()
    parsed = _parse(raw)
    if isinstance(parsed, LanState):
        return parsed
    aside = _aside_path(path)
    os.replace(path, aside)
    log.warning(
        "LAN state file %s is unreadable (%s): moved it to %s and started a fresh state; "
        "devices will be reported as new once",
        path, parsed, aside,
    )  # fmt: skip
    return LanState()


def save_state(state: LanState, path: Path) -> None:
    """Write ``state`` to ``path`` atomically (readable by its owner only)."""
    atomic_write(path, state.model_dump_json().encode(), mode=0o600)
