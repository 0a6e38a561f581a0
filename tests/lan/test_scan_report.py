"""The scan report (``netwatch scan --format json``): ISO 8601 times and flags as keys."""

from __future__ import annotations

import json

from netwatch.lan.report import scan_report
from tests.lan.test_devices import A, B, registry, sweep

T0 = 1781924400.0  # 2026-06-20T03:00:00Z


def test_times_are_iso_8601_and_flags_separate_keys() -> None:
    reg = registry()
    reg.apply(sweep(("198.18.0.10", A), at=T0))
    later = sweep(("198.18.0.10", B), ("198.18.0.10", A), at=T0 + 90.5)
    events = reg.apply(later)
    report = json.loads(json.dumps(scan_report(reg, later, events)))
    assert report["scanned_at"] == "2026-06-20T03:01:30Z"
    rows = {row["mac"]: row for row in report["devices"]}
    assert rows[A]["first_seen"] == "2026-06-20T03:00:00Z"
    assert rows[A]["last_seen"] == "2026-06-20T03:01:30Z"
    assert rows[B]["flags"] == ["new", "conflict"], "one key per flag, never run together"
    assert rows[A]["flags"] == ["conflict"]
    assert report["summary"]["conflicts"] == 1
    assert [e["kind"] for e in report["events"]] == ["new_station", "ip_conflict"]
    at = [e["at"] for e in report["events"]]  # seen at, and at the sweep's end (+2 s)
    assert at == ["2026-06-20T03:01:30Z", "2026-06-20T03:01:32Z"]
    assert not any(isinstance(v, float) for row in report["devices"] for v in row.values())
