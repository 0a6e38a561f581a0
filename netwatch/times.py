"""Times in reports and JSON output: UTC, ISO 8601 with a ``Z``."""

from __future__ import annotations

import datetime as dt
import time


def utc_iso(moment: float | None = None) -> str:
    """``moment`` (default: now) as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def parse_utc(text: str) -> dt.datetime:
    """An ISO 8601 time as an aware datetime (no zone means UTC); ValueError when malformed."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
