"""Durations such as 30s, 5m, 1h."""

import pytest

from netwatch.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("2d", 172800),
     ("1.5s", 1.5), (" 10s ", 10)],
)  # fmt: skip
def test_parse_accepts_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "5 minutes", "m5", "-1s", "0s", "", "1x", "1h 30m"])
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30s"), (300, "5m"), (5400, "1h30m"), (0.25, "250ms"), (86400, "1d")]
)
def test_format_round_trips(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(format_duration(seconds)) == seconds
