"""Saved reports with random corruptions, loaded and rendered as ``netwatch report render`` does.

Each example is a real host or office report with a few subtrees replaced by JSON of
the wrong type, keys deleted or added, huge strings, odd Unicode, or the file's text
corrupted line by line. ``load_report`` must either refuse it with one
:class:`ReportFileError` line naming the file (the CLI's exit 2) or give a report that
renders to HTML and Markdown and names its output files without any other exception.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from netwatch.audit.load import ReportFileError, load_report
from netwatch.audit.output import RENDERED_FORMATS, render_all, report_stem
from netwatch.cli.app import app
from tests.fuzz.strategies import VIETNAMESE, json_values, mutated

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"
ORIGINALS = {
    name: json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    for name in ("host-weak", "office")
}
WEAK = ORIGINALS["host-weak"]
WEAK_TEXT = (FIXTURES / "host-weak.json").read_text(encoding="utf-8")
ODD_VALUES = (
    "A" * 200_000,
    VIETNAMESE * 500,
    "<script>alert(1)</script>](javascript:x) | `x` *y* # h\n---\n",
    "\u202e\u200b\ufeff\x00\x1b[31m",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00",
    "2024-02-30T00:00:00Z",
    -(2**63),
    2**64,
    1e308,
    -0.0,
)
values = st.one_of(json_values, json_values, st.sampled_from(ODD_VALUES))


@st.composite
def _mutate(draw: st.DrawFn, node: Any) -> Any:
    """``node`` with one change somewhere inside: replaced, deleted, added or duplicated."""
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        changed = dict(node)
        action = draw(st.sampled_from(["descend", "descend", "replace", "delete", "add"]))
        if action == "descend":
            changed[key] = draw(_mutate(node[key]))
        elif action == "replace":
            changed[key] = draw(values)
        elif action == "delete":
            del changed[key]
        else:
            changed[draw(st.text(max_size=12))] = draw(values)
        return changed
    if isinstance(node, list) and node:
        index = draw(st.integers(0, len(node) - 1))
        items = list(node)
        action = draw(st.sampled_from(["descend", "descend", "replace", "delete", "duplicate"]))
        if action == "descend":
            items[index] = draw(_mutate(node[index]))
        elif action == "replace":
            items[index] = draw(values)
        elif action == "delete":
            del items[index]
        else:
            items.insert(index, items[index])
        return items
    return draw(values)


@st.composite
def corrupted(draw: st.DrawFn, original: Any) -> Any:
    """``original`` with one to four changes."""
    document = original
    for _ in range(draw(st.integers(1, 4))):
        document = draw(_mutate(document))
    return document


documents = st.sampled_from(sorted(ORIGINALS)).flatmap(lambda name: corrupted(ORIGINALS[name]))
files = st.one_of(
    documents.map(lambda doc: json.dumps(doc).encode()),
    documents.map(lambda doc: json.dumps(doc, ensure_ascii=False).encode("utf-8", "replace")),
    mutated(WEAK_TEXT).map(str.encode),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="netwatch-report-fuzz-") as name:
        yield Path(name)


def assert_refused_or_rendered(path: Path) -> None:
    """The contract of ``report render`` before it writes: exit 2 with one line, or output."""
    try:
        report = load_report(path)
    except ReportFileError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
        assert message.isprintable(), f"not one printable line: {message!r}"
        return
    for lang in ("en", "vi"):
        rendered = render_all(report, lang, RENDERED_FORMATS)
        assert set(rendered) == set(RENDERED_FORMATS)
    assert report_stem(report)


@given(files)
@example(b'{"schema": "netwatch-office-report", "schema_version": 1, "\\n": 1}')
@example(b'{"schema": "netwatch-audit-report", "schema_version": 1, "\\u001b[2J": 1}')
@example(json.dumps({**ORIGINALS["office"], "generated_at": "0001-01-01T00:00:00+14:00"}).encode())
@example(
    json.dumps(
        {
            **WEAK,
            "changes": {
                **WEAK["changes"],
                "fixed": [{**WEAK["changes"]["fixed"][0], "before": "AAA"}],
            },
        }
    ).encode()
)
def test_corrupted_reports_are_refused_or_rendered(directory: Path, raw: bytes) -> None:
    path = directory / "report.json"
    path.write_bytes(raw)
    assert_refused_or_rendered(path)


@given(documents.map(lambda doc: json.dumps(doc).encode()) | files)
def test_the_cli_exits_0_or_2_without_a_traceback(directory: Path, raw: bytes) -> None:
    path = directory / "cli-report.json"
    path.write_bytes(raw)
    output = directory / "out"
    result = CliRunner().invoke(app, ["report", "render", str(path), "--output", str(output)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        [line] = result.output.strip().splitlines()
        assert line.startswith(f"netwatch: error: {path}: "), line
    for written in output.glob("*"):
        written.unlink()
