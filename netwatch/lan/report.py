"""The report of one LAN scan (``netwatch scan --format json``), ready for JSON.

Times are ISO 8601 UTC (``2026-11-22T08:07:41Z``) as in the other commands' JSON; the
state file keeps Unix times. ``flags`` are keys (new, changed_mac, flip_flop, conflict)
that ``netwatch scan``'s table names in the reader's language.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from netwatch.i18n import render
from netwatch.lan.devices import DeviceRegistry, ip_key
from netwatch.lan.model import Event, SweepResult
from netwatch.times import utc_iso


def _event(event: Event, lang: str) -> dict[str, Any]:
    record = asdict(event)
    record["at"] = utc_iso(event.at)
    record["detail"] = render(event.detail, lang)
    return record


def scan_report(
    registry: DeviceRegistry, result: SweepResult, events: list[Event], lang: str = "en"
) -> dict[str, Any]:
    """The JSON-ready report of one scan: devices found, flags, events, conflicts; notes and
    event details in ``lang`` (the JSON output is English, the table the reader's)."""
    flagged: dict[tuple[str, str], list[str]] = {}
    new = {event.mac for event in events if event.kind == "new_station"}
    for event in events:
        if event.kind in ("changed_mac", "flip_flop"):
            flagged.setdefault((event.ip, event.mac), []).append(event.kind)
    found = {obs.ip for obs in result.observations}
    conflicts = {ip: macs for ip, macs in registry.state.conflicts.items() if ip in found}
    rows = []
    pairs = sorted({(o.ip, o.mac) for o in result.observations}, key=lambda p: (ip_key(p[0]), p[1]))
    for ip, mac in pairs:
        device = registry.device(mac)
        flags = (["new"] if mac in new else []) + flagged.get((ip, mac), [])
        flags += ["conflict"] if ip in conflicts else []
        rows.append(
            {
                "ip": ip,
                "mac": mac,
                "vendor": device.vendor,
                "name": device.name,
                "owner": device.owner,
                "location": device.location,
                "kind": device.kind,
                "known": device.known,
                "first_seen": utc_iso(device.first_seen),
                "last_seen": utc_iso(device.last_seen),
                "flags": flags,
            }
        )
    unknown = len({row["mac"] for row in rows if not row["known"]})
    return {
        "scanned_at": utc_iso(result.started_at),
        "duration_seconds": round(result.duration, 3),
        "method": result.method,
        "privileged": result.method == "arp",
        "notes": [render(note, lang) for note in result.notes],
        "subnets": list(result.subnets),
        "interfaces": list(result.interfaces),
        "summary": {
            "devices": len({row["mac"] for row in rows}),
            "unknown": unknown,
            "conflicts": len(conflicts),
            "events": len(events),
        },
        "devices": rows,
        "conflicts": [{"ip": ip, "macs": macs} for ip, macs in sorted(conflicts.items())],
        "events": [_event(event, lang) for event in events],
    }
