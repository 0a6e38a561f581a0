"""Install plans: how steps print, and that run_plan carries them out with real programs."""

from __future__ import annotations

import grp
import os
import stat
import sys
from pathlib import Path

import pytest

from netwatch.install.steps import (
    Command,
    RemovePath,
    Require,
    Step,
    StepFailed,
    WaitFor,
    WriteFile,
    describe_plan,
    run_plan,
)


def exits(code: int, message: str = "") -> tuple[str, ...]:
    """argv of a real program that prints ``message`` to stderr and exits ``code``."""
    script = f"import sys; sys.stderr.write({message!r}); sys.exit({code})"
    return (sys.executable, "-c", script)


def test_describe_plan_numbers_one_line_per_step(tmp_path: Path) -> None:
    steps: list[Step] = [
        Require(Path("/run/systemd/system"), "systemd runs this machine", "no systemd"),
        Command(("useradd", "--comment", "two words", "netwatch"), "the user", (0, 9)),
        WriteFile(tmp_path / "a.yaml", b"x: 1\n", 0o640, "config", group="netwatch"),
        WriteFile(tmp_path / "b.service", b"[Unit]\n", 0o644, "unit"),
        RemovePath(tmp_path / "old", "leftover"),
    ]
    assert describe_plan(steps).splitlines() == [
        " 1. check /run/systemd/system exists    # systemd runs this machine",
        " 2. run   useradd --comment 'two words' netwatch    # the user",
        f" 3. write {tmp_path}/a.yaml (mode 640, group netwatch, 5 bytes)    # config",
        f" 4. write {tmp_path}/b.service (mode 644, 7 bytes)    # unit",
        f" 5. remove {tmp_path}/old    # leftover",
    ]


def test_run_plan_writes_files_with_mode_and_group(tmp_path: Path) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    target = tmp_path / "etc" / "netwatch" / "netwatch.yaml"
    run_plan([WriteFile(target, b"services: []\n", 0o640, "config", group=group)])
    assert target.read_bytes() == b"services: []\n"
    info = target.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert info.st_gid == os.getgid()
    assert sorted(p.name for p in target.parent.iterdir()) == ["netwatch.yaml"]


def test_write_to_an_unknown_group_fails_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "netwatch.yaml"
    step = WriteFile(target, b"x", 0o640, "config", group="no-such-group-netwatch")
    with pytest.raises(StepFailed, match=f"writing {target}: no group 'no-such-group-netwatch'"):
        run_plan([step])
    assert list(tmp_path.iterdir()) == []


def test_commands_succeed_on_their_ok_codes_and_report_done_steps() -> None:
    done: list[int] = []
    steps: list[Step] = [
        Command(exits(0), "plain success"),
        Command(exits(9, "useradd: user 'netwatch' already exists"), "exists is fine", (0, 9)),
    ]
    run_plan(steps, on_done=lambda number, _: done.append(number))
    assert done == [1, 2]


def test_a_failing_command_names_itself_its_code_and_its_last_line(tmp_path: Path) -> None:
    marker = tmp_path / "after"
    steps: list[Step] = [
        Command(exits(1, "first line\nFailed to enable unit: Access denied\n"), "enable"),
        WriteFile(marker, b"", 0o644, "must not run"),
    ]
    with pytest.raises(StepFailed) as failure:
        run_plan(steps)
    message = str(failure.value)
    assert message.endswith(" exited 1: Failed to enable unit: Access denied")
    assert message.startswith(sys.executable)
    assert not marker.exists()


def test_a_missing_program_and_a_hung_one_are_step_failures() -> None:
    with pytest.raises(
        StepFailed, match="^cannot run no-such-program-netwatch x: No such file or directory$"
    ):
        run_plan([Command(("no-such-program-netwatch", "x"), "missing")])
    hung = (sys.executable, "-c", "import time; time.sleep(60)")
    with pytest.raises(StepFailed, match="no answer within 0.5 s"):
        run_plan([Command(hung, "hangs")], timeout=0.5)


def test_require_stops_the_plan_before_anything_changes(tmp_path: Path) -> None:
    target = tmp_path / "unit"
    steps: list[Step] = [
        Require(tmp_path / "run" / "systemd" / "system", "systemd", "systemd is not running"),
        WriteFile(target, b"[Unit]\n", 0o644, "unit"),
    ]
    with pytest.raises(StepFailed, match="^systemd is not running$"):
        run_plan(steps)
    assert not target.exists()
    (tmp_path / "run" / "systemd" / "system").mkdir(parents=True)
    run_plan(steps)
    assert target.read_bytes() == b"[Unit]\n"


def test_remove_path_takes_trees_files_and_absent_paths(tmp_path: Path) -> None:
    tree = tmp_path / "var" / "lib" / "netwatch"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "lan-state.json").write_text("{}")
    (tree / "link").symlink_to(tmp_path)  # removed as a link, never followed
    single = tmp_path / "netwatch.service"
    single.write_text("[Unit]\n")
    run_plan(
        [
            RemovePath(tree, "state"),
            RemovePath(single, "unit"),
            RemovePath(tmp_path / "absent", "nothing"),
        ]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]
    assert list((tmp_path / "var" / "lib").iterdir()) == []


def test_wait_for_goes_on_when_done_and_fails_at_its_timeout_or_on_os_errors() -> None:
    polls = iter([False, False, True])
    run_plan([WaitFor(lambda: next(polls), "the service has stopped", 5, why="test")])
    assert next(polls, "used up") == "used up"
    with pytest.raises(StepFailed, match="^never: not so after 0.6 s$"):
        run_plan([WaitFor(lambda: False, "never", 0.6, why="test")])

    def unreachable() -> bool:
        raise OSError(1722, "service manager: The RPC server is unavailable.")

    with pytest.raises(StepFailed, match="RPC server is unavailable"):
        run_plan([WaitFor(unreachable, "stopped", 5, why="test")])
    assert describe_plan([WaitFor(lambda: True, "x stopped", 60, why="free")]) == (
        " 1. wait  until x stopped (at most 60 s)    # free"
    )
