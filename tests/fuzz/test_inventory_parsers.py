"""Inventory readers: dpkg status, rpm output, /proc/cpuinfo, Windows registry facts
(os-release is fuzzed with the other Linux parsers, tests/fuzz/test_linux_parsers.py).

They never raise on odd content (inventory reports what it can read); ``@example`` lines
are inputs that crashed them before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.facts.packages import (
    RPM_QUERY_FORMAT,
    WINDOWS_UNINSTALL_KEYS,
    PackageQueryError,
    parse_dpkg_status,
    parse_rpm_query,
    windows_programs,
)
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.commands import CommandError
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.inventory.hardware import cpu_model, parse_cpuinfo
from netwatch.inventory.nics import prefix_length
from netwatch.inventory.osinfo import WINDOWS_VERSION_KEY, windows_os_info
from netwatch.inventory.software import gather_packages
from tests.fuzz.strategies import EVIL_NUMBERS, EVIL_TOKENS, host_text, near, registry_values
from tests.helpers.recorded import RecordedCommands

FIXTURES = Path(__file__).parents[1] / "fixtures"
DPKG = (FIXTURES / "posture/linux-weak/var/lib/dpkg/status").read_text(encoding="utf-8")[:3000]
RPM = (FIXTURES / "linux/rpm-qa.txt").read_text(encoding="utf-8")
WINDOWS = {"ProductName": "Windows 10 Pro", "CurrentBuildNumber": "22631", "UBR": 3737,
           "DisplayVersion": "23H2", "CurrentMajorVersionNumber": 10,
           "CurrentMinorVersionNumber": 0}  # fmt: skip


@given(text=near(DPKG))
@example(text="Package: \nStatus: install ok installed\n")  # a package without a name
def test_dpkg_status(text: str) -> None:
    for package in parse_dpkg_status(text).packages:
        assert package.name and package.manager == "dpkg"
        assert package.source.startswith("/var/lib/dpkg/status:")


@given(text=near(RPM), returncode=st.sampled_from([0, 0, 1]), stderr=st.just("") | host_text)
def test_rpm_query(text: str, returncode: int, stderr: str) -> None:
    for package in parse_rpm_query(text):
        assert package.name and package.manager == "rpm"
    argv = f"rpm -qa --qf {RPM_QUERY_FORMAT}"
    commands = RecordedCommands(
        {argv: {"returncode": returncode, "stdout": text, "stderr": stderr}}
    )
    root = FIXTURES / "linux/office-pc"
    try:
        packages = gather_packages(HostAccess(FileReader(root), commands, None, live=True))
    except (PackageQueryError, CommandError) as exc:
        assert returncode and "\n" not in str(exc)
        return
    assert all(p.manager in ("dpkg", "rpm") for p in packages)


@given(text=near("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM)\n"))
def test_cpuinfo(text: str) -> None:
    model, vendor = parse_cpuinfo(text)
    assert isinstance(model, str) and isinstance(vendor, str)


@given(netmask=st.none() | st.sampled_from(["255.255.255.0", "ffff:ffff::", "ffff:zz::", "1.2.3",
                                             "²55.0.0.0", "ffff:" + "f" * 5000]) | st.text(max_size=20))  # fmt: skip
@example(netmask="ffff:zz::")  # int(..., 16) outside the try
def test_prefix_length(netmask: str | None) -> None:
    assert prefix_length(netmask) >= 0


@given(values=registry_values(WINDOWS), build=st.sampled_from(EVIL_NUMBERS + EVIL_TOKENS))
@example(values={**WINDOWS, "CurrentBuildNumber": "²"}, build="²")
@example(values={**WINDOWS, "CurrentBuildNumber": "9" * 5000}, build="")
def test_windows_os_info(values: dict[str, Any], build: str) -> None:
    for version in (values, {**values, "CurrentBuildNumber": build}):
        registry = RecordedRegistry({WINDOWS_VERSION_KEY: version})
        access = HostAccess(registry=registry, live=True)
        info = windows_os_info(access, "pc", "pc.office", "AMD64")
        assert info.os_family == "windows" and isinstance(info.kernel, str)
        assert isinstance(cpu_model(access)[0], str)


@given(entries=st.lists(registry_values({"DisplayName": "Zalo", "DisplayVersion": "24.6",
                                         "Publisher": "VNG", "SystemComponent": 0}), max_size=4),
       sids=st.lists(st.sampled_from(["S-1-5-21-1-2-3-1001", "S-1-5-21-\ud800", "S-1-5-21-x_Classes"])
                     | st.text(max_size=12), max_size=3))  # fmt: skip
def test_windows_programs(entries: list[dict[str, Any]], sids: list[str]) -> None:
    keys: dict[str, dict[str, Any]] = {}
    roots = [*WINDOWS_UNINSTALL_KEYS, *(f"HKU\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall" for sid in sids)]  # fmt: skip
    for number, values in enumerate(entries):
        keys[f"{roots[number % len(roots)]}\\{{app-{number}}}"] = values
    programs = windows_programs(RecordedRegistry(keys))
    for program in programs:
        assert program.name and program.manager == "windows"
        program.name.encode("utf-8")
