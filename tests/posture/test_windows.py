"""Windows checks (firewall, SMB, RDP, services, accounts, Defender, BitLocker, updates, UAC,
screen lock, AutoRun) on recorded machines.

windows-hardened is a Windows 11 Pro 26H2 domain member that passes every check;
windows-weak a Windows 10 Pro 22H2 workgroup PC that fails every check;
windows-weak-vi the same weak PC with Vietnamese display language and localised
names, which must give the same verdicts.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import ValidationError

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._powershell import BLOCKED_HINT, PowerShellQuery, batch_argv
from netwatch.posture.checks._windows import (
    NO_REGISTRY,
    NOT_LIVE,
    SecurityProduct,
    WindowsDataError,
    as_list,
    parse_date,
    parse_json,
    relative_id,
    security_products,
    sid_of,
    to_bool,
    to_enum,
)
from netwatch.posture.checks.windows import (
    accounts,
    bitlocker,
    defender,
    firewall,
    screen_lock,
    services,
    updates,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Check, Outcome, Status
from netwatch.posture.policy import Policy, SelectedCheck
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import POSTURE_FIXTURES, offline_image, recorded_host
from tests.helpers.powershell import Parts, batch_recording, query_name
from tests.helpers.recorded import RecordedCommands

HOSTS = ("windows-hardened", "windows-weak", "windows-weak-vi")
POWERSHELL_CHECKS = {
    "windows.firewall.all_profiles",
    "windows.defender.realtime",
    "windows.defender.signature_age",
    "windows.bitlocker.system_drive",
    "windows.updates.last_patch_age",
    "windows.accounts.guest_disabled",
    "windows.accounts.builtin_admin",
    "windows.accounts.admin_members",
    "windows.accounts.password_policy",
}
POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
WEAK_MACHINE = "S-1-5-21-2847193765-1939573341-4015281972"
NOW_2024_06_20 = dt.datetime(2024, 6, 20, 3, 0, tzinfo=dt.timezone.utc).timestamp()


def run(check_id: str, access: HostAccess, params: Any = None) -> Outcome:
    check = WINDOWS_CHECKS[check_id]
    return check.run(CheckContext(access, "windows", params, NOW_2024_06_20))


def host(
    parts: Parts | None = None,
    registry: dict[str, dict[str, Any]] | None = None,
) -> HostAccess:
    """A live Windows machine whose PowerShell batch answers ``parts``."""
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(batch_recording(parts) if parts else {}),  # type: ignore[arg-type]
        registry=RecordedRegistry(registry or {}),
        live=True,
    )


def ps(query: PowerShellQuery, value: Any = None, *, out: str | None = None) -> Parts:
    """One query's answer in the batch: ``value`` as ConvertTo-Json prints it, or raw text."""
    text = out if out is not None else json.dumps(value, ensure_ascii=False)
    return {query_name(query.script): {"out": text}}


def ps_error(query: PowerShellQuery, message: str) -> Parts:
    """One query whose cmdlet threw: the batch reports the exception's message."""
    return {query_name(query.script): {"error": message}}


def has(outcome: Outcome, source: str, observed: str) -> bool:
    """True when some evidence was read at ``source`` (a part of it) and saw ``observed``."""
    return any(source in e.source and str(e.observed) == observed for e in outcome.evidence)


# --- the three recorded machines --------------------------------------------------------

HARDENED_EVIDENCE = {
    "windows.firewall.all_profiles": (
        "command: Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object "
        "Name,Enabled,DefaultInboundAction [Public]",
        "Enabled=1 (on), DefaultInboundAction=4 (block)",
    ),
    "windows.defender.realtime": (
        "command: Get-MpComputerStatus",
        "AntivirusEnabled=True, RealTimeProtectionEnabled=True",
    ),
    "windows.defender.signature_age": (
        "command: Get-MpComputerStatus",
        "AntivirusSignatureAge=0 days (last updated 2024-06-19 23:48 UTC)",
    ),
    "windows.bitlocker.system_drive": (
        "command: Get-BitLockerVolume -MountPoint $env:SystemDrive",
        "VolumeStatus=1 (FullyEncrypted), ProtectionStatus=1 (On), EncryptionPercentage=100",
    ),
    "windows.updates.automatic": (
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU\\AUOptions",
        "4 (download automatically, install on a schedule)",
    ),
    "windows.updates.last_patch_age": (
        "Win32_QuickFixEngineering",
        "newest KB5039338 installed 2024-06-11 17:00 UTC, 8 days before 2024-06-20 02:15 UTC",
    ),
    "windows.smb.v1_disabled": (f"{SERVICES}\\LanmanServer\\Parameters\\SMB1", "0"),
    "windows.smb.signing_required": (
        f"{SERVICES}\\LanmanWorkstation\\Parameters\\RequireSecuritySignature",
        "1",
    ),
    "windows.accounts.guest_disabled": (
        "command: Get-LocalUser | Select-Object Name,SID,Enabled "
        "[S-1-5-21-3623811015-3361044348-30300820-501]",
        "Guest: Enabled=False",
    ),
    "windows.accounts.builtin_admin": (
        "[S-1-5-21-3623811015-3361044348-30300820-500]",
        "qtv-kt01: Enabled=False, renamed",
    ),
    "windows.accounts.admin_members": (
        "[S-1-5-21-1004336348-1177238915-682003330-512]",
        "VPUBND\\Domain Admins (allowed)",
    ),
    "windows.accounts.password_policy": ("[MinPasswordLength]", "12"),
    "windows.uac.enabled": (f"{POLICIES}\\System\\ConsentPromptBehaviorAdmin", "2 (prompts)"),
    # The local value says 0; the Group Policy value overrides it.
    "windows.rdp.nla": (
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\UserAuthentication",
        "1 (NLA required), Group Policy",
    ),
    "windows.screen_lock.timeout": (f"{POLICIES}\\System\\InactivityTimeoutSecs", "900 s"),
    "windows.autorun.disabled": (f"{POLICIES}\\Explorer\\NoDriveTypeAutoRun", "255 (0xFF)"),
    "windows.services.risky": (f"{SERVICES}\\RemoteRegistry\\Start", "Start=4 (disabled)"),
}

WEAK_EVIDENCE = {
    "windows.firewall.all_profiles": (
        "[Private]",
        "Enabled=0 (off), DefaultInboundAction=0 (not configured: block)",
    ),
    "windows.defender.realtime": (
        "command: Get-CimInstance -Namespace root/SecurityCenter2",
        "Windows Defender: productState=0x060110 (off, signatures out of date, Microsoft); "
        "Bkav Pro: productState=0x040010 (off, signatures out of date, third-party)",
    ),
    "windows.defender.signature_age": (
        "command: Get-MpComputerStatus",
        "AntivirusSignatureAge=41 days (last updated 2024-05-10 02:12 UTC)",
    ),
    "windows.bitlocker.system_drive": (
        "[C:]",
        "VolumeStatus=0 (FullyDecrypted), ProtectionStatus=0 (Off), EncryptionPercentage=0",
    ),
    "windows.updates.automatic": (
        f"{SERVICES}\\wuauserv\\Start",
        "Start=4 (disabled)",
    ),
    "windows.updates.last_patch_age": (
        "Win32_QuickFixEngineering",
        "newest KB5034763 installed 2024-02-14 17:00 UTC, 126 days before 2024-06-20 03:02 UTC",
    ),
    "windows.smb.v1_disabled": (f"{SERVICES}\\mrxsmb10\\Start", "Start=2 (automatic)"),
    "windows.smb.signing_required": (
        f"{SERVICES}\\LanmanServer\\Parameters\\RequireSecuritySignature",
        "0",
    ),
    "windows.accounts.guest_disabled": (f"[{WEAK_MACHINE}-501]", "Guest: Enabled=True"),
    "windows.accounts.builtin_admin": (
        f"[{WEAK_MACHINE}-500]",
        "Administrator: Enabled=True, default name",
    ),
    "windows.accounts.admin_members": (f"[{WEAK_MACHINE}-1001]", "KETOAN-PC\\ketoan (not allowed)"),
    "windows.accounts.password_policy": ("[MaxBadPasswordsAllowed]", "0 (never locks out)"),
    "windows.uac.enabled": (f"{POLICIES}\\System\\EnableLUA", "0 (UAC off)"),
    "windows.rdp.nla": (
        "WinStations\\RDP-Tcp\\UserAuthentication",
        "0 (NLA not required), not set by Group Policy",
    ),
    "windows.screen_lock.timeout": (
        f"HKU\\{WEAK_MACHINE}-1001\\Control Panel\\Desktop",
        "SCRNSAVE.EXE=not set, ScreenSaveActive=1, ScreenSaverIsSecure=0, "
        "ScreenSaveTimeOut=900 (user setting)",
    ),
    "windows.autorun.disabled": (f"{POLICIES}\\Explorer\\NoDriveTypeAutoRun", "145 (0x91)"),
    "windows.services.risky": (f"{SERVICES}\\SNMP\\Start", "Start=2 (automatic)"),
}
# The first Windows checks (firewall, SMB, RDP, services, accounts, Defender, BitLocker,
# updates, UAC, screen lock, AutoRun); later ones have their own test files.
WINDOWS_CHECKS = {c.meta.id: c for c in all_checks() if c.meta.id in HARDENED_EVIDENCE}
REGISTRY_CHECKS = set(WINDOWS_CHECKS) - POWERSHELL_CHECKS


def test_the_packs_register_every_windows_check() -> None:
    assert set(WINDOWS_CHECKS) == set(HARDENED_EVIDENCE) == set(WEAK_EVIDENCE)
    assert len(WINDOWS_CHECKS) == 17


@pytest.mark.parametrize("check_id", sorted(HARDENED_EVIDENCE))
def test_hardened_machine_passes(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-hardened"))
    assert outcome.status is Status.passed, outcome
    source, observed = HARDENED_EVIDENCE[check_id]
    assert has(outcome, source, observed), outcome.evidence


@pytest.mark.parametrize("check_id", sorted(WEAK_EVIDENCE))
def test_weak_machine_fails_with_evidence(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-weak"))
    assert outcome.status is Status.failed, outcome
    source, observed = WEAK_EVIDENCE[check_id]
    assert has(outcome, source, observed), outcome.evidence
    assert all(e.expected for e in outcome.evidence)


def test_vietnamese_display_language_gives_the_same_verdicts() -> None:
    weak, weak_vi = recorded_host("windows-weak"), recorded_host("windows-weak-vi")
    for check_id in WINDOWS_CHECKS:
        english, vietnamese = run(check_id, weak), run(check_id, weak_vi)
        assert (vietnamese.status, str(vietnamese.reason)) == (
            english.status,
            str(english.reason),
        ), check_id
        assert [e.source for e in vietnamese.evidence] == [e.source for e in english.evidence]
    guest = run("windows.accounts.guest_disabled", weak_vi)
    assert has(guest, f"[{WEAK_MACHINE}-501]", "Khách: Enabled=True")


@pytest.mark.parametrize("name", HOSTS)
def test_every_recorded_answer_is_one_the_checks_read(name: str) -> None:
    access = recorded_host(name)
    for check_id in WINDOWS_CHECKS:
        run(check_id, access)
    commands = access.commands
    assert isinstance(commands, RecordedCommands)
    assert set(commands.recordings) <= {" ".join(argv) for argv in commands.calls}
    assert {argv[1:4] for argv in commands.calls} == {("-NoProfile", "-NonInteractive", "-Command")}
    assert all(
        argv[0].endswith("\\WindowsPowerShell\\v1.0\\powershell.exe") for argv in commands.calls
    )


@pytest.mark.parametrize("name", HOSTS)
def test_one_posture_run_launches_powershell_once(name: str) -> None:
    access = recorded_host(name)
    run_policy(_policy(), access, platform="windows")
    commands = access.commands
    assert isinstance(commands, RecordedCommands)
    assert len(commands.calls) == 1


def test_the_batch_runs_every_query_in_its_own_try_block() -> None:
    argv = batch_argv()
    script = argv[-1]
    assert len(argv) == 5
    assert script.startswith("$ErrorActionPreference = 'Stop'; try { [Console]::OutputEncoding")
    assert script.endswith("$netwatch | ConvertTo-Json -Depth 3 -Compress")
    for query in (defender.MP_QUERY, accounts.USERS_QUERY, firewall.FIREWALL_QUERY):
        assert f"try {{ $netwatch['{query.name}'] = @{{ out = (& {{ {query.script} }}" in script


def _policy() -> Policy:
    selected = tuple(
        SelectedCheck(
            check,
            check.meta.severity,
            check.meta.params_model() if check.meta.params_model else None,
            check.meta.timeout,
        )
        for check in WINDOWS_CHECKS.values()
    )
    return Policy("test", "", ("test",), selected, {}, ())


def test_the_runner_path_on_the_hardened_machine() -> None:
    results = run_policy(_policy(), recorded_host("windows-hardened"), platform="windows")
    assert [r.meta.id for r in results] == sorted(WINDOWS_CHECKS)
    assert {r.status for r in results} == {Status.passed}


# --- missing PowerShell, offline images, no registry ------------------------------------


def test_missing_powershell_is_an_error_only_for_checks_that_need_it() -> None:
    hardened = recorded_host("windows-hardened")
    access = HostAccess(hardened.files, RecordedCommands({}), hardened.registry, live=True)  # type: ignore[arg-type]
    for check_id in WINDOWS_CHECKS:
        outcome = run(check_id, access)
        if check_id in POWERSHELL_CHECKS:
            assert outcome.status is Status.error, check_id
            assert str(outcome.reason) == f"{batch_argv()[0]}: command not found"
        else:
            assert outcome.status is Status.passed, check_id


def test_powershell_timeout_is_an_error_naming_it() -> None:
    access = host()
    access.commands.recordings[" ".join(batch_argv())] = {  # type: ignore[attr-defined]
        "error": "powershell.exe: no answer within 40s"
    }
    outcome = run("windows.firewall.all_profiles", access)
    assert outcome.status is Status.error
    assert str(outcome.reason) == "powershell.exe: no answer within 40s"


@pytest.mark.parametrize(
    ("stdout", "returncode", "stderr", "reason"),
    [
        ("", 0, "", str(BLOCKED_HINT)),
        ("\r\n", 0, "", str(BLOCKED_HINT)),
        (
            "",
            1,
            "Cannot run: this language mode\r\n",
            "PowerShell failed with exit code 1: Cannot run: this language mode",
        ),
        ("Name Enabled\r\n", 0, "", "PowerShell output is not JSON (Expecting value at line 1)"),
        ("[1, 2]", 0, "", "PowerShell output is not the batch answer"),
    ],
)
def test_powershell_that_gives_no_answer_passes_nothing(
    stdout: str, returncode: int, stderr: str, reason: str
) -> None:
    hardened = recorded_host("windows-hardened")
    recording = {
        " ".join(batch_argv()): {"returncode": returncode, "stdout": stdout, "stderr": stderr}
    }
    access = HostAccess(hardened.files, RecordedCommands(recording), hardened.registry, live=True)  # type: ignore[arg-type]
    for check_id in POWERSHELL_CHECKS:
        outcome = run(check_id, access)
        assert outcome.status is Status.error, check_id
        if check_id.startswith("windows.defender."):
            assert any(reason in str(e.observed) for e in outcome.evidence), check_id
        else:
            assert str(outcome.reason) == reason, check_id


def test_a_query_missing_from_the_answer_is_an_error() -> None:
    outcome = run("windows.bitlocker.system_drive", host(ps(accounts.USERS_QUERY, [])))
    assert (outcome.status, str(outcome.reason)) == (
        Status.error,
        "PowerShell did not answer Get-BitLockerVolume",
    )


def test_offline_image_is_not_applicable() -> None:
    for check_id in WINDOWS_CHECKS:
        outcome = run(check_id, offline_image("linux-hardened"))
        assert outcome.status is Status.not_applicable
        assert str(outcome.reason) == str(NOT_LIVE)


def test_no_registry_is_not_applicable_for_registry_checks() -> None:
    access = HostAccess(
        FileReader(POSTURE_FIXTURES / "empty-root"),
        RecordedCommands({}),  # type: ignore[arg-type]
        None,
        live=True,
    )
    for check_id in REGISTRY_CHECKS:
        outcome = run(check_id, access)
        assert (outcome.status, str(outcome.reason)) == (Status.not_applicable, str(NO_REGISTRY))


# --- PowerShell JSON quirks -------------------------------------------------------------


def test_parse_json_handles_bom_empty_output_and_garbage() -> None:
    assert parse_json('\ufeff{"a":1}\r\n') == {"a": 1}
    assert parse_json("  \r\n") is None
    with pytest.raises(ValueError, match="not JSON"):
        parse_json("Get-LocalUser : Thuật ngữ 'Get-LocalUser' không được nhận dạng")


def test_as_list_accepts_one_object_an_array_or_nothing() -> None:
    assert as_list({"Name": "Public"}) == [{"Name": "Public"}]
    assert as_list([{"Name": "A"}, {"Name": "B"}]) == [{"Name": "A"}, {"Name": "B"}]
    assert as_list(None) == []
    with pytest.raises(WindowsDataError, match="expected JSON objects"):
        as_list(["Domain", "Public"])


def test_parse_date_reads_powershell_5_and_7_and_wmi_dates() -> None:
    utc = dt.timezone.utc
    assert parse_date("/Date(1718125200000)/") == dt.datetime(2024, 6, 11, 17, 0, tzinfo=utc)
    assert parse_date("/Date(1718125200000+0700)/") == dt.datetime(2024, 6, 11, 17, tzinfo=utc)
    assert parse_date("/Date(-86400000)/") == dt.datetime(1969, 12, 31, tzinfo=utc)
    assert parse_date("2024-06-12T00:00:00+07:00") == dt.datetime(2024, 6, 11, 17, tzinfo=utc)
    assert parse_date("2024-06-12T00:00:00") == dt.datetime(2024, 6, 12, tzinfo=utc)
    assert parse_date("6/12/2024") == dt.datetime(2024, 6, 12, tzinfo=utc)
    assert parse_date(None) is None and parse_date("") is None
    with pytest.raises(ValueError, match="not a date"):
        parse_date("12 tháng 6 năm 2024")
    with pytest.raises(ValueError, match="not a date"):
        parse_date(1718125200000)


def test_enums_and_booleans_as_integers_or_names() -> None:
    assert to_enum(4, firewall.FIREWALL_ACTION, "x") == 4
    assert to_enum("Block", firewall.FIREWALL_ACTION, "x") == 4
    assert to_enum("notconfigured", firewall.FIREWALL_ACTION, "x") == 0
    assert to_enum("2", firewall.FIREWALL_ACTION, "x") == 2
    with pytest.raises(WindowsDataError, match="unknown value 'Chặn'"):
        to_enum("Chặn", firewall.FIREWALL_ACTION, "DefaultInboundAction")
    assert (
        to_bool(True, "x") is True and to_bool(0, "x") is False and to_bool("False", "x") is False
    )
    with pytest.raises(WindowsDataError, match="expected `true` or `false`"):
        to_bool(2, "Enabled")


def test_sids_as_strings_or_powershell_5_objects() -> None:
    assert sid_of("S-1-5-32-544") == "S-1-5-32-544"
    assert sid_of({"BinaryLength": 28, "Value": "s-1-5-21-1-2-3-500"}) == "S-1-5-21-1-2-3-500"
    assert relative_id("S-1-5-21-1-2-3-501") == 501
    with pytest.raises(WindowsDataError, match="expected a SID"):
        sid_of({"Value": None})


def test_security_center_product_state_decoding() -> None:
    defender_on = SecurityProduct("Windows Defender", 397568)  # 0x061100
    assert (defender_on.enabled, defender_on.up_to_date, defender_on.by_microsoft) == (
        True,
        True,
        True,
    )
    third_party = SecurityProduct("Kaspersky Endpoint Security", 266240)  # 0x041000
    assert (third_party.enabled, third_party.up_to_date, third_party.by_microsoft) == (
        True,
        True,
        False,
    )
    stale = SecurityProduct("BKAV Pro", 266256)  # 0x041010
    assert stale.enabled and not stale.up_to_date
    snoozed = SecurityProduct("ESET", 270336)  # 0x042000
    assert not snoozed.enabled
    assert security_products({"displayName": "ESET", "productState": "270336"}) == [snoozed]
    assert str(defender_on.describe()) == (
        "Windows Defender: productState=0x061100 (on, signatures up to date, Microsoft)"
    )


# --- failures of PowerShell output ------------------------------------------------------


def test_a_failing_cmdlet_is_an_error_with_its_message() -> None:
    message = "Truy nhập bị từ chối. (Exception from HRESULT: 0x80070005)\r\n"
    access = host(ps_error(bitlocker.BITLOCKER_QUERY, message))
    outcome = run("windows.bitlocker.system_drive", access)
    assert outcome.status is Status.error
    assert str(outcome.reason) == (
        "Get-BitLockerVolume failed: Truy nhập bị từ chối. (Exception from HRESULT: 0x80070005)"
    )
    assert has(
        outcome,
        "command: Get-BitLockerVolume",
        "Truy nhập bị từ chối. (Exception from HRESULT: 0x80070005)",
    )


@pytest.mark.parametrize(
    ("check_id", "script", "label"),
    [
        ("windows.updates.last_patch_age", updates.PATCH_QUERY, "Win32_QuickFixEngineering"),
        (
            "windows.accounts.password_policy",
            accounts.PASSWORD_QUERY,
            "account policy (ADSI WinNT)",
        ),
        ("windows.accounts.admin_members", accounts.ADMINS_QUERY, "Get-LocalGroupMember"),
    ],
)
def test_failures_name_what_failed(check_id: str, script: PowerShellQuery, label: str) -> None:
    outcome = run(check_id, host(ps_error(script, "Lỗi\r\n")))
    assert (outcome.status, str(outcome.reason)) == (Status.error, f"{label} failed: Lỗi")


def test_malformed_output_is_an_error_with_a_reason() -> None:
    access = host(ps(firewall.FIREWALL_QUERY, out="Name    Enabled\r\n----    -------\r\n"))
    outcome = run("windows.firewall.all_profiles", access)
    assert outcome.status is Status.error
    assert "output is not JSON" in str(outcome.reason)


def test_an_unknown_enum_value_is_an_error() -> None:
    profiles = [
        {"Name": n, "Enabled": "Bật", "DefaultInboundAction": 4}
        for n in ("Domain", "Private", "Public")
    ]
    outcome = run("windows.firewall.all_profiles", host(ps(firewall.FIREWALL_QUERY, profiles)))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "Domain Enabled: unknown value 'Bật'"


def test_firewall_enum_names_and_missing_profiles() -> None:
    named = [
        {"Name": n, "Enabled": "True", "DefaultInboundAction": "Block"}
        for n in ("Domain", "Private", "Public")
    ]
    assert (
        run("windows.firewall.all_profiles", host(ps(firewall.FIREWALL_QUERY, named))).status
        is Status.passed
    )
    one = run("windows.firewall.all_profiles", host(ps(firewall.FIREWALL_QUERY, named[0])))
    assert one.status is Status.failed
    assert has(one, "Get-NetFirewallProfile", "1 firewall profiles reported")


# --- Defender and third-party antivirus -------------------------------------------------

DEFENDER_PASSIVE = {
    "AMServiceEnabled": True,
    "AntivirusEnabled": False,
    "RealTimeProtectionEnabled": False,
    "AntivirusSignatureAge": 65535,
    "AntivirusSignatureLastUpdated": None,
}
KASPERSKY = {"displayName": "Kaspersky Endpoint Security for Windows", "productState": 266240}
DEFENDER_OFF = {"displayName": "Windows Defender", "productState": 393472}


def test_third_party_antivirus_on_and_current_passes_realtime() -> None:
    access = host(
        {
            **ps(defender.MP_QUERY, DEFENDER_PASSIVE),
            **ps(defender.AV_QUERY, [DEFENDER_OFF, KASPERSKY]),
        }
    )
    outcome = run("windows.defender.realtime", access)
    assert outcome.status is Status.passed
    assert "third-party antivirus" in str(outcome.reason)
    assert has(
        outcome,
        "root/SecurityCenter2",
        "Windows Defender: productState=0x060100 (off, signatures up to date, Microsoft); "
        "Kaspersky Endpoint Security for Windows: productState=0x041000 "
        "(on, signatures up to date, third-party)",
    )
    age = run("windows.defender.signature_age", access)
    assert age.status is Status.passed
    assert "third-party antivirus is current" in str(age.reason)


def test_third_party_antivirus_with_old_signatures() -> None:
    stale = {**KASPERSKY, "productState": 266256}
    access = host({**ps(defender.MP_QUERY, DEFENDER_PASSIVE), **ps(defender.AV_QUERY, stale)})
    assert run("windows.defender.realtime", access).status is Status.failed
    outcome = run("windows.defender.signature_age", access)
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "the third-party antivirus reports outdated signatures"


def test_defender_removed_and_no_security_center_is_an_error() -> None:
    access = host(
        {
            **ps_error(defender.MP_QUERY, "0x800106ba\r\n"),
            **ps_error(defender.AV_QUERY, "Invalid namespace"),
        }
    )
    outcome = run("windows.defender.realtime", access)
    assert outcome.status is Status.error
    assert str(outcome.reason) == "neither Defender nor `Security Center` answered"
    assert has(
        outcome,
        "command: Get-MpComputerStatus",
        "no status: Get-MpComputerStatus failed: 0x800106ba",
    )
    assert has(
        outcome,
        "root/SecurityCenter2",
        "no answer: SecurityCenter2 AntiVirusProduct failed: Invalid namespace",
    )
    age = run("windows.defender.signature_age", access)
    assert (age.status, str(age.reason)) == (Status.error, "no antivirus reports its signatures")


def test_defender_off_on_a_server_without_security_center_fails() -> None:
    off = {**DEFENDER_PASSIVE, "AntivirusEnabled": True}
    access = host(
        {
            **ps(defender.MP_QUERY, off),
            **ps_error(defender.AV_QUERY, "Invalid namespace"),
        }
    )
    outcome = run("windows.defender.realtime", access)
    assert outcome.status is Status.failed
    assert "`Security Center` did not answer" in str(outcome.reason)
    assert has(
        outcome, "Get-MpComputerStatus", "AntivirusEnabled=True, RealTimeProtectionEnabled=False"
    )
    # Defender's own signature age still decides when `Security Center` is missing.
    disabled = {**DEFENDER_PASSIVE, "AntivirusSignatureAge": 1}
    access = host(
        {
            **ps(defender.MP_QUERY, disabled),
            **ps_error(defender.AV_QUERY, "Invalid namespace"),
        }
    )
    age = run("windows.defender.signature_age", access)
    assert age.status is Status.passed
    assert has(age, "Get-MpComputerStatus", "AntivirusSignatureAge=1 days (never updated)")


def test_signature_age_falls_back_to_the_last_update_date() -> None:
    status = {
        **DEFENDER_PASSIVE,
        "AntivirusEnabled": True,
        "AntivirusSignatureLastUpdated": "/Date(1718496000000)/",
    }
    outcome = run("windows.defender.signature_age", host(ps(defender.MP_QUERY, status)))
    assert outcome.status is Status.failed  # 2024-06-16 00:00 UTC, 4 days before "now"
    assert has(
        outcome,
        "Get-MpComputerStatus",
        "AntivirusSignatureAge=65535 (unknown); last updated 2024-06-16 00:00 UTC, 4 days ago",
    )
    relaxed = run(
        "windows.defender.signature_age",
        host(ps(defender.MP_QUERY, status)),
        defender.SignatureAgeParams(max_age_days=7),
    )
    assert relaxed.status is Status.passed
    never = {**status, "AntivirusSignatureLastUpdated": None}
    outcome = run("windows.defender.signature_age", host(ps(defender.MP_QUERY, never)))
    assert outcome.status is Status.failed
    assert has(
        outcome, "Get-MpComputerStatus", "AntivirusSignatureAge=65535 (unknown), never updated"
    )


# --- updates ----------------------------------------------------------------------------


def test_patch_age_parameter_and_powershell_7_dates() -> None:
    assert (
        run(
            "windows.updates.last_patch_age",
            recorded_host("windows-weak"),
            updates.PatchAgeParams(max_age_days=130),
        ).status
        is Status.passed
    )
    answer = {
        "Now": "2024-06-20T03:00:00Z",
        "HotFixes": {"HotFixID": "KB5039212", "InstalledOn": "2024-06-12T00:00:00+07:00"},
    }
    outcome = run("windows.updates.last_patch_age", host(ps(updates.PATCH_QUERY, answer)))
    assert outcome.status is Status.passed
    assert has(
        outcome,
        "Win32_QuickFixEngineering",
        "newest KB5039212 installed 2024-06-11 17:00 UTC, 8 days before 2024-06-20 03:00 UTC",
    )


def test_no_hotfix_fails_and_undated_hotfixes_are_an_error() -> None:
    none = run(
        "windows.updates.last_patch_age",
        host(ps(updates.PATCH_QUERY, {"Now": "/Date(1718852400000)/", "HotFixes": []})),
    )
    assert none.status is Status.failed
    assert has(none, "Win32_QuickFixEngineering", "no installed update listed")
    undated = {
        "Now": "/Date(1718852400000)/",
        "HotFixes": [{"HotFixID": "KB1", "InstalledOn": None}],
    }
    outcome = run("windows.updates.last_patch_age", host(ps(updates.PATCH_QUERY, undated)))
    assert (outcome.status, str(outcome.reason)) == (
        Status.error,
        "no installed update has an install date",
    )
    bad = {
        "Now": "/Date(1718852400000)/",
        "HotFixes": [{"HotFixID": "KB1", "InstalledOn": "hôm qua"}],
    }
    outcome = run("windows.updates.last_patch_age", host(ps(updates.PATCH_QUERY, bad)))
    assert outcome.status is Status.error
    assert str(outcome.reason) == "Win32_QuickFixEngineering: not a date: 'hôm qua'"


def test_automatic_updates_defaults_when_nothing_is_configured() -> None:
    access = host(registry={f"{SERVICES}\\wuauserv": {"Start": 3}})
    outcome = run("windows.updates.automatic", access)
    assert outcome.status is Status.passed
    assert has(outcome, "WindowsUpdate\\AU\\NoAutoUpdate", "not set (Windows default 0)")
    assert has(
        outcome,
        "WindowsUpdate\\AU\\AUOptions",
        "not set (Windows default: download and install automatically)",
    )


# --- accounts ---------------------------------------------------------------------------


def _users(*users: tuple[str, int, bool]) -> dict[str, dict[str, object]]:
    return ps(
        accounts.USERS_QUERY,
        [
            {
                "Name": name,
                "SID": {"BinaryLength": 28, "Value": f"{WEAK_MACHINE}-{rid}"},
                "Enabled": enabled,
            }
            for name, rid, enabled in users
        ],
    )


def test_builtin_admin_is_found_by_sid_and_default_names_are_recognised() -> None:
    renamed = run("windows.accounts.builtin_admin", host(_users(("qtv", 500, True))))
    assert renamed.status is Status.passed
    assert has(renamed, f"[{WEAK_MACHINE}-500]", "qtv: Enabled=True, renamed")
    french = run("windows.accounts.builtin_admin", host(_users(("Administrateur", 500, True))))
    assert french.status is Status.failed
    # A user called "Administrator" that is not RID 500 is not the built-in account.
    decoy = run(
        "windows.accounts.builtin_admin",
        host(_users(("Administrator", 1001, True), ("it", 500, False))),
    )
    assert has(decoy, f"[{WEAK_MACHINE}-500]", "it: Enabled=False, renamed")


def test_guest_missing_from_the_list_is_an_error_and_a_single_user_object_is_read() -> None:
    one = ps(accounts.USERS_QUERY, {"Name": "Khách", "SID": f"{WEAK_MACHINE}-501", "Enabled": 0})
    outcome = run("windows.accounts.guest_disabled", host(one))
    assert has(outcome, f"[{WEAK_MACHINE}-501]", "Khách: Enabled=False")
    absent = run("windows.accounts.guest_disabled", host(_users(("canbo", 1001, True))))
    assert absent.status is Status.error
    assert str(absent.reason).startswith("`Get-LocalUser` listed 1 accounts but none with RID 501")
    assert has(absent, "Get-LocalUser", "1 accounts")


@pytest.mark.parametrize(
    "check_id",
    [
        "windows.accounts.guest_disabled",
        "windows.accounts.builtin_admin",
        "windows.accounts.admin_members",
    ],
)
def test_empty_account_lists_are_errors_never_passes(check_id: str) -> None:
    empty = host({**ps(accounts.USERS_QUERY, out=""), **ps(accounts.ADMINS_QUERY, out="")})
    outcome = run(check_id, empty)
    assert outcome.status is Status.error
    assert "the answer is incomplete" in str(outcome.reason)


def test_no_firewall_profiles_is_an_error() -> None:
    outcome = run("windows.firewall.all_profiles", host(ps(firewall.FIREWALL_QUERY, out="")))
    assert outcome.status is Status.error
    assert (
        str(outcome.reason) == "Get-NetFirewallProfile listed no profiles: the answer is incomplete"
    )


def test_admin_members_allowed_by_name_or_sid_whatever_the_language() -> None:
    params = accounts.AdminMembersParams(
        allowed=["S-1-5-21-*-500", "Ketoan", f"{WEAK_MACHINE}-1002"]
    )
    for name in ("windows-weak", "windows-weak-vi"):
        outcome = run("windows.accounts.admin_members", recorded_host(name), params)
        assert outcome.status is Status.passed, name
        assert has(outcome, f"[{WEAK_MACHINE}-1001]", "KETOAN-PC\\ketoan (allowed)")


def test_password_policy_parameters() -> None:
    strict = accounts.PasswordPolicyParams(min_length=14, max_lockout=3)
    outcome = run("windows.accounts.password_policy", recorded_host("windows-hardened"), strict)
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "minimum length 12 < 14; lockout threshold 5 not in 1..3"
    with pytest.raises(ValidationError):
        accounts.PasswordPolicyParams(min_length=0)


# --- registry checks: Windows defaults and bad values ------------------------------------


def test_unset_registry_values_take_the_windows_defaults() -> None:
    empty = host(registry={})
    uac = run("windows.uac.enabled", empty)
    assert uac.status is Status.passed
    assert has(uac, "System\\EnableLUA", "not set (Windows default 1) (UAC on)")
    autorun = run("windows.autorun.disabled", empty)
    assert autorun.status is Status.failed
    assert has(autorun, "Explorer\\NoDriveTypeAutoRun", "not set (Windows default 145) (0x91)")
    rdp = run("windows.rdp.nla", empty)
    assert rdp.status is Status.passed
    assert has(
        rdp,
        "Terminal Server\\fDenyTSConnections",
        "not set (Windows default 1) (RDP off), not set by Group Policy",
    )
    smb1 = run("windows.smb.v1_disabled", empty)  # no SMB 1 drivers installed
    assert smb1.status is Status.passed
    assert has(smb1, "LanmanServer\\Parameters\\SMB1", "not set (Windows default 1)")
    signing = run("windows.smb.signing_required", empty)
    assert signing.status is Status.failed
    assert run("windows.services.risky", empty).status is Status.passed
    assert run("windows.updates.automatic", empty).status is Status.failed  # no wuauserv


def test_rdp_policy_overrides_the_local_setting() -> None:
    registry = {
        "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server": {"fDenyTSConnections": 1},
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services": {
            "fDenyTSConnections": 0,
            "UserAuthentication": 0,
        },
    }
    outcome = run("windows.rdp.nla", host(registry=registry))
    assert outcome.status is Status.failed
    assert has(outcome, "Terminal Services\\fDenyTSConnections", "0 (RDP on), Group Policy")


def test_smb1_server_value_or_missing_driver() -> None:
    registry = {
        f"{SERVICES}\\srv": {"Start": 3},
        f"{SERVICES}\\LanmanServer\\Parameters": {"SMB1": 0},
    }
    assert run("windows.smb.v1_disabled", host(registry=registry)).status is Status.passed
    client_on = {**registry, f"{SERVICES}\\mrxsmb10": {"Start": 3}}
    outcome = run("windows.smb.v1_disabled", host(registry=client_on))
    assert (outcome.status, str(outcome.reason)) == (Status.failed, "SMBv1 enabled on the client")


def test_a_registry_value_of_the_wrong_type_is_an_error() -> None:
    registry = {f"{POLICIES}\\System": {"EnableLUA": "có"}}
    outcome = run("windows.uac.enabled", host(registry=registry))
    assert outcome.status is Status.error
    assert str(outcome.reason) == f"{POLICIES}\\System\\EnableLUA: unexpected value 'có'"


def test_screen_lock_from_signed_in_users_screen_savers() -> None:
    user = f"{WEAK_MACHINE}-1001"
    policy = f"HKU\\{user}\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
    registry = {
        f"HKU\\{user}\\Control Panel\\Desktop": {
            "ScreenSaveActive": "1",
            "ScreenSaveTimeOut": "900",
        },
        policy: {
            "SCRNSAVE.EXE": "scrnsave.scr",
            "ScreenSaverIsSecure": "1",
            "ScreenSaveTimeOut": "600",
        },
        f"HKU\\{user}_Classes\\Local Settings": {},
        "HKU\\S-1-5-18\\Control Panel\\Desktop": {"ScreenSaveActive": "1"},
    }
    outcome = run("windows.screen_lock.timeout", host(registry=registry))
    assert outcome.status is Status.passed
    assert has(
        outcome,
        policy,
        "SCRNSAVE.EXE=scrnsave.scr, ScreenSaveActive=1, "
        "ScreenSaverIsSecure=1, ScreenSaveTimeOut=600 (Group Policy)",
    )
    short = run(
        "windows.screen_lock.timeout",
        host(registry=registry),
        screen_lock.ScreenLockParams(max_seconds=300),
    )
    assert short.status is Status.failed
    nobody = run("windows.screen_lock.timeout", host(registry={}))
    assert str(nobody.reason) == "no machine inactivity limit and no signed-in user"
    too_long = {f"{POLICIES}\\System": {"InactivityTimeoutSecs": 3600}}
    outcome = run("windows.screen_lock.timeout", host(registry=too_long))
    assert outcome.status is Status.failed
    assert has(outcome, "System\\InactivityTimeoutSecs", "3600 s")


def test_risky_services_parameter() -> None:
    params = services.RiskyServicesParams(services=["Spooler"])
    registry = {f"{SERVICES}\\Spooler": {"Start": 2}}
    outcome = run("windows.services.risky", host(registry=registry), params)
    assert (outcome.status, str(outcome.reason)) == (Status.failed, "not disabled: Spooler")
    with pytest.raises(ValidationError, match="not a service key name"):
        services.RiskyServicesParams(services=["..\\..\\SOFTWARE"])


def test_checks_are_plain_functions_with_metadata() -> None:
    for check in WINDOWS_CHECKS.values():
        assert isinstance(check, Check)
        texts = (check.meta.title, check.meta.rationale, check.meta.remediation)
        assert all(text.vi != text.en and not text.vi.isascii() for text in texts)
        assert check.meta.timeout >= 15


def test_the_batch_command_line_survives_windows_quoting() -> None:
    script = batch_argv()[-1]
    # No double quotes to escape for CreateProcess, and far below its 32,767 characters.
    assert '"' not in script
    assert len(" ".join(batch_argv())) < 8000
