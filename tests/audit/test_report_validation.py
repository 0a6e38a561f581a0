"""Reports are checked against the published schema before any rendering or merging."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netwatch.cli.app import app
from tests.helpers.audit_reports import schema_validator

runner = CliRunner()
HOST_REPORT = Path(__file__).parents[1] / "fixtures" / "audit" / "host-weak.json"
Edit = Callable[[dict[str, Any]], None]


def inventory_item(key: str, index: int | None, field: str | None, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        inventory = document["inventory"]
        if index is None and field is None:
            inventory[key] = value
        elif field is None:
            inventory[key][index] = value
        else:
            (inventory[key] if index is None else inventory[key][index])[field] = value

    return edit


BAD_INVENTORIES = {
    "size is text": (
        inventory_item("filesystems", 0, "size", "abc"),
        "inventory.filesystems[0].size: Input should be a valid integer (got 'abc')",
    ),
    "a disk is text": (
        inventory_item("filesystems", 0, None, "disk"),
        "inventory.filesystems[0]: Input should be a valid dictionary",
    ),
    "cpu is a list": (inventory_item("cpu", None, None, [1, 2]), "inventory.cpu: Input should be"),
    "addresses are text": (
        inventory_item("network_interfaces", 0, "addresses", "x"),
        "inventory.network_interfaces[0].addresses: Input should be a valid list (got 'x')",
    ),
    "packages are numbers": (
        inventory_item("software", None, None, [1, 2]),
        "inventory.software[0]: Input should be a valid dictionary",
    ),
    "errors is text": (
        inventory_item("errors", None, None, "oops"),
        "inventory.errors: Input should be a valid list (got 'oops')",
    ),
    "memory is a word": (
        inventory_item("memory", None, "total", "big"),
        "inventory.memory.total: Input should be a valid integer (got 'big')",
    ),
    "collected_at is a number": (
        inventory_item("collected_at", None, None, 5),
        "inventory.collected_at: Input should be a valid string (got 5)",
    ),
}


def bad_report(directory: Path, edit: Edit) -> Path:
    document = json.loads(HOST_REPORT.read_text(encoding="utf-8"))
    edit(document)
    path = directory / "report.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", BAD_INVENTORIES)
@pytest.mark.parametrize("command", ["render", "merge"])
def test_a_wrongly_typed_inventory_exits_2_naming_the_field(
    tmp_path: Path, command: str, name: str
) -> None:
    edit, expected = BAD_INVENTORIES[name]
    path = bad_report(tmp_path, edit)
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", command, str(path), "--output", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"netwatch: error: {path}: invalid report at {expected}")
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir()), "nothing rendered"


@pytest.mark.parametrize("name", BAD_INVENTORIES)
def test_the_published_schema_refuses_what_the_loader_refuses(tmp_path: Path, name: str) -> None:
    edit, _ = BAD_INVENTORIES[name]
    document = json.loads(bad_report(tmp_path, edit).read_text(encoding="utf-8"))
    assert list(schema_validator("audit-report").iter_errors(document)) != []


def test_inventory_keys_a_report_does_not_show_stay_open(tmp_path: Path) -> None:
    path = bad_report(tmp_path, inventory_item("gpu", None, None, {"model": "any shape"}))
    result = runner.invoke(app, ["report", "render", str(path), "--output", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(schema_validator("audit-report").iter_errors(document)) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"schema": "netwatch-audit-report", "host": "\\ud800"}',
         "invalid JSON: a string holds a lone surrogate (surrogates not allowed)"),
        (b'{"schema": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "invalid JSON: maximum recursion depth exceeded"),
        (b'{"schema": "netwatch-audit-report\xff"}', "not UTF-8 text (byte 0xff at offset 33)"),
    ],
)  # fmt: skip
def test_surrogates_deep_nesting_and_bad_bytes_exit_2(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["report", "render", str(path), "--output", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.startswith(f"netwatch: error: {path}: {expected}")
