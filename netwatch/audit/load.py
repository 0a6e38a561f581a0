"""Read a saved report JSON file; anything wrong with it is one line naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn, cast

from pydantic import ValidationError

from netwatch.audit.model import (
    OFFICE_SCHEMA_ID,
    SCHEMA_ID,
    SCHEMA_VERSION,
    AuditReport,
    OfficeReport,
)
from netwatch.core.errors import UsageError
from netwatch.core.yamlfile import printable
from netwatch.times import parse_utc

MAX_REPORT_BYTES = 64 * 1024 * 1024
KINDS: dict[str, type[AuditReport | OfficeReport]] = {
    SCHEMA_ID: AuditReport,
    OFFICE_SCHEMA_ID: OfficeReport,
}
MAX_SHOWN_INPUT = 60
JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number",
              bool: "true or false", type(None): "null"}  # fmt: skip


class ReportFileError(UsageError):
    """A report file is missing, unreadable or not a valid netwatch report."""


def _fail(path: Path, problem: str) -> NoReturn:
    raise ReportFileError(printable(f"{path}: {problem}"))


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        _fail(path, "no such file")
    except IsADirectoryError:
        _fail(path, "is a directory, not a report file")
    except OSError as exc:
        _fail(path, f"cannot read the file: {exc.strerror or exc}")
    if len(raw) > MAX_REPORT_BYTES:
        _fail(path, f"larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB: not a netwatch report")
    return raw


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: Path) -> Any:
    """The JSON document in ``path`` (UTF-8, an optional BOM allowed)."""
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    if not text.strip():
        _fail(path, "empty file, not a netwatch report")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        content = text.rstrip()
        if exc.pos >= len(content) or exc.msg.startswith("Unterminated string"):
            line = content.count("\n") + 1
            column = len(content) - content.rfind("\n")
            _fail(path, f"truncated JSON: the document ends early at line {line}, "
                        f"column {column} ({exc.msg})")  # fmt: skip
        _fail(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except (ValueError, RecursionError) as exc:
        _fail(path, f"invalid JSON: {exc}")
    _check_unicode(path, data)
    return data


def _check_unicode(path: Path, data: Any) -> None:
    """Refuse strings with lone surrogates (``"\\ud800"``): no page or file can hold them."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        _fail(path, f"invalid JSON: a string holds a lone surrogate ({exc.reason})")
    except RecursionError:
        _fail(path, "invalid JSON: nested too deeply")


def json_path(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as a JSON path: ``results[3].severity``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(document)"


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        message = "required field missing"
    elif kind == "extra_forbidden":
        message = "unknown field"
    else:
        shown = repr(error.get("input"))
        if len(shown) > MAX_SHOWN_INPUT:
            shown = shown[: MAX_SHOWN_INPUT - 3] + "..."
        message = f"{error['msg']} (got {shown})"
    return f"{json_path(tuple(error['loc']))}: {message}"


def _kind(path: Path, data: Any) -> type[AuditReport | OfficeReport]:
    expected = f"{SCHEMA_ID!r} or {OFFICE_SCHEMA_ID!r}"
    if not isinstance(data, dict):
        found = JSON_TYPES.get(type(data), "not an object")
        _fail(path, f"not a netwatch report: the JSON document is {found}, not an object")
    schema = data.get("schema")
    if not isinstance(schema, str) or schema not in KINDS:
        found = 'no "schema" field' if schema is None else f"schema {schema!r}"
        _fail(path, f"not a netwatch report: {found} (expected {expected})")
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        newer = type(version) is int and version > SCHEMA_VERSION
        hint = "; upgrade netwatch to read it" if newer else ""
        _fail(path, f"{schema} schema version {version!r} is not supported "
                    f"(this netwatch reads version {SCHEMA_VERSION}){hint}")  # fmt: skip
    return KINDS[schema]


def _check_times(path: Path, report: AuditReport | OfficeReport) -> None:
    times = [("generated_at", report.generated_at)]
    if isinstance(report, OfficeReport):
        times += [(f"hosts[{i}].generated_at", h.generated_at) for i, h in enumerate(report.hosts)]
    for where, value in times:
        try:
            parse_utc(value)
        except ValueError:
            _fail(path, f"invalid report at {where}: not an ISO 8601 time (got {value!r})")


def _load(path: Path, host_only: bool) -> AuditReport | OfficeReport:
    data = read_json(path)
    model = _kind(path, data)
    if host_only and model is not AuditReport:
        _fail(path, "this is an office report, a host audit report is needed here")
    try:
        report = model.model_validate(data)
    except ValidationError as exc:
        _invalid(path, exc)
    _check_times(path, report)
    return report


def _invalid(path: Path, exc: ValidationError) -> NoReturn:
    """Fail naming the first bad field by its JSON path, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    _fail(path, f"invalid report at {_problem(first)}{more}")


def load_report(path: Path) -> AuditReport | OfficeReport:
    """Read and validate a host or office report."""
    return _load(path, host_only=False)


def load_host_report(path: Path) -> AuditReport:
    """Read and validate a host audit report (an office report is refused)."""
    return cast(AuditReport, _load(path, host_only=True))
