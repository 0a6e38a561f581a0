"""The agent's hardware memory: changes, users, restarts and unusable files (real files)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from netwatch.assets import memory as memory_module
from netwatch.assets.fingerprint import HardwareChange
from netwatch.assets.memory import (
    MAX_HISTORY,
    MAX_USERS,
    HardwareMemory,
    frequent_user,
    load_memory,
    memory_store,
    record_hardware,
    record_users,
    remembered_usage,
    save_memory,
    usage,
)
from netwatch.assets.model import Usage
from tests.assets.test_fingerprint import DIMM_A, desktop

RAM_REMOVED = HardwareChange(
    component="memory", change="removed",
    before="DIMM B1: 8 GiB Samsung M471A1K43DB1 S/N 22222222",
)  # fmt: skip


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_first_reading_is_the_baseline_and_the_next_counts_changes() -> None:
    memory = HardwareMemory()
    assert record_hardware(memory, desktop(), 1000.0) == []
    assert memory.since == 1000.0 and memory.last_change_at is None
    assert record_hardware(memory, desktop(memory_modules=[DIMM_A]), 2000.0) == [RAM_REMOVED]
    assert memory.changes_total == {"memory": {"removed": 1}}
    assert memory.last_change_at == 2000.0 and memory.collected_at == 2000.0
    assert [(e.at, e.change) for e in memory.history] == [(2000.0, RAM_REMOVED)]
    # The module stays gone: no second change.
    assert record_hardware(memory, desktop(memory_modules=[DIMM_A]), 3000.0) == []
    assert memory.last_change_at == 2000.0 and memory.since == 1000.0


def test_the_history_and_the_users_are_bounded() -> None:
    memory = HardwareMemory()
    record_hardware(memory, desktop(), 0.0)
    for step in range(MAX_HISTORY + 10):
        monitors = [] if step % 2 == 0 else desktop().monitors
        record_hardware(memory, desktop(monitors=monitors), float(step + 1))
    assert len(memory.history) == MAX_HISTORY
    assert memory.history[-1].at == MAX_HISTORY + 10
    assert sum(memory.changes_total["monitor"].values()) == MAX_HISTORY + 10
    record_users(memory, {"thu.le"}, 1.0)
    record_users(memory, {"thu.le"}, 2.0)
    for index in range(MAX_USERS + 5):
        record_users(memory, {f"temp{index}"}, 10.0 + index)
    assert len(memory.users) == MAX_USERS
    assert "thu.le" in memory.users and "temp0" not in memory.users


def test_the_most_frequent_user_and_since_when() -> None:
    memory = HardwareMemory()
    assert frequent_user(memory) is None
    record_hardware(memory, desktop(), 1_700_000_000.0)
    record_users(memory, {"hoa.tran", "", "binh.le"}, 1.0)
    record_users(memory, {"hoa.tran"}, 2.0)
    record_users(memory, {"binh.le"}, 3.0)
    record_users(memory, {"binh.le"}, 4.0)
    assert memory.users["hoa.tran"].observations == 2 and "" not in memory.users
    assert usage(memory, "hoa.tran") == Usage(
        last_user="hoa.tran", frequent_user="binh.le", since="2023-11-14T22:13:20Z"
    )


def test_the_memory_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "hardware-memory.json"
    store = memory_store(path)
    memory = store.load()
    record_hardware(memory, desktop(), 1000.0)
    record_hardware(memory, desktop(memory_modules=[DIMM_A]), 2000.0)
    record_users(memory, {"hoa.tran"}, 2000.0)
    assert store.save()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left"

    again = memory_store(path).load()
    assert again == memory
    # The restarted agent compares with what it remembered: the module is still gone.
    assert record_hardware(again, desktop(memory_modules=[DIMM_A]), 3000.0) == []
    assert record_hardware(again, desktop(), 4000.0)[0].change == "added"
    assert again.changes_total == {"memory": {"removed": 1, "added": 1}}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{\"schema_version\": 1, \"since\": 12", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0xff at offset 0)"),
        (b'{"schema_version": 1, "since": NaN}', "NaN is not a JSON number"),
        (b'{"schema_version": 1, "users": {"\\ud800": {}}}', "not valid Unicode"),
        (b'{"schema_version": 2}', "schema_version 2 is not 1"),
        (b'{"devices": {}, "schema_version": 1}', "devices: Extra inputs are not permitted"),
        (b"[1, 2, 3]", "schema_version None is not 1"),
        (b'{"schema_version": 1, "changes_total": {"memory": {"stolen": 1}}}',
         "changes_total.memory.stolen"),
        (b'{"schema_version": 1, "fingerprint": {"disks": [{"size": "big"}]}}',
         "fingerprint.disks.0.size"),
    ],
)  # fmt: skip
def test_an_unusable_file_is_moved_aside_once_and_a_fresh_memory_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes, reason: str
) -> None:
    path = tmp_path / "hardware-memory.json"
    path.write_bytes(content)
    store = memory_store(path)
    assert store.load() == HardwareMemory()
    assert store.load() == HardwareMemory()
    [warning] = warnings_of(caplog)
    assert str(path) in warning and reason in warning and "moved it to" in warning
    [aside] = tmp_path.glob("hardware-memory.json.corrupt-*")
    assert aside.read_bytes() == content, "the unusable file is kept as it was"
    assert not path.exists()
    assert store.save() and load_memory(path) == HardwareMemory()


def test_a_second_unusable_file_does_not_overwrite_the_first_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "hardware-memory.json"
    for content in (b"one", b"two"):
        path.write_bytes(content)
        load_memory(path)
    assert sorted(p.read_bytes() for p in tmp_path.glob("*.corrupt-*")) == [b"one", b"two"]


def test_a_failing_save_is_logged_once_and_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be")
    store = memory_store(blocker / "hardware-memory.json")
    record_hardware(store.load(), desktop(), 1.0)
    assert not store.save() and not store.save()
    [warning] = warnings_of(caplog)
    assert "cannot be saved" in warning and "kept" in warning
    blocker.unlink()
    assert store.save()
    assert load_memory(blocker / "hardware-memory.json").since == 1.0


def test_a_save_that_cannot_encode_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "hardware-memory.json"
    memory = HardwareMemory()
    record_hardware(memory, desktop(), 1.0)
    save_memory(memory, path)
    before = path.read_bytes()
    record_users(memory, {"\udcff"}, 2.0)  # a lone surrogate, as a broken name decodes
    with pytest.raises(ValueError, match="not valid Unicode"):
        save_memory(memory, path)
    assert path.read_bytes() == before
    assert json.loads(before)["schema_version"] == memory_module.SCHEMA_VERSION


def test_the_inventory_reads_the_most_frequent_user_from_the_agents_memory(
    tmp_path: Path,
) -> None:
    """`netwatch inventory` and the audit show who uses the machine most, as the agent saw it;
    no memory (or an unusable one) leaves usage as read, and the file is never touched."""
    path = tmp_path / "hardware-memory.json"
    memory = HardwareMemory()
    record_users(memory, {"hoa.tran"}, 1_700_000_000.0)
    record_users(memory, {"hoa.tran", "binh.le"}, 1_700_086_400.0)
    save_memory(memory, path)
    known = remembered_usage(path, "binh.le")
    assert known is not None and (known.frequent_user, known.last_user) == ("hoa.tran", "binh.le")
    assert remembered_usage(tmp_path / "none.json", None) is None
    path.write_bytes(b"not json")
    assert remembered_usage(path, None) is None and path.read_bytes() == b"not json"
