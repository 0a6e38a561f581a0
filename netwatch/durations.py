"""Human durations such as ``30s``, ``5m``, ``1h30m`` or ``250ms``, bounded to a sane range."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
MAX_DURATION_TEXT = 64
MIN_DURATION = 0.001
MAX_DURATION = 30 * 86400.0
"""Every duration netwatch accepts lies in [1ms, 30d]: longer ones overflow thread waits."""


def parse_duration(text: str) -> float:
    """Return the number of seconds in ``text``; raise ValueError when malformed or out of range."""
    cleaned = text.strip()
    if len(cleaned) > MAX_DURATION_TEXT or not _WHOLE.match(cleaned):
        shown = text if len(text) <= MAX_DURATION_TEXT else text[:MAX_DURATION_TEXT] + "..."
        raise ValueError(
            f"invalid duration {shown!r}: use a number with a unit, e.g. 500ms, 30s, 5m, 1h, 1h30m"
        )
    seconds = sum(float(value) * _UNITS[unit] for value, unit in _PART.findall(cleaned))
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: must be greater than zero")
    if seconds < MIN_DURATION:
        raise ValueError(f"invalid duration {text!r}: shorter than the 1ms minimum")
    if seconds > MAX_DURATION:
        raise ValueError(f"invalid duration {text!r}: longer than the 30d maximum")
    return seconds


def format_duration(seconds: float) -> str:
    """Render seconds back in the shortest exact ``1h30m`` style."""
    if seconds < 1 or seconds != int(seconds):
        millis = round(seconds * 1000)
        if millis % 1000:
            return f"{millis}ms"
    remaining = int(round(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
