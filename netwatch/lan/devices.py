"""The device registry: applies sweeps to the persisted state with arpwatch's semantics.

- ``new_station``: a MAC address never seen before.
- ``changed_mac``: an IP answers with another MAC than the one it had last
  ("changed ethernet address").
- ``flip_flop``: an IP goes back to the MAC it had before its latest change.
- ``ip_conflict``: one IP answered by two or more MACs in the same sweep
  (raised when the conflict appears; ``conflicts`` holds the current ones).
- ``gone``: a remembered device not seen for longer than ``gone_after``; only
  devices whose last IPs lie in the swept subnets are judged.

Everything is bounded: at most ``max_devices`` devices and IPs (the oldest gone
devices are dropped first), a few IPs per device and MACs per IP.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Protocol

from netwatch.i18n import Message, msg
from netwatch.lan.known import KnownDevices
from netwatch.lan.model import Device, Event, EventKind, SweepResult
from netwatch.lan.state import EVENT_KINDS, DeviceRecord, IpRecord, LanState, SweepSummary

MAX_DEVICES = 4096
MAX_IPS_PER_DEVICE = 16
MAX_MACS_PER_IP = 8
# Remembered devices by state; the states do not overlap, so they add up to all devices.
DEVICE_STATES = ("known", "unknown", "gone")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Vendors(Protocol):
    """Finds the maker of a MAC address (``netwatch.lan.vendors.VendorLookup``)."""

    def vendor(self, mac: str) -> str | None:
        """The vendor's name, or empty/None when unknown."""
        ...


def ip_key(ip: str) -> tuple[int, int]:
    """Sort key putting IPs in numeric order (anything else first)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return 0, 0
    return address.version, int(address)


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``{key: [values...]}`` keeping first-seen order and dropping repeats."""
    groups: dict[str, list[str]] = {}
    for key, value in pairs:
        values = groups.setdefault(key, [])
        if value not in values:
            values.append(value)
    return groups


class DeviceRegistry:
    """Remembers devices across sweeps and raises events as they change."""

    def __init__(
        self,
        state: LanState,
        known: KnownDevices,
        vendors: Vendors,
        gone_after: float,
        max_devices: int = MAX_DEVICES,
    ) -> None:
        self.state = state
        self._known = known
        self._vendors = vendors
        self._gone_after = gone_after
        self._max_devices = max_devices

    def apply(self, result: SweepResult) -> list[Event]:
        """Fold one sweep into the state; return the events it raised, in IP order."""
        now = result.started_at + result.duration
        seen_at: dict[str, float] = {}
        for obs in result.observations:
            seen_at[obs.mac] = max(seen_at.get(obs.mac, 0.0), obs.seen_at)
        by_mac = _grouped((o.mac, o.ip) for o in result.observations)
        by_ip = _grouped((o.ip, o.mac) for o in result.observations)
        swept = [ipaddress.ip_network(subnet, strict=False) for subnet in result.subnets]
        events = self._stations(by_mac, seen_at)
        events += self._conflicts(by_ip, swept, now)
        events += self._ip_changes(by_ip, seen_at)
        events += self._gone(by_mac, swept, now)
        for event in events:
            self.state.events_total[event.kind] = self.state.events_total.get(event.kind, 0) + 1
        self.state.last_sweep = SweepSummary(
            started_at=result.started_at,
            duration=result.duration,
            method=result.method,
            subnets=list(result.subnets),
            interfaces=list(result.interfaces),
            hosts=len(by_mac),
            notes=[str(note) for note in result.notes],
        )
        self._prune()
        return sorted(events, key=lambda e: (ip_key(e.ip), EVENT_KINDS.index(e.kind), e.mac))

    def _stations(self, by_mac: dict[str, list[str]], seen_at: dict[str, float]) -> list[Event]:
        events = []
        for mac, ips in by_mac.items():
            at = seen_at[mac]
            record = self.state.devices.get(mac)
            if record is None:
                record = self.state.devices[mac] = DeviceRecord(first_seen=at, last_seen=at)
                events.append(Event("new_station", ips[0], mac, at, detail=self._describe(mac)))
            record.last_seen = max(record.last_seen, at)
            record.ips = sorted(ips, key=ip_key)[:MAX_IPS_PER_DEVICE]
            record.gone = False
        return events

    def _conflicts(
        self, by_ip: dict[str, list[str]], swept: list[Network], now: float
    ) -> list[Event]:
        current = {ip: sorted(macs) for ip, macs in by_ip.items() if len(macs) > 1}
        events = [
            Event("ip_conflict", ip, macs[1], now, previous_mac=macs[0], detail=_conflict(ip, macs))
            for ip, macs in current.items()
            if ip not in self.state.conflicts
        ]
        elsewhere = {
            ip: macs for ip, macs in self.state.conflicts.items() if not _within(ip, swept)
        }
        self.state.conflicts = {**elsewhere, **current}
        return events

    def _ip_changes(self, by_ip: dict[str, list[str]], seen_at: dict[str, float]) -> list[Event]:
        events: list[Event] = []
        for ip, macs in by_ip.items():
            if len(macs) > 1:
                continue  # a conflict, not a change: the history stays as it was
            mac = macs[0]
            at = seen_at[mac]
            record = self.state.ips.get(ip)
            if record is None:
                self.state.ips[ip] = IpRecord(macs=[mac], last_seen=at, changed_at=at)
                continue
            record.last_seen = max(record.last_seen, at)
            current = record.macs[0]
            if mac == current:
                continue
            kind: EventKind = "changed_mac"
            if len(record.macs) > 1 and record.macs[1] == mac:
                kind = "flip_flop"
            detail = msg("{ip} moved from {old} to {new}", ip=ip, old=current, new=mac)
            events.append(Event(kind, ip, mac, at, previous_mac=current, detail=detail))
            record.macs = [mac, *(m for m in record.macs if m != mac)][:MAX_MACS_PER_IP]
            record.changed_at = at
        return events

    def _gone(self, by_mac: dict[str, list[str]], swept: list[Network], now: float) -> list[Event]:
        events = []
        for mac, record in self.state.devices.items():
            if record.gone or mac in by_mac or now - record.last_seen <= self._gone_after:
                continue
            if record.ips and not any(_within(ip, swept) for ip in record.ips):
                continue  # not looked for in this sweep
            record.gone = True
            ip = record.ips[0] if record.ips else ""
            hours = round((now - record.last_seen) / 3600, 1)
            detail = msg("{mac} ({ip}) not seen for {hours} h", mac=mac, ip=ip or "?", hours=hours)
            events.append(Event("gone", ip, mac, now, detail=detail))
        return events

    def _prune(self) -> None:
        """Forget the oldest gone devices first, then the oldest ones, beyond the cap."""
        devices = self.state.devices
        excess = len(devices) - self._max_devices
        if excess > 0:
            oldest = sorted(devices, key=lambda m: (not devices[m].gone, devices[m].last_seen))
            for mac in oldest[:excess]:
                del devices[mac]
        ips = self.state.ips
        excess = len(ips) - self._max_devices
        if excess > 0:
            for ip in sorted(ips, key=lambda i: ips[i].last_seen)[:excess]:
                del ips[ip]

    def _describe(self, mac: str) -> str:
        entry = self._known.get(mac)
        return entry.name if entry else self.vendor(mac) or "unknown device"

    def vendor(self, mac: str) -> str:
        """The maker of ``mac``, or an empty string."""
        return self._vendors.vendor(mac) or ""

    def device(self, mac: str) -> Device:
        """The remembered device ``mac`` with its vendor and known-devices entry."""
        record = self.state.devices[mac]
        entry = self._known.get(mac)
        return Device(
            mac=mac,
            ips=list(record.ips),
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            vendor=self.vendor(mac),
            name=entry.name if entry else "",
            owner=entry.owner if entry else "",
            location=entry.location if entry else "",
            kind=entry.kind if entry else "",
            known=entry is not None,
        )

    def active_devices(self) -> list[Device]:
        """Devices not gone, in IP order."""
        found = [self.device(mac) for mac, r in self.state.devices.items() if not r.gone]
        return sorted(found, key=lambda d: (ip_key(d.ips[0] if d.ips else ""), d.mac))

    def counts(self) -> dict[str, int]:
        """Devices by state (:data:`DEVICE_STATES`): active ones listed in the known-devices
        file or not, and gone ones."""
        active = [mac for mac, record in self.state.devices.items() if not record.gone]
        known = sum(1 for mac in active if self._known.get(mac) is not None)
        return {
            "known": known,
            "unknown": len(active) - known,
            "gone": len(self.state.devices) - len(active),
        }


def _conflict(ip: str, macs: list[str]) -> Message:
    return msg("{ip} answered by {macs} in one sweep", ip=ip, macs=", ".join(macs))


def _within(ip: str, networks: list[Network]) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address in network for network in networks)
