"""``--root`` confinement: hostile images never make netwatch read a file of the auditing host.

The oracle is a canary tree beside the image (``tmp_path/host``) that the image's symlinks
point at: its files would flip verdicts and carry a marker, so any read of them shows in the
report; under strace, no file system call names them at all.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from netwatch.core.selfcommand import netwatch_argv
from netwatch.hostaccess.confine import MAX_SYMLINK_HOPS, UnsafeFileError, resolve_in_root
from netwatch.hostaccess.files import FileReader
from tests.helpers.posture_hosts import POSTURE_FIXTURES

MARKER = "canary0marker"
ENV = {"COLUMNS": "200", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def escape(image: Path, target: Path) -> str:
    """A relative symlink target climbing far above ``image`` and down to ``target``."""
    return "../" * (len(image.parts) + 5) + str(target).lstrip("/")


def twin(image: Path, host_path: Path) -> Path:
    """Where an absolute link to ``host_path`` lands inside the image."""
    path = image / str(host_path).lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A hardened Debian image whose files link out to a canary tree on the host."""
    image, host = tmp_path / "image", tmp_path / "host"
    shutil.copytree(POSTURE_FIXTURES / "linux-hardened", image, symlinks=True)
    etc = image / "etc"
    (host / "sshd.d").mkdir(parents=True)
    (host / "sudoers.d").mkdir()
    (host / "apt.d").mkdir()

    # /etc/passwd -> /<host>/passwd: the image's twin is hardened, the host's has a 2nd uid 0.
    passwd = (etc / "passwd").read_text()
    (host / "passwd").write_text(f"{passwd}{MARKER}:x:0:0::/:/bin/sh\n")
    (etc / "passwd").rename(twin(image, host / "passwd"))
    (etc / "passwd").symlink_to(host / "passwd")

    # sshd's Include glob goes through a directory linked out; the host's lets root in.
    (host / "sshd.d" / "00-canary.conf").write_text(f"PermitRootLogin yes\nBanner /{MARKER}\n")
    (etc / "ssh/sshd_config.d").rename(twin(image, host / "sshd.d"))
    (etc / "ssh/sshd_config.d").symlink_to(host / "sshd.d")

    # @includedir /etc/sudoers.d climbs out with ..: clamped at the image root, it is missing.
    (host / "sudoers.d" / "10-canary").write_text(f"{MARKER} ALL=(ALL) NOPASSWD: ALL\n")
    (host / "sudoers.d" / "10-canary").chmod(0o440)
    shutil.rmtree(etc / "sudoers.d")
    (etc / "sudoers.d").symlink_to(escape(image, host / "sudoers.d"))

    # apt.conf.d through a chain of links, the last one absolute.
    (host / "apt.d" / "20auto-upgrades").write_text(
        f'APT::Periodic::Unattended-Upgrade "0"; // {MARKER}\n'
    )
    (etc / "apt/apt.conf.d").rename(twin(image, host / "apt.d"))
    (etc / "apt/conf-hop2").symlink_to(host / "apt.d")
    (etc / "apt/conf-hop1").symlink_to("conf-hop2")
    (etc / "apt/apt.conf.d").symlink_to("conf-hop1")

    # os-release climbs out to the host's with ..: clamped, it lands on the image's twin.
    (host / "os-release").write_text(f'ID={MARKER}\nPRETTY_NAME="{MARKER} Linux"\n')
    (etc / "os-release").rename(twin(image, host / "os-release"))
    (etc / "os-release").symlink_to(escape(image, host / "os-release"))

    # A loop, and a FIFO where a config is expected.
    (etc / "shadow").unlink()
    (etc / "shadow").symlink_to("shadow.loop")
    (etc / "shadow.loop").symlink_to("/etc/shadow")
    (etc / "nftables.conf").unlink()
    os.mkfifo(etc / "nftables.conf")
    return image, host


def posture_json(image: Path) -> tuple[dict[str, dict[str, object]], str]:
    result = subprocess.run(
        netwatch_argv("posture", "--root", str(image), "--format", "json"),
        capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    return {r["id"]: r for r in document["results"]}, result.stdout + result.stderr


def test_hostile_image_is_judged_by_its_own_files(hostile: tuple[Path, Path]) -> None:
    image, _ = hostile
    by_id, output = posture_json(image)
    assert MARKER not in output
    # Verdicts a read of the canaries would flip: the image's own twins were read.
    assert by_id["linux.accounts.extra_uid0"]["result"] == "pass"
    assert by_id["linux.ssh.root_login"]["result"] == "pass"
    assert by_id["linux.accounts.sudo_nopasswd"]["result"] == "pass"
    assert by_id["linux.updates.automatic"]["result"] == "pass"
    assert by_id["linux.updates.os_supported"]["result"] == "pass"
    # A loop and a FIFO are errors naming the file and why, not absent files or a hang.
    shadow = by_id["linux.accounts.empty_password_hash"]
    assert shadow["result"] == "error"
    assert "/etc/shadow" in shadow["reason"] and "symbolic link loop" in shadow["reason"]
    assert by_id["linux.files.critical_permissions"]["result"] == "error"
    firewall = by_id["linux.network.firewall_default_deny"]
    assert firewall["result"] == "error"
    assert "/etc/nftables.conf is a FIFO" in firewall["reason"]


def test_no_file_system_call_names_the_host_canaries(hostile: tuple[Path, Path]) -> None:
    image, host = hostile
    if subprocess.run(["strace", "-o", os.devnull, "true"], timeout=30).returncode != 0:
        pytest.skip("strace cannot trace here")
    log = image.parent / "strace.log"
    argv = ["strace", "-f", "-e", "trace=%file", "-o", str(log)]
    argv += netwatch_argv("posture", "--root", str(image), "--format", "json")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=ENV)
    assert result.returncode == 1, result.stderr
    lines = log.read_text().splitlines()
    assert any(f'"{image}/etc/passwd"' in line for line in lines)  # the trace saw the reads
    # readlink prints the link's target (the canary path) as its result: the only mention.
    touched = [
        line for line in lines if f'"{host}' in line and "readlink" not in line.split("(")[0]
    ]
    assert touched == []


# The resolver and FileReader on small images.


def reader(image: Path) -> FileReader:
    image.mkdir(exist_ok=True)
    (image / "etc").mkdir(exist_ok=True)
    return FileReader(image)


def test_absolute_link_is_a_path_inside_the_image(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    (tmp_path / "canary").write_text(MARKER)
    (tmp_path / "image/etc/passwd").symlink_to(tmp_path / "canary")
    with pytest.raises(FileNotFoundError):
        files.read_text("/etc/passwd")
    assert files.read_text_or_none("/etc/passwd") is None
    assert not files.exists("/etc/passwd")
    with pytest.raises(FileNotFoundError):
        files.stat("/etc/passwd")
    twin(tmp_path / "image", tmp_path / "canary").write_text("root:x:0:0::/root:/bin/sh\n")
    assert files.read_text("/etc/passwd") == "root:x:0:0::/root:/bin/sh\n"


def test_dot_dot_stops_at_the_image_root(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    (tmp_path / "image/etc/hostname").write_text("image\n")
    assert files.read_text("/../../../etc/hostname") == "image\n"
    (tmp_path / "image/etc/up").symlink_to("../../../../../..")
    assert files.read_text("/etc/up/etc/hostname") == "image\n"
    assert files.path("/etc/up/etc") == Path(os.path.realpath(tmp_path / "image/etc"))


def test_directory_linked_to_etc_lists_the_image(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    (tmp_path / "image/etc/only-in-image").write_text("x")
    (tmp_path / "image/etc/pam.d").symlink_to("/etc")
    assert list(files.list_dir("/etc/pam.d")) == ["only-in-image", "pam.d"]
    assert not files.exists("/etc/pam.d/passwd")  # the host's /etc/passwd is not seen


def test_chains_resolve_up_to_the_kernel_limit(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    etc = tmp_path / "image/etc"
    (etc / "real").write_text("found")
    for hop in range(MAX_SYMLINK_HOPS):
        (etc / f"link{hop}").symlink_to("real" if hop == 0 else f"/etc/link{hop - 1}")
    assert files.read_text(f"/etc/link{MAX_SYMLINK_HOPS - 1}") == "found"
    (etc / "one-more").symlink_to(f"link{MAX_SYMLINK_HOPS - 1}")
    with pytest.raises(UnsafeFileError) as raised:
        files.read_text("/etc/one-more")
    assert raised.value.errno == errno.ELOOP


def test_a_loop_is_an_error_naming_the_path(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    (tmp_path / "image/etc/a").symlink_to("b")
    (tmp_path / "image/etc/b").symlink_to("/etc/a")
    with pytest.raises(UnsafeFileError, match="loop .* resolving /etc/a/x inside the image"):
        resolve_in_root(str(tmp_path / "image"), "/etc/a/x")
    with pytest.raises(UnsafeFileError):
        files.read_text_or_none("/etc/a")
    with pytest.raises(UnsafeFileError):
        list(files.list_dir("/etc/a"))
    assert not files.exists("/etc/a")


def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    os.mkfifo(tmp_path / "image/etc/login.defs")
    with pytest.raises(UnsafeFileError, match="/etc/login.defs is a FIFO"):
        files.read_text_or_none("/etc/login.defs")
    (tmp_path / "image/etc/zero").symlink_to("/dev/zero")  # the image's, missing
    assert files.read_text_or_none("/etc/zero") is None
    with pytest.raises(UnsafeFileError, match="character device"):
        FileReader("/").read_text("/dev/null")


def test_a_file_in_the_middle_of_a_path_is_not_a_directory(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    (tmp_path / "image/etc/passwd").write_text("x")
    with pytest.raises(NotADirectoryError):
        files.read_text("/etc/passwd/../passwd")


def test_walk_files_stays_in_the_image(tmp_path: Path) -> None:
    files = reader(tmp_path / "image")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text(MARKER)
    backup = twin(tmp_path / "image", outside)
    backup.mkdir()
    (backup / "daily.tar").write_text("backup")
    (backup / "leak").symlink_to(outside)  # a directory link is not followed
    (tmp_path / "image/srv").symlink_to(outside)  # absolute: the twin in the image
    assert [path for path, _ in files.walk_files("/srv", 100)] == ["/srv/daily.tar"]


def test_the_running_system_is_read_as_before(tmp_path: Path) -> None:
    (tmp_path / "target").write_text("host file")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    files = FileReader("/")
    assert files.path(f"{tmp_path}/link") == tmp_path / "link"
    assert files.read_text(f"{tmp_path}/link") == "host file"
