"""The ``asset:`` section reaches the inventory's assignment; state files per platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from netwatch.config.loader import load_config
from netwatch.core.errors import UsageError
from netwatch.core.paths import STATE_DIR_VARIABLE, state_file
from netwatch.core.yamlfile import ConfigError


def test_the_asset_section_becomes_the_assignment(tmp_path: Path) -> None:
    path = tmp_path / "netwatch.yaml"
    path.write_text(
        "asset:\n  asset_tag: UBND-MT-0042\n  department: Văn phòng\n  room: Phòng 203\n"
        "  purchase_date: 2024-03-15\n",
        encoding="utf-8",
    )
    assignment = load_config(path).asset.assignment()
    assert assignment is not None
    assert assignment.model_dump(mode="json") == {
        "asset_tag": "UBND-MT-0042", "department": "Văn phòng", "room": "Phòng 203",
        "purchase_date": "2024-03-15",
    }  # fmt: skip


def test_no_asset_section_means_no_assignment() -> None:
    assert load_config(None).asset.assignment() is None


def test_a_bad_purchase_date_names_the_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "netwatch.yaml"
    path.write_text("asset:\n  purchase_date: 15/03/2024\n", encoding="utf-8")
    with pytest.raises((ConfigError, UsageError)) as caught:
        load_config(path)
    assert "asset.purchase_date" in str(caught.value) and "line 2" in str(caught.value)


def test_state_files_live_where_the_service_may_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATE_DIR_VARIABLE)  # the test suite moves them; an agent does not
    monkeypatch.setenv("PROGRAMDATA", r"D:\ProgramData")
    assert (
        state_file("hardware-memory.json", "win32")
        == r"D:\ProgramData\netwatch\hardware-memory.json"
    )
    assert state_file("lan-state.json", "linux") == "/var/lib/netwatch/lan-state.json"


def test_netwatch_state_dir_moves_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(tmp_path))
    assert state_file("lan-state.json", "linux") == str(tmp_path / "lan-state.json")
    assert load_config(None).collectors.hardware.memory_file == str(
        tmp_path / "hardware-memory.json"
    )
