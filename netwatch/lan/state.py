"""The persisted LAN state: devices by MAC, MAC history by IP, last sweep, event counters.

Stored as JSON with a schema version and replaced atomically on every save, so
a crash leaves the previous state intact. A file that cannot be read back (not
UTF-8, truncated, nested too deeply, lone surrogates, wrong types, unreadable)
is moved aside (``<name>.corrupt-<time>``), logged once, and a fresh state
starts. :class:`StateStore` keeps a long-running collector's state in memory
so that a failing save is logged and retried, never fatal.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netwatch.core.atomic import atomic_write
from netwatch.core.paths import state_file
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


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parse(raw: bytes) -> LanState | str:
    """The state in ``raw``, or why it is not a state this version can use."""
    if len(raw) > MAX_STATE_BYTES:
        return f"larger than {MAX_STATE_BYTES // (1024 * 1024)} MiB"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
    try:
        data = json.loads(text, parse_constant=_reject_constant)
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


def _set_aside(path: Path, reason: str) -> LanState:
    """Move the unusable file aside (never delete it), say so once, and start fresh."""
    try:
        aside = _aside_path(path)
        os.replace(path, aside)
    except OSError as exc:
        log.warning(
            "LAN state file %s is unreadable (%s) and cannot be moved aside (%s): started a "
            "fresh state; the next save replaces the file",
            path, reason, exc.strerror or exc,
        )  # fmt: skip
    else:
        log.warning(
            "LAN state file %s is unreadable (%s): moved it to %s and started a fresh state; "
            "devices will be reported as new once",
            path, reason, aside,
        )  # fmt: skip
    return LanState()


def load_state(path: Path) -> LanState:
    """The state in ``path``; a fresh one when it is missing or unreadable.

    An unreadable file is moved aside, never deleted, and one warning says
    where it went. Errors reading the file (e.g. permissions) are raised.
    """
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no such file (yet)
        return LanState()
    parsed = _parse(raw)
    return parsed if isinstance(parsed, LanState) else _set_aside(path, parsed)


def state_bytes(state: LanState) -> bytes:
    """The file content for ``state``; ValueError when JSON or UTF-8 cannot encode it."""
    document = state.model_dump()  # mode="json" would replace lone surrogates silently
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"the state holds text that is not valid Unicode ({exc.reason})") from None
    except ValueError as exc:  # NaN or infinity
        raise ValueError(f"the state cannot be written as JSON ({exc})") from None


def save_state(state: LanState, path: Path) -> None:
    """Write ``state`` to ``path`` atomically (readable by its owner only).

    OSError when the file cannot be written, ValueError when the state cannot be encoded.
    """
    atomic_write(path, state_bytes(state), mode=0o600)


class StateStore:
    """A collector's LAN state: read from its file once, kept in memory, saved after sweeps.

    Nothing here raises. A file that cannot be read is moved aside (or, when that fails
    too, left for the next save to replace) and the collector starts empty; a save that
    fails is logged once per reason and retried after the next sweep, the state kept.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: LanState | None = None
        self._save_problem: str | None = None

    def load(self) -> LanState:
        """The state: read from the file on the first call, from memory after."""
        if self._state is None:
            try:
                self._state = load_state(self.path)
            except OSError as exc:
                self._state = _set_aside(self.path, f"cannot read it: {exc.strerror or exc}")
        return self._state

    def save(self) -> bool:
        """Write the state to its file; False (and one warning per reason) when that fails."""
        try:
            save_state(self.load(), self.path)
        except (OSError, ValueError) as exc:
            problem = getattr(exc, "strerror", None) or str(exc)
            if problem != self._save_problem:
                log.warning(
                    "LAN state file %s cannot be saved (%s): the state is kept in memory and "
                    "saved again after the next sweep",
                    self.path, problem,
                )  # fmt: skip
            self._save_problem = problem
            return False
        if self._save_problem is not None:
            log.info("LAN state file %s saved again", self.path)
        self._save_problem = None
        return True
