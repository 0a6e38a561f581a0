"""Read-only state comes from the host's mount table, not a sandboxed service's own view."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from netwatch.inventory.storage import host_readonly_mounts, parse_mount_table

pytestmark = pytest.mark.integration

PRINT_ROOT = (
    "import json, psutil\n"
    "from netwatch.inventory.storage import gather_filesystems\n"
    "own = {p.mountpoint: 'ro' in p.opts.split(',') for p in psutil.disk_partitions(all=True)}\n"
    "found = {fs.mountpoint: fs.readonly for fs in gather_filesystems()[0]}\n"
    "print(json.dumps({'own': own.get('/'), 'reported': found.get('/')}))\n"
)


def test_mount_table_parsing_unescapes_and_lets_the_last_mount_win() -> None:
    table = (
        "/dev/vda / ext4 rw,relatime 0 0\n"
        "/dev/sdb /mnt/USB\\040KHO\\134A vfat ro,noatime 0 0\n"
        "/dev/vda / ext4 ro,relatime 0 0\n"
        "garbage\n"
    )
    assert parse_mount_table(table) == {"/": True, "/mnt/USB KHO\\A": True}


def test_unreadable_host_table_falls_back_to_the_agents_view(tmp_path) -> None:
    assert host_readonly_mounts(str(tmp_path / "missing")) == {}


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root")
def test_read_only_view_of_a_protected_service_is_not_reported() -> None:
    """As under ProtectSystem=strict: / is read-only in the agent's namespace only."""
    with open("/proc/1/mounts", encoding="utf-8") as table:
        if parse_mount_table(table.read()).get("/") is not False:
            pytest.skip("the host's / is not mounted read-write here")
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         'mount -o remount,bind,ro / && exec "$@"', "sh", sys.executable, "-c", PRINT_ROOT],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"own": True, "reported": False}
