"""Data exchanged between the sweep, the device registry, the collector and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from netwatch.i18n import Message

SweepMethod = Literal["arp", "neighbour"]
EventKind = Literal["new_station", "changed_mac", "flip_flop", "ip_conflict", "gone"]


@dataclass(frozen=True)
class Observation:
    """One (IP, MAC) pair seen on the LAN during a sweep."""

    ip: str
    mac: str  # lower-case, colon-separated
    interface: str
    seen_at: float  # Unix time
    method: SweepMethod


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found.

    ``method`` is ``arp`` for a raw ARP sweep, ``neighbour`` for the
    unprivileged fallback (kernel neighbour table plus TCP/ICMP reachability);
    ``notes`` explain anything the user should know (e.g. why the fallback ran).
    """

    observations: tuple[Observation, ...]
    subnets: tuple[str, ...]
    interfaces: tuple[str, ...]
    method: SweepMethod
    started_at: float
    duration: float
    notes: tuple[str | Message, ...] = ()


@dataclass(frozen=True)
class Event:
    """An arpwatch-style event the registry raised when applying a sweep."""

    kind: EventKind
    ip: str
    mac: str
    at: float
    previous_mac: str = ""
    detail: str | Message = ""


@dataclass
class Device:
    """A device remembered across sweeps (keyed by MAC)."""

    mac: str
    ips: list[str] = field(default_factory=list)
    first_seen: float = 0.0
    last_seen: float = 0.0
    vendor: str = ""
    name: str = ""
    owner: str = ""
    location: str = ""
    kind: str = ""
    known: bool = False
