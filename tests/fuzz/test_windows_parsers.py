"""The Windows readers one by one: PowerShell's batch answer, its JSON, dates, numbers, SIDs.

Each ``@example`` is an input that crashed a reader before it was fixed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.hostaccess.commands import CommandResult
from netwatch.hostaccess.jsontext import load_json, valid_text
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._powershell import BatchAnswer, PowerShellError, run_batch
from netwatch.posture.checks._windows import (
    WindowsDataError,
    as_list,
    dword,
    parse_date,
    parse_json,
    relative_id,
    security_products,
    sid_of,
    to_bool,
    to_enum,
    to_int,
)
from tests.fuzz.strategies import (
    DEEP_JSON,
    EVIL_NUMBERS,
    EVIL_TOKENS,
    HUGE_NUMBER_JSON,
    host_text,
    json_text,
    json_values,
    registry_scalars,
)


def _utf8(value: Any) -> None:
    """Every string inside ``value`` can be written as UTF-8."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())


json_inputs = st.one_of(
    json_values.map(json_text),
    st.sampled_from(DEEP_JSON + HUGE_NUMBER_JSON),
    st.just('{"Name": "\\ud800", "\\udfff": ["a\\udc80b"]}'),
    host_text,
)


@given(text=json_inputs)
@example(text="[" * 100_000)  # RecursionError before
@example(text="9" * 5000)  # a ValueError that is not a JSONDecodeError
@example(text='"\\ud800"')  # a lone surrogate reaching evidence
def test_json(text: str) -> None:
    try:
        value = load_json(text)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    _utf8(value)
    try:
        _utf8(parse_json(text))
    except ValueError as exc:
        assert str(exc).startswith("output is not JSON (")


class _Batch:
    """PowerShell printing ``stdout`` with ``returncode``."""

    def __init__(self, stdout: str, returncode: int) -> None:
        self.result = CommandResult(("powershell.exe",), returncode, stdout, "")

    def which(self, program: str) -> str | None:
        return None

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        return self.result


@given(stdout=json_inputs, returncode=st.sampled_from([0, 0, 1]))
@example(stdout='{"q": {"out": "' + "[" * 5000 + '"}}', returncode=0)
def test_batch_answer(stdout: str, returncode: int) -> None:
    try:
        answer = run_batch(_Batch(stdout, returncode))
    except PowerShellError as exc:
        str(exc).encode("utf-8")
        str(exc.observed).encode("utf-8")
        return
    assert isinstance(answer, BatchAnswer)
    _utf8(answer.parts)


@given(value=json_values | st.sampled_from(EVIL_NUMBERS + EVIL_TOKENS))
@example(value="9" * 5000)  # to_int: int() beyond its digit limit
def test_conversions(value: Any) -> None:
    """Each conversion gives its type or raises WindowsDataError, never anything else."""
    checks: list[tuple[Any, Any]] = [
        (lambda v: to_int(v, "x"), lambda r: isinstance(r, int)),
        (lambda v: to_bool(v, "x"), lambda r: isinstance(r, bool)),
        (lambda v: to_enum(v, {"Off": 0, "On": 1}, "x"), lambda r: isinstance(r, int)),
        (sid_of, lambda r: r.startswith("S-1-")),
        (as_list, lambda r: all(isinstance(item, dict) for item in r)),
        (security_products, lambda r: all(isinstance(p.describe(), str) for p in r)),
    ]
    for convert, valid in checks:
        try:
            result = convert(value)
        except WindowsDataError as exc:
            assert str(exc)
            continue
        assert valid(result)


@given(value=json_values | st.sampled_from(
    ["/Date(99999999999999999)/", "/Date(-99999999999999999)/", "/Date(" + "9" * 400 + ")/",
     "13/45/2024", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2024-06-12"]))  # fmt: skip
@example(value="/Date(99999999999999999)/")  # OverflowError from fromtimestamp
@example(value="0001-01-01T00:00:00+05:00")  # OverflowError when shown in UTC
def test_dates(value: Any) -> None:
    try:
        moment = parse_date(value)
    except ValueError as exc:
        assert str(exc).startswith("not a date")
        return
    assert moment is None or moment.tzinfo is dt.timezone.utc


@given(
    sid=st.text(max_size=40) | st.sampled_from(["S-1-5-21-1-2-3-²", "S-1-5-21-1-2-3-" + "9" * 5000])
)
@example(sid="S-1-5-21-1-2-3-²")
def test_relative_ids(sid: str) -> None:
    rid = relative_id(sid)
    assert rid is None or rid >= 0


@given(values=st.dictionaries(st.text(max_size=8), registry_scalars, max_size=4))
def test_registry_values_are_text_or_numbers(values: dict[str, Any]) -> None:
    registry = RecordedRegistry({"HKLM\\Key": values, "HKLM\\Key\\\ud800": {}})
    read = registry.values("HKLM\\Key")
    _utf8(read)
    _utf8(registry.subkeys("HKLM\\Key"))
    for name in read:
        try:
            number = dword(read, "HKLM\\Key", name)
        except WindowsDataError as exc:
            assert exc.evidence
            continue
        assert number is None or isinstance(number, int)


def test_valid_text_keeps_pairs_and_replaces_halves() -> None:
    assert valid_text("a\ud800b\U0001f600") == "a\ufffdb\U0001f600"
    assert load_json('{"\\ud83d\\ude00": "\\udc00"}') == {"\U0001f600": "\ufffd"}
