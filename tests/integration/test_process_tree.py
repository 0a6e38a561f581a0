"""Hung external commands die with their whole process tree, and no child is left a zombie."""

from __future__ import annotations

import sys
import threading
import uuid

import psutil
import pytest

from netwatch.collectors.posture import PostureWorkerError, run_worker
from netwatch.hostaccess import CommandRunner
from netwatch.hostaccess.commands import CommandError, kill_running
from tests.conftest import wait_until

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell and sleep")


def marked_sleep() -> str:
    """A ``sleep`` duration unique to the calling test: its processes are found by it."""
    return f"59.{uuid.uuid4().int % 10**9:09d}"


def alive_with(argument: str) -> list[psutil.Process]:
    """Live (not zombie) processes whose command line holds ``argument``."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if argument in " ".join(process.info["cmdline"] or ()):
            found.append(process)
    return found


def zombie_children() -> list[psutil.Process]:
    """Children of this process that ended and were never waited for."""
    found = []
    for child in psutil.Process().children():
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:  # reaped meanwhile
            pass
    return found


def test_a_hung_command_is_killed_with_its_grandchildren() -> None:
    seconds = marked_sleep()
    # The shell waits on one sleep while another, in the background, holds the same pipes.
    argv = ["/bin/sh", "-c", f"sleep {seconds} & sleep {seconds}"]
    with pytest.raises(CommandError, match="no answer within 1s"):
        CommandRunner().run(argv, timeout=1)
    assert wait_until(lambda: not alive_with(seconds), timeout=5), alive_with(seconds)
    assert zombie_children() == []


def test_a_grandchild_holding_the_output_does_not_outlive_the_timeout() -> None:
    seconds = marked_sleep()
    # The shell itself ends at once; subprocess.run would then wait the whole minute
    # for the background sleep to close stdout.
    argv = ["/bin/sh", "-c", f"sleep {seconds} & echo started"]
    with pytest.raises(CommandError, match="no answer within 1s"):
        CommandRunner().run(argv, timeout=1)
    assert wait_until(lambda: not alive_with(seconds), timeout=5), alive_with(seconds)
    assert zombie_children() == []


def test_a_command_that_finishes_is_reaped_and_its_output_kept() -> None:
    for _ in range(3):
        result = CommandRunner().run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert zombie_children() == []


def test_a_hung_posture_child_is_killed_with_the_commands_it_started() -> None:
    seconds = marked_sleep()
    # Like a posture check's command: the child's own child runs in a session of its own,
    # out of reach of the child's process group.
    script = (
        "import subprocess, time\n"
        f"subprocess.Popen(['sleep', '{seconds}'], start_new_session=True)\n"
        f"subprocess.Popen(['sleep', '{seconds}'])\n"
        "time.sleep(60)\n"
    )
    with pytest.raises(PostureWorkerError, match="did not finish within 1s"):
        run_worker([sys.executable, "-c", script], 1)
    assert wait_until(lambda: not alive_with(seconds), timeout=5), alive_with(seconds)
    assert zombie_children() == []


def test_posture_runs_leave_no_zombie(tmp_path) -> None:
    from netwatch.core.selfcommand import netwatch_argv

    for _ in range(2):
        document = run_worker(netwatch_argv("posture", "--format", "json"), 120)
        assert document["results"]
    with pytest.raises(PostureWorkerError, match="exited with 2"):
        run_worker(netwatch_argv("posture", "--policy", str(tmp_path / "none.yaml")), 60)
    assert zombie_children() == []


def test_commands_still_running_are_killed_at_shutdown() -> None:
    seconds = marked_sleep()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            CommandRunner().run(["/bin/sh", "-c", f"sleep {seconds} & sleep {seconds}"], 60)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert wait_until(lambda: len(alive_with(seconds)) >= 2, timeout=10)
    assert kill_running() == 1
    worker.join(10)
    assert not worker.is_alive()
    assert errors == []  # the runner returned the killed command's result, it did not hang
    assert wait_until(lambda: not alive_with(seconds), timeout=5), alive_with(seconds)
    assert zombie_children() == []
