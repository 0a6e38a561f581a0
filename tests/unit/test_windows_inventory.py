"""Windows inventory code paths against registry recordings of real-looking machines.

The recordings in ``tests/fixtures/windows`` hold values the way :mod:`winreg`
returns them (REG_SZ -> str, REG_DWORD/REG_QWORD -> int, REG_MULTI_SZ -> list).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.inventory.hardware import WINDOWS_CPU_KEY, cpu_model
from netwatch.inventory.osinfo import WINDOWS_VERSION_KEY, OsInfo, windows_os_info
from netwatch.inventory.software import WINDOWS_UNINSTALL_KEYS, Package, windows_programs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "windows"
UNINSTALL_64, UNINSTALL_32 = WINDOWS_UNINSTALL_KEYS

WIN11 = "win11-23h2-vi.json"
WIN10 = "win10-22h2-en.json"
SERVER2019 = "server2019-en.json"


def _registry(name: str) -> RecordedRegistry:
    return RecordedRegistry.from_file(FIXTURES / name)


def _access(name: str) -> HostAccess:
    return HostAccess(files=FileReader("/nonexistent"), registry=_registry(name))


def _raw(name: str) -> dict[str, dict[str, object]]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _win(name: str, version: str, arch: str, vendor: str) -> Package:
    return Package(name=name, version=version, arch=arch, vendor=vendor, manager="windows")


# --------------------------------------------------------------------------- recordings


@pytest.mark.parametrize("name", [WIN11, WIN10, SERVER2019])
def test_recording_values_have_winreg_types(name: str) -> None:
    allowed = (str, int, list)
    for key, values in _raw(name).items():
        assert key.startswith("HKLM\\"), key
        for value_name, value in values.items():
            assert isinstance(value, allowed), (key, value_name, value)
            assert not isinstance(value, bool), (key, value_name)
            if isinstance(value, list):
                assert all(isinstance(item, str) for item in value), (key, value_name)


def test_win11_recording_says_windows_10_in_product_name() -> None:
    values = _registry(WIN11).values(WINDOWS_VERSION_KEY)
    assert values["ProductName"] == "Windows 10 Pro"
    assert values["CurrentBuildNumber"] == "22631"
    assert values["UBR"] == 4037


# --------------------------------------------------------------------------- OS identity


@pytest.mark.parametrize(
    ("recording", "expected_name", "expected_version", "expected_kernel", "expected_guid"),
    [
        (
            WIN11,
            "Windows 11 Pro",
            "23H2",
            "10.0.22631.4037",
            "3f6c2a9e-8d41-4b7a-9c05-e2b8d17f4a63",
        ),
        (
            WIN10,
            "Windows 10 Pro",
            "22H2",
            "10.0.19045.4651",
            "b7d94e21-0c5a-4f3e-8a62-5d1e9f7c3b08",
        ),
        (
            SERVER2019,
            "Windows Server 2019 Standard",
            "1809",
            "10.0.17763.6054",
            "e1a05c7d-2f93-46b8-b4de-7c0f8a9123d5",
        ),
    ],
)
def test_windows_os_info(
    recording: str,
    expected_name: str,
    expected_version: str,
    expected_kernel: str,
    expected_guid: str,
) -> None:
    info = windows_os_info(_access(recording), "pc-01", "pc-01.office.local", "AMD64")
    assert info == OsInfo(
        hostname="pc-01",
        fqdn="pc-01.office.local",
        os_family="windows",
        os_id="windows",
        os_name=expected_name,
        os_version=expected_version,
        kernel=expected_kernel,
        arch="AMD64",
        machine_id=expected_guid,
    )


def test_server_2019_version_comes_from_release_id() -> None:
    values = _registry(SERVER2019).values(WINDOWS_VERSION_KEY)
    assert "DisplayVersion" not in values
    assert values["InstallationType"] == "Server"
    info = windows_os_info(_access(SERVER2019), "srv", "srv", "AMD64")
    assert info.os_version == values["ReleaseId"] == "1809"


def test_windows_os_info_kernel_of_pre_windows_10_host() -> None:
    # Windows 8.1 / Server 2012 R2 have no CurrentMajorVersionNumber; CurrentVersion is real.
    recorded = RecordedRegistry(
        {
            WINDOWS_VERSION_KEY: {
                "CurrentBuild": "9600",
                "CurrentBuildNumber": "9600",
                "CurrentType": "Multiprocessor Free",
                "CurrentVersion": "6.3",
                "EditionID": "ServerStandard",
                "InstallationType": "Server",
                "ProductName": "Windows Server 2012 R2 Standard",
            }
        }
    )
    access = HostAccess(files=FileReader("/nonexistent"), registry=recorded)
    info = windows_os_info(access, "srv", "srv", "AMD64")
    assert (info.os_name, info.os_version, info.kernel) == (
        "Windows Server 2012 R2 Standard",
        "9600",
        "6.3.9600",
    )


def test_windows_os_info_without_registry() -> None:
    access = HostAccess(files=FileReader("/nonexistent"), registry=None)
    info = windows_os_info(access, "h", "h", "AMD64")
    assert (info.os_name, info.os_version, info.kernel, info.machine_id) == (
        "Windows",
        "",
        "10.0.0",
        "",
    )


# --------------------------------------------------------------------------- CPU


@pytest.mark.parametrize(
    ("recording", "expected"),
    [
        (WIN11, ("12th Gen Intel(R) Core(TM) i5-12400", "GenuineIntel")),
        (WIN10, ("AMD Ryzen 5 3400G with Radeon Vega Graphics", "AuthenticAMD")),
        (SERVER2019, ("Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz", "GenuineIntel")),
    ],
)
def test_cpu_model(recording: str, expected: tuple[str, str]) -> None:
    assert cpu_model(_access(recording)) == expected


def test_cpu_model_trims_the_padded_processor_name() -> None:
    raw = _registry(WIN11).values(WINDOWS_CPU_KEY)["ProcessorNameString"]
    assert raw == "12th Gen Intel(R) Core(TM) i5-12400    "
    model, _vendor = cpu_model(_access(WIN11))
    assert model == raw.rstrip()
    assert not model.endswith(" ")


# --------------------------------------------------------------------------- programs

WIN11_PROGRAMS = [
    _win("7-Zip 23.01 (x64)", "23.01", "x64", "Igor Pavlov"),
    _win("Foxit PDF Reader", "2024.2.3.25184", "x86", "Foxit Software Inc."),
    _win("Google Chrome", "127.0.6533.120", "x86", "Google LLC"),
    _win("HTKK", "5.2.3", "x86", "Tổng cục Thuế"),
    _win("iTaxViewer", "2.3.4", "x86", "Tổng cục Thuế"),
    _win("Kaspersky Endpoint Security for Windows", "12.5.0.539", "x64", "AO Kaspersky Lab"),
    _win("Microsoft Edge", "127.0.2651.105", "x86", "Microsoft Corporation"),
    _win("Microsoft Edge WebView2 Runtime", "127.0.2651.105", "x86", "Microsoft Corporation"),
    _win(
        "Microsoft Office Language Interface Pack 2016 - Vietnamese/Tiếng Việt",
        "16.0.4266.1001",
        "x86",
        "Microsoft Corporation",
    ),
    _win(
        "Microsoft Office Professional Plus 2016", "16.0.4266.1001", "x86", "Microsoft Corporation"
    ),
    _win("Microsoft Update Health Tools", "3.74.0.0", "x64", "Microsoft Corporation"),
    _win(
        "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810",
        "14.40.33810.0",
        "x86",
        "Microsoft Corporation",
    ),
    _win("Mozilla Firefox (x64 vi)", "129.0.1", "x64", "Mozilla"),
    _win("Mozilla Maintenance Service", "129.0.1", "x64", "Mozilla"),
    _win("UniKey 4.6 RC2", "4.6", "x64", "Phạm Kim Long"),
    _win("VGCA Sign Service", "2.0.6", "x86", "Ban Cơ yếu Chính phủ"),
    _win("VNPT-CA Token Manager", "2.0.6.3", "x86", "VNPT-CA"),
    _win("Zalo 24.8.1", "24.8.1", "x64", "VNG Corporation"),
]


def test_win11_programs_exact() -> None:
    assert windows_programs(_access(WIN11)) == WIN11_PROGRAMS


def test_win11_programs_sorted_case_insensitively() -> None:
    names = [package.name for package in windows_programs(_access(WIN11))]
    assert names == sorted(names, key=str.lower)
    assert names[0] == "7-Zip 23.01 (x64)"
    assert names[-1] == "Zalo 24.8.1"
    # A lowercase first letter sorts among the I's, not after "Zalo".
    assert names.index("HTKK") + 1 == names.index("iTaxViewer")
    assert names.index("iTaxViewer") + 1 == names.index("Kaspersky Endpoint Security for Windows")


def test_win11_skips_system_component() -> None:
    registry = _registry(WIN11)
    key = f"{UNINSTALL_64}\\{{F7B2C3A1-9D84-4E6B-A1C2-3E5D7F9A0B64}}"
    assert registry.values(key)["SystemComponent"] == 1
    names = {package.name for package in windows_programs(_access(WIN11))}
    assert "Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.40.33810" not in names
    assert "Microsoft Visual C++ 2022 X64 Additional Runtime - 14.40.33810" not in names


def test_win11_hidden_msi_entry_does_not_replace_visible_office_entry() -> None:
    registry = _registry(WIN11)
    hidden = registry.values(f"{UNINSTALL_32}\\{{90160000-0011-0000-0000-0000000FF1CE}}")
    assert hidden["DisplayName"] == "Microsoft Office Professional Plus 2016"
    assert hidden["SystemComponent"] == 1
    office = [p for p in windows_programs(_access(WIN11)) if "Professional Plus" in p.name]
    assert office == [
        _win(
            "Microsoft Office Professional Plus 2016",
            "16.0.4266.1001",
            "x86",
            "Microsoft Corporation",
        )
    ]


def test_win11_system_component_zero_is_kept() -> None:
    values = _registry(WIN11).values(f"{UNINSTALL_32}\\Microsoft EdgeWebView")
    assert values["SystemComponent"] == 0
    names = [package.name for package in windows_programs(_access(WIN11))]
    assert names.count("Microsoft Edge WebView2 Runtime") == 1


def test_win11_skips_update_with_parent_key_name() -> None:
    registry = _registry(WIN11)
    update_keys = [
        subkey
        for subkey in registry.subkeys(UNINSTALL_32)
        if registry.values(f"{UNINSTALL_32}\\{subkey}").get("ParentKeyName") == "Office16.PROPLUS"
    ]
    assert update_keys == [
        "{90160000-0011-0000-0000-0000000FF1CE}_Office16.PROPLUS_"
        "{6C0F8A51-3D2B-4E97-8B14-9A2E7C5D0F36}"
    ]
    names = {package.name for package in windows_programs(_access(WIN11))}
    assert "Security Update for Microsoft Office 2016 (KB5002616) 32-Bit Edition" not in names
    assert not any(name.startswith("Security Update") for name in names)


def test_win11_skips_keys_without_display_name() -> None:
    registry = _registry(WIN11)
    assert registry.values(f"{UNINSTALL_64}\\AddressBook") == {}
    assert registry.values(f"{UNINSTALL_64}\\WIC") == {"NoRemove": 1}
    assert "AddressBook" in registry.subkeys(UNINSTALL_64)
    programs = windows_programs(_access(WIN11))
    assert all(package.name for package in programs)
    assert not {"AddressBook", "WIC", "Connection Manager"} & {p.name for p in programs}


def test_win11_deduplicates_program_in_both_views() -> None:
    registry = _registry(WIN11)
    guid = "{2E1A8F7C-5B3D-4C91-A0E6-7D94F1B2C358}"
    in_64 = registry.values(f"{UNINSTALL_64}\\{guid}")
    in_32 = registry.values(f"{UNINSTALL_32}\\{guid}")
    assert (in_64["DisplayName"], in_64["DisplayVersion"]) == (
        in_32["DisplayName"],
        in_32["DisplayVersion"],
    )
    kaspersky = [p for p in windows_programs(_access(WIN11)) if p.name.startswith("Kaspersky")]
    assert kaspersky == [
        _win("Kaspersky Endpoint Security for Windows", "12.5.0.539", "x64", "AO Kaspersky Lab")
    ]


def test_win11_arch_follows_registry_view() -> None:
    by_name = {package.name: package.arch for package in windows_programs(_access(WIN11))}
    assert by_name["7-Zip 23.01 (x64)"] == "x64"
    assert by_name["Mozilla Firefox (x64 vi)"] == "x64"
    assert by_name["Foxit PDF Reader"] == "x86"
    assert by_name["VNPT-CA Token Manager"] == "x86"


def test_win11_vietnamese_text_intact() -> None:
    by_name = {package.name: package for package in windows_programs(_access(WIN11))}
    assert by_name["UniKey 4.6 RC2"].vendor == "Phạm Kim Long"
    assert by_name["HTKK"].vendor == "Tổng cục Thuế"
    assert by_name["VGCA Sign Service"].vendor == "Ban Cơ yếu Chính phủ"
    lip = "Microsoft Office Language Interface Pack 2016 - Vietnamese/Tiếng Việt"
    assert lip in by_name
    assert by_name[lip].name.endswith("Tiếng Việt")


def test_win10_programs_exact() -> None:
    assert windows_programs(_access(WIN10)) == [
        _win("7-Zip 22.01 (x64)", "22.01", "x64", "Igor Pavlov"),
        _win("Adobe Acrobat Reader DC", "24.002.20991", "x86", "Adobe"),
        _win("Google Chrome", "127.0.6533.100", "x86", "Google LLC"),
        _win(
            "Microsoft 365 Apps for enterprise - en-us",
            "16.0.17830.20166",
            "x64",
            "Microsoft Corporation",
        ),
        _win("Microsoft Edge", "127.0.2651.98", "x86", "Microsoft Corporation"),
        _win(
            "Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.38.33135",
            "14.38.33135.0",
            "x86",
            "Microsoft Corporation",
        ),
        _win("Mozilla Firefox ESR (x64 en-US)", "115.14.0", "x64", "Mozilla"),
        _win("Notepad++ (64-bit x64)", "8.6.9", "x64", "Notepad++ Team"),
    ]


def test_server2019_programs_exact() -> None:
    assert windows_programs(_access(SERVER2019)) == [
        _win("7-Zip 19.00 (x64)", "19.00", "x64", "Igor Pavlov"),
        _win("Google Chrome", "126.0.6478.183", "x86", "Google LLC"),
        _win("Kaspersky Security 11 for Windows Server", "11.0.1.897", "x64", "AO Kaspersky Lab"),
        _win(
            "Microsoft SQL Server 2019 (64-bit)",
            "",
            "x64",
            "Microsoft Corporation",
        ),
        _win(
            "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810",
            "14.40.33810.0",
            "x86",
            "Microsoft Corporation",
        ),
    ]


def test_windows_programs_without_registry_is_empty() -> None:
    access = HostAccess(files=FileReader("/nonexistent"), registry=None)
    assert windows_programs(access) == []


# --------------------------------------------------------------------------- RecordedRegistry


def test_recorded_values_key_is_case_insensitive() -> None:
    registry = _registry(WIN11)
    exact = registry.values(r"HKLM\SOFTWARE\Microsoft\Cryptography")
    assert exact == {"MachineGuid": "3f6c2a9e-8d41-4b7a-9c05-e2b8d17f4a63"}
    assert registry.values(r"hklm\software\microsoft\cryptography") == exact
    assert registry.values(r"HKLM\SOFTWARE\MICROSOFT\CRYPTOGRAPHY") == exact


def test_recorded_subkeys_are_case_insensitive_and_keep_original_case() -> None:
    registry = _registry(WIN11)
    lower = registry.subkeys(UNINSTALL_64.lower())
    assert lower == registry.subkeys(UNINSTALL_64)
    assert lower == registry.subkeys(UNINSTALL_64.upper())
    assert "AddressBook" in lower
    assert "Mozilla Firefox 129.0.1 (x64 vi)" in lower
    assert "addressbook" not in lower


def test_recorded_subkeys_trailing_backslash_and_intermediate_keys() -> None:
    registry = _registry(WIN11)
    assert registry.subkeys(UNINSTALL_64 + "\\") == registry.subkeys(UNINSTALL_64)
    # Intermediate keys exist only as prefixes of recorded keys.
    assert registry.subkeys("HKLM") == ["HARDWARE", "SOFTWARE", "SYSTEM"]
    assert registry.subkeys(r"HKLM\SOFTWARE\WOW6432Node") == ["Microsoft"]
    assert registry.values(r"HKLM\SOFTWARE\WOW6432Node") == {}


def test_recorded_subkeys_are_sorted_as_strings() -> None:
    registry = _registry(WIN11)
    processors = registry.subkeys(r"HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor")
    assert processors == sorted(str(index) for index in range(12))
    assert processors[:4] == ["0", "1", "10", "11"]


def test_recorded_subkeys_of_leaf_is_empty() -> None:
    registry = _registry(WIN11)
    assert registry.subkeys(r"HKLM\SOFTWARE\Microsoft\Cryptography") == []


def test_recorded_missing_keys_are_empty() -> None:
    registry = _registry(WIN10)
    assert registry.values(r"HKLM\SOFTWARE\NoSuchVendor\NoSuchProduct") == {}
    assert registry.subkeys(r"HKLM\SOFTWARE\NoSuchVendor") == []
    assert registry.values(r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall") == {}
    assert registry.subkeys(r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall") == []


def test_recorded_values_returns_a_copy() -> None:
    registry = _registry(WIN10)
    first = registry.values(WINDOWS_VERSION_KEY)
    first["ProductName"] = "tampered"
    assert registry.values(WINDOWS_VERSION_KEY)["ProductName"] == "Windows 10 Pro"


def test_recorded_multi_sz_and_dword_types() -> None:
    registry = _registry(SERVER2019)
    options = registry.values(r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions")
    assert options == {"ProductType": "ServerNT", "ProductSuite": ["Terminal Server"]}
    cpu = registry.values(WINDOWS_CPU_KEY)
    assert cpu["~MHz"] == 2394
    assert isinstance(cpu["~MHz"], int)
    vi = _registry(WIN11).values(r"HKLM\SYSTEM\CurrentControlSet\Control\MUI\Settings")
    assert vi == {"PreferredUILanguages": ["vi-VN"]}


def test_per_user_programs_from_loaded_user_hives() -> None:
    user = "S-1-5-21-1004336348-1177238915-682003330-1001"
    uninstall = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"
    registry = RecordedRegistry(
        {
            rf"HKU\{user}\{uninstall}\Zalo": {
                "DisplayName": "Zalo",
                "DisplayVersion": "24.10.1",
                "Publisher": "VNG Corporation",
            },
            rf"HKU\{user}_Classes\{uninstall}\Ignored": {"DisplayName": "Not a user hive"},
            rf"HKU\S-1-5-18\{uninstall}\System": {"DisplayName": "LocalSystem profile"},
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip": {
                "DisplayName": "7-Zip 23.01 (x64)",
                "DisplayVersion": "23.01",
                "Publisher": "Igor Pavlov",
            },
        }
    )
    access = HostAccess(files=FileReader("/nonexistent"), registry=registry)
    programs = [(p.name, p.version, p.arch, p.vendor) for p in windows_programs(access)]
    assert programs == [
        ("7-Zip 23.01 (x64)", "23.01", "x64", "Igor Pavlov"),
        ("Zalo", "24.10.1", "per-user", "VNG Corporation"),
    ]
