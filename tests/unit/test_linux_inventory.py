"""Linux inventory parsers against fixture trees and recorded command output."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import pytest

from netwatch.facts.os_release import parse_os_release
from netwatch.facts.packages import PackageQueryError, parse_rpm_query
from netwatch.hostaccess import CommandResult, FileReader, HostAccess
from netwatch.hostaccess.commands import CommandError
from netwatch.inventory.hardware import cpu_model, parse_cpuinfo
from netwatch.inventory.nics import prefix_length
from netwatch.inventory.osinfo import linux_os_info
from netwatch.inventory.software import gather_packages
from netwatch.inventory.storage import DEFAULT_EXCLUDED_MOUNTS, PSEUDO_FSTYPES, candidate_partitions

FIXTURES = Path(__file__).parents[1] / "fixtures" / "linux"
DEBIAN = FIXTURES / "debian12"


def image_access(root: Path = DEBIAN, commands: object | None = None) -> HostAccess:
    if commands is None:
        return HostAccess(files=FileReader(root), registry=None, live=False)
    return HostAccess(files=FileReader(root), commands=commands, registry=None, live=False)  # type: ignore[arg-type]


def test_os_info_from_mounted_image() -> None:
    info = linux_os_info(image_access(), "pc-van-thu", "pc-van-thu.ubnd.local")
    assert (info.os_id, info.os_name, info.os_version) == ("debian", "Debian GNU/Linux", "12")
    assert info.machine_id == "5f0c8e2ab1c94e6f9d1a7b3c2e4f6a80"
    assert info.fqdn == "pc-van-thu.ubnd.local"
    assert info.kernel == "" and info.arch == "", "an image's kernel is not the running one"


def test_os_release_parsing_tolerates_junk() -> None:
    text = '# c\nNAME="Ubuntu"\nVERSION_ID=22.04\ngarbage\nBAD="unterminated\n'
    parsed = parse_os_release(text, "/etc/os-release")
    assert parsed.fields == {"NAME": "Ubuntu", "VERSION_ID": "22.04", "BAD": "unterminated"}
    assert parsed.source("VERSION_ID") == "/etc/os-release:3"


def test_missing_os_release_falls_back(tmp_path: Path) -> None:
    info = linux_os_info(image_access(tmp_path), "h", "h")
    assert (info.os_id, info.os_name, info.os_version, info.machine_id) == (
        "linux", "Linux", "", ""
    )  # fmt: skip


def test_cpuinfo_model_and_vendor() -> None:
    assert cpu_model(image_access()) == ("12th Gen Intel(R) Core(TM) i5-1235U", "GenuineIntel")
    arm = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nModel\t: Raspberry Pi 4"
    assert parse_cpuinfo(arm) == ("Raspberry Pi 4", "0x41")


def test_dpkg_status_lists_only_installed_packages() -> None:
    packages = gather_packages(image_access())
    assert [(p.name, p.version, p.arch, p.manager) for p in packages] == [
        ("openssh-server", "1:9.2p1-2+deb12u3", "amd64", "dpkg"),
        ("tzdata", "2024a-0+deb12u1", "all", "dpkg"),
    ]


def test_rpm_output_parsing() -> None:
    packages = parse_rpm_query((FIXTURES / "rpm-qa.txt").read_text())
    assert [(p.name, p.version, p.vendor) for p in packages] == [
        ("openssh-server", "8.7p1-38.el9", "Rocky Enterprise Software Foundation"),
        ("gpg-pubkey", "b86b3716-61e69f29", ""),
        ("kernel", "5.14.0-427.13.1.el9_4", "Rocky Enterprise Software Foundation"),
    ]


class RecordedRpm:
    """Replays a recorded ``rpm -qa`` run and remembers the argv it was asked for."""

    def __init__(self, stdout: str = "", returncode: int = 0, error: str | None = None) -> None:
        self.stdout, self.returncode, self.error = stdout, returncode, error
        self.argv: list[str] = []

    def which(self, program: str) -> str | None:
        return f"/usr/bin/{program}"

    def run(self, argv: list[str], timeout: float | None = None) -> CommandResult:
        self.argv = list(argv)
        if self.error:
            raise CommandError(self.error)
        return CommandResult(tuple(argv), self.returncode, self.stdout, "rpmdb: lock held\n")


def test_rpm_database_is_read_with_root_for_images(tmp_path: Path) -> None:
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    runner = RecordedRpm((FIXTURES / "rpm-qa.txt").read_text())
    packages = gather_packages(image_access(tmp_path, runner))
    assert runner.argv[:3] == ["rpm", "--root", str(tmp_path)]
    assert {p.manager for p in packages} == {"rpm"} and len(packages) == 3


@pytest.mark.parametrize(
    ("runner", "message"),
    [
        (RecordedRpm(returncode=1), "rpm -qa failed: rpmdb: lock held"),
        (RecordedRpm(error="rpm: no answer within 60s"), "no answer within 60s"),
    ],
)
def test_rpm_failures_are_reported(tmp_path: Path, runner: RecordedRpm, message: str) -> None:
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    with pytest.raises(PackageQueryError, match=message):
        gather_packages(image_access(tmp_path, runner))


Part = namedtuple("Part", "device mountpoint fstype opts")


def test_pseudo_and_duplicate_filesystems_are_skipped() -> None:
    parts = [
        Part("/dev/sda2", "/", "ext4", "rw"),
        Part("proc", "/proc", "proc", "rw"),
        Part("tmpfs", "/run/user/1000", "tmpfs", "rw"),
        Part("/dev/sda1", "/boot/efi", "vfat", "rw"),
        Part("/dev/loop3", "/snap/core/1", "squashfs", "ro"),
        Part("//fs01/share", "/mnt/share", "cifs", "rw"),
        Part("/dev/sda2", "/", "ext4", "rw"),
        Part("overlay", "/var/lib/docker/overlay2/x/merged", "overlay", "rw"),
        Part("none", "/weird", "", "rw"),
    ]
    chosen = candidate_partitions(parts, PSEUDO_FSTYPES, DEFAULT_EXCLUDED_MOUNTS)
    assert [p.mountpoint for p in chosen] == ["/", "/boot/efi", "/mnt/share"]


@pytest.mark.parametrize(
    ("mask", "prefix"),
    [("255.255.255.0", 24), ("255.255.252.0", 22), ("ffff:ffff:ffff:ffff::", 64), (None, 0),
     ("junk", 0)],
)  # fmt: skip
def test_prefix_length(mask: str | None, prefix: int) -> None:
    assert prefix_length(mask) == prefix
