"""The Windows registry hardening checks on recorded machines and on registries missing its values.

windows-hardened (Windows 11 Pro 26H2, domain member) passes every check;
windows-weak (Windows 10 Pro 22H2, workgroup) fails every one with evidence naming
the registry value and what was expected; windows-weak-vi, the same PC in
Vietnamese, gives the same verdicts. An unset value is judged by its Windows default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import netwatch.posture
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._windows import NO_REGISTRY, NOT_LIVE
from netwatch.posture.context import CheckContext
from netwatch.posture.frameworks import load_framework
from netwatch.posture.model import Outcome, Status
from netwatch.posture.registry import all_checks
from tests.helpers.posture_hosts import POSTURE_FIXTURES, offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands

# The registry hardening checks added for issue 14 (credentials, name resolution, SMB guest
# and anonymous access, scripting, USB storage, event logs, remote-control tools).
HARDENING_IDS = {
    "windows.credentials.wdigest",
    "windows.credentials.lsa_protection",
    "windows.credentials.laps",
    "windows.network.llmnr",
    "windows.network.netbios",
    "windows.network.mobile_hotspot",
    "windows.smb.insecure_guest",
    "windows.smb.anonymous_access",
    "windows.scripting.powershell_v2",
    "windows.scripting.wsh",
    "windows.storage.usb_mass_storage",
    "windows.eventlog.sizes",
    "windows.remote_control.tools",
}
CHECKS = {c.meta.id: c for c in all_checks() if c.meta.id in HARDENING_IDS}
FRAMEWORKS = Path(netwatch.posture.__file__).parent / "policies" / "frameworks"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
POLICIES = "HKLM\\SOFTWARE\\Policies\\Microsoft"
LSA = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
WEAK_USER = "S-1-5-21-2847193765-1939573341-4015281972-1001"
NETBT_IF = (
    f"{SERVICES}\\NetBT\\Parameters\\Interfaces\\Tcpip_{{3f1b6c2e-8d4a-4c55-9a1e-2b7d0c9e4f61}}"
)


def run(check_id: str, access: HostAccess, **params: Any) -> Outcome:
    check = CHECKS[check_id]
    model = check.meta.params_model
    return check.run(CheckContext(access, "windows", model(**params) if model else None, 0.0))


def registry_host(keys: dict[str, dict[str, Any]]) -> HostAccess:
    """A live Windows machine whose registry holds only ``keys``."""
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands({}),  # type: ignore[arg-type]
        registry=RecordedRegistry(keys),
        live=True,
    )


def has(outcome: Outcome, source: str, observed: str) -> bool:
    """Some evidence was read at ``source`` (its end) and saw ``observed``."""
    return any(e.source.endswith(source) and str(e.observed) == observed for e in outcome.evidence)


HARDENED_EVIDENCE = {
    "windows.credentials.wdigest": ("WDigest\\UseLogonCredential", "0"),
    "windows.credentials.lsa_protection": ("Control\\Lsa\\RunAsPPL", "2"),
    "windows.credentials.laps": ("Windows\\LAPS\\BackupDirectory", "2 (Active Directory)"),
    "windows.network.llmnr": ("DNSClient\\EnableMulticast", "0"),
    "windows.network.netbios": (f"{NETBT_IF}\\NetbiosOptions", "2 (off)"),
    "windows.network.mobile_hotspot": ("Network Connections\\NC_ShowSharedAccessUI", "0"),
    "windows.smb.anonymous_access": (f"{LSA}\\RestrictAnonymous", "1"),
    "windows.smb.insecure_guest": (
        f"{POLICIES}\\Windows\\LanmanWorkstation\\AllowInsecureGuestAuth",
        "0, Group Policy",
    ),
    "windows.scripting.powershell_v2": (
        "PowerShell\\1\\PowerShellEngine\\PowerShellVersion",
        "not set (engine not installed)",
    ),
    "windows.scripting.wsh": (
        "WOW6432Node\\Microsoft\\Windows Script Host\\Settings\\Enabled",
        "0",
    ),
    "windows.storage.usb_mass_storage": ("RemovableStorageDevices\\Deny_All", "1"),
    "windows.eventlog.sizes": (
        f"{POLICIES}\\Windows\\EventLog\\Security\\MaxSize",
        "196608 KB, Group Policy",
    ),
    "windows.remote_control.tools": (
        "Windows\\CurrentVersion\\Uninstall",
        "no remote-control tool listed",
    ),
}

WEAK_EVIDENCE = {
    "windows.credentials.wdigest": ("WDigest\\UseLogonCredential", "1"),
    "windows.credentials.lsa_protection": ("Lsa\\RunAsPPL", "not set (Windows default 0)"),
    "windows.credentials.laps": (
        "Microsoft Services\\AdmPwd\\AdmPwdEnabled",
        "not set (Windows default 0)",
    ),
    "windows.network.llmnr": ("DNSClient\\EnableMulticast", "not set (Windows default 1)"),
    "windows.network.netbios": (
        f"{NETBT_IF}\\NetbiosOptions",
        "0 (DHCP decides, on by default)",
    ),
    "windows.network.mobile_hotspot": (
        "Network Connections\\NC_ShowSharedAccessUI",
        "not set (Windows default 1)",
    ),
    "windows.smb.anonymous_access": (f"{LSA}\\RestrictAnonymous", "0"),
    "windows.smb.insecure_guest": ("LanmanWorkstation\\AllowInsecureGuestAuth", "1, Group Policy"),
    "windows.scripting.powershell_v2": (
        "PowerShell\\1\\PowerShellEngine\\PowerShellVersion",
        "2.0 (engine installed)",
    ),
    "windows.scripting.wsh": (
        "HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings\\Enabled",
        "not set (Windows default 1)",
    ),
    "windows.storage.usb_mass_storage": (f"{SERVICES}\\USBSTOR\\Start", "Start=3 (manual)"),
    "windows.eventlog.sizes": (
        f"{SERVICES}\\EventLog\\Security\\MaxSize",
        "20971520 bytes (20480 KB)",
    ),
    "windows.remote_control.tools": (
        "{E6C4F7B8-3A2D-4B1C-8F9E-0D1A2B3C4D5E}_is1\\DisplayName",
        "UltraViewer version 6.6.61 (not allowed)",
    ),
}


def test_the_pack_has_its_checks_with_both_framework_mappings() -> None:
    assert set(CHECKS) == set(HARDENED_EVIDENCE) == set(WEAK_EVIDENCE)
    assert len(CHECKS) >= 12
    for name in ("tcvn-11930-2017", "cis-controls-v8"):
        mappings = load_framework(FRAMEWORKS / f"{name}.yaml").mappings
        assert all(mappings.get(check_id) for check_id in CHECKS), name


@pytest.mark.parametrize("check_id", sorted(HARDENED_EVIDENCE))
def test_hardened_machine_passes(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-hardened"))
    assert outcome.status is Status.passed, outcome
    assert has(outcome, *HARDENED_EVIDENCE[check_id]), outcome.evidence


@pytest.mark.parametrize("check_id", sorted(WEAK_EVIDENCE))
def test_weak_machine_fails_with_evidence(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-weak"))
    assert outcome.status is Status.failed, outcome
    assert has(outcome, *WEAK_EVIDENCE[check_id]), outcome.evidence
    assert all(e.expected for e in outcome.evidence)


def test_vietnamese_display_language_gives_the_same_verdicts() -> None:
    weak, weak_vi = recorded_host("windows-weak"), recorded_host("windows-weak-vi")
    for check_id in CHECKS:
        english, vietnamese = run(check_id, weak), run(check_id, weak_vi)
        assert (vietnamese.status, str(vietnamese.reason)) == (english.status, str(english.reason))
        assert vietnamese.evidence == english.evidence, check_id


def test_weak_machine_reasons_name_what_is_wrong() -> None:
    weak = recorded_host("windows-weak")
    assert str(run("windows.remote_control.tools", weak).reason) == (
        "not approved: AnyDesk, TeamViewer, UltraViewer version 6.6.61"
    )
    assert str(run("windows.smb.anonymous_access", weak).reason) == (
        "anonymous access allowed: RestrictAnonymous=0"
    )
    assert str(run("windows.eventlog.sizes", weak).reason) == (
        "Application 20480 KB < 32768 KB; Security 20480 KB < 196608 KB; System 20480 KB < 32768 KB"
    )


# --- unset values take the Windows default ---------------------------------------------

# check, value read, its Windows default as evidence, verdict on a registry without it
DEFAULTS = [
    ("windows.credentials.wdigest", "UseLogonCredential", "not set (Windows default 0)", "pass"),
    ("windows.credentials.lsa_protection", "RunAsPPL", "not set (Windows default 0)", "fail"),
    ("windows.network.llmnr", "EnableMulticast", "not set (Windows default 1)", "fail"),
    (
        "windows.network.mobile_hotspot",
        "NC_ShowSharedAccessUI",
        "not set (Windows default 1)",
        "fail",
    ),
    ("windows.smb.anonymous_access", "RestrictAnonymous", "not set (Windows default 0)", "fail"),
    (
        "windows.smb.anonymous_access",
        "RestrictNullSessAccess",
        "not set (Windows default 1)",
        "fail",
    ),  # fmt: skip
    ("windows.scripting.wsh", "Settings\\Enabled", "not set (Windows default 1)", "fail"),
    ("windows.eventlog.sizes", "MaxSize", "not set (Windows default 20480 KB)", "fail"),
    ("windows.storage.usb_mass_storage", "Start", "service not installed", "pass"),
]


@pytest.mark.parametrize(("check_id", "value", "observed", "status"), DEFAULTS)
def test_an_unset_value_takes_the_windows_default(
    check_id: str, value: str, observed: str, status: str
) -> None:
    outcome = run(check_id, registry_host({}))
    assert outcome.status.value == status, outcome
    assert any(
        e.source.endswith(f"\\{value}") and str(e.observed) == observed for e in outcome.evidence
    ), outcome.evidence


def test_value_names_are_matched_as_windows_does_regardless_of_case() -> None:
    outcome = run(
        "windows.smb.anonymous_access",
        registry_host({LSA: {"restrictanonymous": 1}}),
    )
    assert outcome.status is Status.passed, outcome
    assert has(outcome, f"{LSA}\\RestrictAnonymous", "1")


def test_a_value_that_is_not_a_number_is_an_error_naming_it() -> None:
    outcome = run("windows.credentials.wdigest", registry_host({
        "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest":
            {"UseLogonCredential": "bật"}}))  # fmt: skip
    assert outcome.status is Status.error
    assert "UseLogonCredential: unexpected value 'bật'" in str(outcome.reason)


def test_offline_images_and_missing_registries_are_not_applicable() -> None:
    no_registry = HostAccess(
        FileReader(POSTURE_FIXTURES / "empty-root"),
        RecordedCommands({}),  # type: ignore[arg-type]
        None,
        live=True,
    )
    for check_id in CHECKS:
        offline = run(check_id, offline_image("linux-hardened"))
        assert (offline.status, str(offline.reason)) == (Status.not_applicable, str(NOT_LIVE))
        missing = run(check_id, no_registry)
        assert (missing.status, str(missing.reason)) == (Status.not_applicable, str(NO_REGISTRY))


# --- check by check ----------------------------------------------------------------------

CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"


@pytest.mark.parametrize(
    ("edition", "build", "status"),
    [
        ("Professional", "22631", Status.failed),  # Pro before 24H2 still allows guest logons
        ("Core", "19045", Status.failed),
        ("Enterprise", "19045", Status.passed),
        ("ServerStandard", "20348", Status.passed),
        ("Professional", "26100", Status.passed),  # Windows 11 24H2 refuses them everywhere
    ],
)
def test_insecure_guest_default_follows_the_edition(
    edition: str, build: str, status: Status
) -> None:
    keys = {CURRENT_VERSION: {"CurrentBuildNumber": build, "EditionID": edition}}
    outcome = run("windows.smb.insecure_guest", registry_host(keys))
    assert outcome.status is status, outcome
    assert has(outcome, "CurrentVersion\\EditionID", str(outcome.evidence[1].observed))
    assert str(outcome.evidence[1].observed).startswith(f"{edition}, build {build} (default ")


def test_insecure_guest_local_value_applies_without_group_policy() -> None:
    keys = {
        CURRENT_VERSION: {"CurrentBuildNumber": "19045", "EditionID": "Enterprise"},
        f"{SERVICES}\\LanmanWorkstation\\Parameters": {"AllowInsecureGuestAuth": 1},
    }
    outcome = run("windows.smb.insecure_guest", registry_host(keys))
    assert outcome.status is Status.failed
    assert has(
        outcome,
        "LanmanWorkstation\\Parameters\\AllowInsecureGuestAuth",
        "1, not set by Group Policy",
    )


WSH = "HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings"
WSH32 = "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows Script Host\\Settings"
USER_WSH = f"HKU\\{WEAK_USER}\\Software\\Microsoft\\Windows Script Host\\Settings"


def test_a_users_own_wsh_setting_wins_unless_the_machine_ignores_it() -> None:
    keys: dict[str, dict[str, Any]] = {
        WSH: {"Enabled": 0},
        WSH32: {"Enabled": "0"},
        USER_WSH: {"Enabled": 1},
    }
    outcome = run("windows.scripting.wsh", registry_host(keys))
    assert outcome.status is Status.failed
    assert has(outcome, f"{USER_WSH}\\Enabled", "1")
    keys[WSH]["IgnoreUserSettings"] = 1
    assert run("windows.scripting.wsh", registry_host(keys)).status is Status.passed


def test_wsh_enabled_only_for_32_bit_hosts_fails() -> None:
    outcome = run("windows.scripting.wsh", registry_host({WSH: {"Enabled": 0}}))
    assert outcome.status is Status.failed
    assert str(outcome.reason) == f"`Windows Script Host` enabled by {WSH32}"


def test_remote_tools_allow_list_and_per_user_installs() -> None:
    weak = recorded_host("windows-weak")
    allowed = run(
        "windows.remote_control.tools", weak, allowed=["anydesk*", "TeamViewer", "Ultra*"]
    )
    assert allowed.status is Status.passed
    assert has(allowed, "Uninstall\\AnyDesk\\DisplayName", "AnyDesk (allowed)")
    user_uninstall = f"HKU\\{WEAK_USER}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
    keys = {f"{user_uninstall}\\RustDesk": {"DisplayName": "RustDesk"}, f"HKU\\{WEAK_USER}": {}}
    outcome = run("windows.remote_control.tools", registry_host(keys))
    assert outcome.status is Status.failed
    assert has(outcome, f"{user_uninstall}\\RustDesk\\DisplayName", "RustDesk (not allowed)")


def test_netbios_passes_when_the_driver_is_disabled_and_errs_without_interfaces() -> None:
    disabled = run("windows.network.netbios", registry_host({f"{SERVICES}\\NetBT": {"Start": 4}}))
    assert disabled.status is Status.passed
    assert has(disabled, f"{SERVICES}\\NetBT\\Start", "Start=4 (disabled)")
    empty = run("windows.network.netbios", registry_host({f"{SERVICES}\\NetBT": {"Start": 1}}))
    assert empty.status is Status.error
    assert "lists no interface" in str(empty.reason)


def test_usb_storage_blocked_by_the_removable_disks_policy() -> None:
    disks = (
        f"{POLICIES}\\Windows\\RemovableStorageDevices\\{{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}}"
    )
    keys: dict[str, dict[str, Any]] = {
        f"{SERVICES}\\USBSTOR": {"Start": 3},
        disks: {"Deny_Read": 1, "Deny_Write": 1},
    }
    assert run("windows.storage.usb_mass_storage", registry_host(keys)).status is Status.passed
    keys[disks] = {"Deny_Write": 1}  # read-only USB still brings malware in
    assert run("windows.storage.usb_mass_storage", registry_host(keys)).status is Status.failed


def test_laps_legacy_and_disabled_backup_directory() -> None:
    legacy = {"HKLM\\SOFTWARE\\Policies\\Microsoft Services\\AdmPwd": {"AdmPwdEnabled": 1}}
    assert run("windows.credentials.laps", registry_host(legacy)).status is Status.passed
    off = {"HKLM\\SOFTWARE\\Microsoft\\Policies\\LAPS": {"BackupDirectory": 0}}
    outcome = run("windows.credentials.laps", registry_host(off))
    assert outcome.status is Status.failed
    assert has(outcome, "Microsoft\\Policies\\LAPS\\BackupDirectory", "0 (disabled)")


def test_event_log_minimums_are_parameters() -> None:
    weak = recorded_host("windows-weak")
    outcome = run(
        "windows.eventlog.sizes", weak, application_kb=20480, security_kb=20480, system_kb=20480
    )
    assert outcome.status is Status.passed
