"""Windows policy checks: open shares, audit policy, Office macros, Print Spooler, screen-saver
password, BitLocker on data drives and the removable-media policy.

windows-hardened passes each, windows-weak fails each with evidence, windows-weak-vi (the
same PC in Vietnamese) gives the same verdicts; then each check's own edge cases on small
registries and PowerShell answers shaped as Windows PowerShell 5.1 prints them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import netwatch.posture
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._powershell import PowerShellQuery
from netwatch.posture.checks._windows import NO_REGISTRY, NOT_LIVE
from netwatch.posture.checks.windows import audit, bitlocker, smb
from netwatch.posture.context import CheckContext
from netwatch.posture.frameworks import load_framework
from netwatch.posture.model import Outcome, Status
from netwatch.posture.registry import all_checks
from tests.helpers.posture_hosts import POSTURE_FIXTURES, offline_image, recorded_host
from tests.helpers.powershell import Parts, batch_recording, query_name
from tests.helpers.recorded import RecordedCommands

POLICY_IDS = {
    "windows.smb.everyone_writable_shares",
    "windows.audit.logon_events",
    "windows.audit.account_management",
    "windows.office.internet_macros_blocked",
    "windows.services.print_spooler",
    "windows.screen_lock.password",
    "windows.bitlocker.data_drives",
    "windows.storage.removable_media_policy",
}
CHECKS = {c.meta.id: c for c in all_checks() if c.meta.id in POLICY_IDS}
FRAMEWORKS = Path(netwatch.posture.__file__).parent / "policies" / "frameworks"
LSA = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
PRODUCT = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions"
POINT_AND_PRINT = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Printers\\PointAndPrint"
SYSTEM_POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
REMOVABLE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices"
DISKS = f"{REMOVABLE}\\{{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}}"
C2R = "HKLM\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration"
USER = "S-1-5-21-2847193765-1939573341-4015281972-1001"
OTHER_USER = "S-1-5-21-2847193765-1939573341-4015281972-1002"
HARDENED_USER = "S-1-5-21-1004336348-1177238915-682003330-1107"


def run(check_id: str, access: HostAccess, **params: Any) -> Outcome:
    check = CHECKS[check_id]
    model = check.meta.params_model
    return check.run(CheckContext(access, "windows", model(**params) if model else None, 0.0))


def host(
    parts: Parts | None = None, registry: dict[str, dict[str, Any]] | None = None
) -> HostAccess:
    """A live Windows machine: its PowerShell batch answers ``parts``, its registry ``registry``."""
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(batch_recording(parts) if parts else {}),  # type: ignore[arg-type]
        registry=RecordedRegistry(registry or {}),
        live=True,
    )


def ps(query: PowerShellQuery, value: Any = None, *, out: str | None = None) -> Parts:
    """One query's answer as ConvertTo-Json -Compress prints it (or raw text)."""
    text = out if out is not None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return {query_name(query.script): {"out": text}}


def has(outcome: Outcome, source: str, observed: str) -> bool:
    """Some evidence was read at a source containing ``source`` and saw ``observed``."""
    return any(source in e.source and str(e.observed) == observed for e in outcome.evidence)


# --- the three recorded machines --------------------------------------------------------

HARDENED_EVIDENCE = {
    "windows.smb.everyone_writable_shares": ("Get-SmbShare", "shares checked: Scan"),
    "windows.audit.logon_events": (
        "[Account Lockout {0CCE9217-69AE-11D9-BED3-505054503030}]",
        "`Setting Value`=2 (failure)",
    ),
    "windows.audit.account_management": (
        "[User Account Management {0CCE9235-69AE-11D9-BED3-505054503030}]",
        "`Setting Value`=3 (success and failure)",
    ),
    "windows.office.internet_macros_blocked": (
        f"{HARDENED_USER}\\Software\\Policies\\Microsoft\\Office\\16.0\\excel\\Security",
        "excel: blockcontentexecutionfrominternet=1 by Group Policy, `VBAWarnings`=3 (Group Policy)",
    ),
    "windows.services.print_spooler": (
        f"{POINT_AND_PRINT}\\RestrictDriverInstallationToAdministrators",
        "1, NoWarningNoElevationOnInstall=not set (Windows default 0), "
        "UpdatePromptSettings=not set (Windows default 0)",
    ),
    "windows.screen_lock.password": (f"{SYSTEM_POLICIES}\\InactivityTimeoutSecs", "900 s"),
    "windows.bitlocker.data_drives": (
        "[D:]",
        "VolumeStatus=1 (FullyEncrypted), ProtectionStatus=1 (On), EncryptionPercentage=100",
    ),
    "windows.storage.removable_media_policy": (f"{REMOVABLE}\\Deny_All", "1"),
}
WEAK_EVIDENCE = {
    "windows.smb.everyone_writable_shares": (
        "[DuLieu]",
        "S-1-1-0 (Everyone) Full (O:SYG:SYD:(A;;FA;;;WD))",
    ),
    "windows.audit.logon_events": (
        "[Account Lockout {0CCE9217-69AE-11D9-BED3-505054503030}]",
        "`Setting Value`=1 (success)",
    ),
    "windows.audit.account_management": (
        "[User Account Management {0CCE9235-69AE-11D9-BED3-505054503030}]",
        "`Setting Value`=1 (success)",
    ),
    "windows.office.internet_macros_blocked": (
        f"{USER}\\Software\\Policies\\Microsoft\\Office\\16.0\\excel\\Security",
        "excel: blockcontentexecutionfrominternet=not set (default: not blocked), "
        "`VBAWarnings`=1 (user setting)",
    ),
    "windows.services.print_spooler": (
        f"{POINT_AND_PRINT}\\RestrictDriverInstallationToAdministrators",
        "0, NoWarningNoElevationOnInstall=1, UpdatePromptSettings=2",
    ),
    "windows.screen_lock.password": (
        f"HKU\\{USER}\\Control Panel\\Desktop",
        "SCRNSAVE.EXE=not set, ScreenSaveActive=1, ScreenSaverIsSecure=0, ScreenSaveTimeOut=900 "
        "(user setting)",
    ),
    "windows.bitlocker.data_drives": (
        "[D:]",
        "VolumeStatus=0 (FullyDecrypted), ProtectionStatus=0 (Off), EncryptionPercentage=0",
    ),
    "windows.storage.removable_media_policy": (f"{SERVICES}\\USBSTOR\\Start", "Start=3 (manual)"),
}


def test_every_check_is_registered_and_mapped_in_both_frameworks() -> None:
    assert set(CHECKS) == POLICY_IDS == set(HARDENED_EVIDENCE) == set(WEAK_EVIDENCE)
    for name in ("tcvn-11930-2017", "cis-controls-v8"):
        mappings = load_framework(FRAMEWORKS / f"{name}.yaml").mappings
        assert all(mappings.get(check_id) for check_id in CHECKS), name


@pytest.mark.parametrize("check_id", sorted(POLICY_IDS))
def test_hardened_machine_passes(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-hardened"))
    assert outcome.status is Status.passed, outcome
    assert has(outcome, *HARDENED_EVIDENCE[check_id]), outcome.evidence


@pytest.mark.parametrize("check_id", sorted(POLICY_IDS))
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
    assert str(run("windows.smb.everyone_writable_shares", weak).reason) == (
        "writable by everyone: DuLieu, KeToan"
    )
    assert str(run("windows.audit.logon_events", weak).reason) == (
        "not audited: Account Lockout: failure"
    )
    assert str(run("windows.office.internet_macros_blocked", weak).reason) == (
        f"internet macros can run: {USER} (word, excel, powerpoint)"
    )
    assert (
        str(run("windows.bitlocker.data_drives", weak).reason) == "not encrypted and protected: D:"
    )


@pytest.mark.parametrize("check_id", sorted(POLICY_IDS))
def test_an_offline_image_is_not_judged_by_the_auditing_machine(check_id: str) -> None:
    outcome = run(check_id, offline_image("linux-weak"))
    assert outcome.status is Status.not_applicable
    assert str(outcome.reason) == str(NOT_LIVE)


@pytest.mark.parametrize(
    "check_id",
    [
        "windows.office.internet_macros_blocked",
        "windows.services.print_spooler",
        "windows.screen_lock.password",
        "windows.storage.removable_media_policy",
    ],
)
def test_registry_checks_without_a_registry_are_not_applicable(check_id: str) -> None:
    access = HostAccess(files=FileReader(POSTURE_FIXTURES / "empty-root"), registry=None, live=True)
    outcome = run(check_id, access)
    assert (outcome.status, str(outcome.reason)) == (Status.not_applicable, str(NO_REGISTRY))


# --- shares writable by everyone ----------------------------------------------------------


def shares(*items: dict[str, Any]) -> HostAccess:
    value: Any = list(items) if len(items) != 1 else items[0]  # one object: no brackets
    return host(ps(smb.SHARES_QUERY, value if items else None, out="" if not items else None))


def share(name: str, sddl: str, share_type: Any = 0, special: bool = False) -> dict[str, Any]:
    return {"Name": name, "ShareType": share_type, "Special": special, "Path": f"D:\\{name}",
            "SecurityDescriptor": sddl}  # fmt: skip


SHARE = "windows.smb.everyone_writable_shares"


@pytest.mark.parametrize(
    ("sddl", "status", "observed"),
    [
        ("O:SYG:SYD:(A;;0x1200a9;;;WD)", Status.passed, None),  # Everyone read only
        ("O:SYG:SYD:(A;;FR;;;AU)(A;;FA;;;BA)", Status.passed, None),
        ("O:SYG:SYD:(A;;0x1301bf;;;AU)", Status.failed, "S-1-5-11 (Authenticated Users) Change"),
        ("O:SYG:SYD:(A;;GA;;;BG)", Status.failed, "S-1-5-32-546 (Guests) Full"),
        ("O:SYG:SYD:(A;;0x1301bf;;;AN)", Status.failed, "S-1-5-7 (Anonymous Logon) Change"),
        ("O:BAG:DUD:(A;;0x1301bf;;;DU)", Status.failed, "<domain>-513 (Domain Users) Change"),
        (
            "O:SYG:SYD:(A;;FA;;;S-1-5-21-1004336348-1177238915-682003330-513)",
            Status.failed,
            "S-1-5-21-1004336348-1177238915-682003330-513 (Domain Users) Full",
        ),
        ("O:SYG:SYD:(A;;FRFW;;;S-1-1-0)", Status.failed, "S-1-1-0 (Everyone) Change"),
        ("O:SYG:SYD:(A;;SD;;;WD)", Status.failed, "S-1-1-0 (Everyone) Change"),  # delete only
        # A deny on the same SID takes the write away; one on another SID does not.
        ("O:SYG:SYD:(D;;FA;;;WD)(A;;FA;;;WD)", Status.passed, None),
        ("O:SYG:SYD:(D;;FA;;;AN)(A;;FA;;;WD)", Status.failed, "S-1-1-0 (Everyone) Full"),
        ("O:SYG:SYD:NO_ACCESS_CONTROL", Status.failed, "S-1-1-0 (Everyone) Full"),
        ("O:SYG:SY", Status.failed, "S-1-1-0 (Everyone) Full"),  # no DACL at all
        ("O:SYG:SYD:(A;;FA;;;S-1-5-21-1-2-3-1120)S:(AU;SA;FA;;;WD)", Status.passed, None),
    ],
)
def test_share_permissions_are_judged_by_sid(
    sddl: str, status: Status, observed: str | None
) -> None:
    outcome = run(SHARE, shares(share("Data", sddl)))
    assert outcome.status is status, outcome
    if observed:
        assert str(outcome.evidence[0].observed).startswith(observed), outcome.evidence


def test_administrative_and_printer_shares_are_left_out() -> None:
    everyone_full = "O:SYG:SYD:(A;;FA;;;WD)"
    access = shares(
        share("ADMIN$", everyone_full, special=True),
        share("E$", everyone_full),
        share("IPC$", everyone_full, share_type=3),
        share("print$", everyone_full),
        share("HP LaserJet", everyone_full, share_type=1),
        share("Canon", everyone_full, share_type="PrintQueue"),
        share("Scan", "O:SYG:SYD:(A;;0x1200a9;;;WD)"),
    )
    outcome = run(SHARE, access)
    assert outcome.status is Status.passed, outcome
    assert str(outcome.evidence[0].observed) == "shares checked: Scan"


def test_no_share_but_the_administrative_ones_passes() -> None:
    outcome = run(SHARE, shares(share("IPC$", "", share_type=3, special=True)))
    assert outcome.status is Status.passed
    assert str(outcome.evidence[0].observed) == "no shares but the administrative ones"
    assert run(SHARE, shares()).status is Status.passed  # Get-SmbShare printed nothing


def test_an_allowed_share_stays_writable_and_is_shown() -> None:
    access = shares(
        share("Scan", "O:SYG:SYD:(A;;FA;;;WD)"), share("KeToan", "O:SYG:SYD:(A;;FA;;;BU)")
    )
    outcome = run(SHARE, access, allowed=["scan"])
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "writable by everyone: KeToan"
    assert has(
        outcome, "[Scan]", "S-1-1-0 (Everyone) Full (allowed by policy) (O:SYG:SYD:(A;;FA;;;WD))"
    )
    assert run(SHARE, access, allowed=["SCAN", "ketoan"]).status is Status.passed


@pytest.mark.parametrize(
    ("sddl", "reason"),
    [
        ("", "Get-SmbShare gave no security descriptor for share Data"),
        ("O:SYG:SYD:(A;;ZZ;;;WD)", "share Data: unknown access rights 'ZZ'"),
        ("O:SYG:SYD:(A;;FA)", "share Data: malformed ACE (A;;FA)"),
    ],
)
def test_unreadable_share_descriptors_are_errors(sddl: str, reason: str) -> None:
    outcome = run(SHARE, shares(share("Data", sddl)))
    assert (outcome.status, str(outcome.reason)) == (Status.error, reason)
    assert outcome.evidence


def test_get_smbshare_failing_is_an_error() -> None:
    access = host(
        {query_name(smb.SHARES_QUERY.script): {"error": "The service has not been started."}}
    )
    outcome = run(SHARE, access)
    assert outcome.status is Status.error
    assert str(outcome.reason) == "Get-SmbShare failed: The service has not been started."


# --- audit policy ------------------------------------------------------------------------

GUIDS = {
    "Logon": "{0cce9215-69ae-11d9-bed3-505054503030}",
    "Special Logon": "{0cce921b-69ae-11d9-bed3-505054503030}",
    "Account Lockout": "{0cce9217-69ae-11d9-bed3-505054503030}",
    "User Account Management": "{0cce9235-69ae-11d9-bed3-505054503030}",
    "Security Group Management": "{0cce9237-69ae-11d9-bed3-505054503030}",
}


def backup(
    values: dict[str, int], header: str = "", words: dict[int, str] | None = None
) -> list[str]:
    words = words or {0: "No Auditing", 1: "Success", 2: "Failure", 3: "Success and Failure"}
    lines = [header or "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,"
             "Exclusion Setting,Setting Value"]  # fmt: skip
    lines += [f"PC,System,Audit {name},{GUIDS[name]},{words[value]},,{value}"
              for name, value in values.items()]  # fmt: skip
    return [*lines, "PC,,Option:CrashOnAuditFail,,Disabled,,0"]


ALL_GOOD = {"Logon": 3, "Special Logon": 1, "Account Lockout": 3, "User Account Management": 3,
            "Security Group Management": 3}  # fmt: skip


def audit_host(
    lines: list[str], exit_code: int = 0, lsa: dict[str, Any] | None = None
) -> HostAccess:
    answer = {"ExitCode": exit_code, "Lines": lines}
    return host(ps(audit.AUDIT_QUERY, answer), {LSA: lsa or {}})


def test_localised_auditpol_text_does_not_change_the_verdict() -> None:
    vietnamese = backup(
        ALL_GOOD,
        header="Tên máy,Mục tiêu chính sách,Danh mục con,GUID danh mục con,Thiết lập bao gồm,"
        "Thiết lập loại trừ,Giá trị thiết lập",
        words={0: "Không kiểm tra", 1: "Thành công", 2: "Thất bại", 3: "Thành công và Thất bại"},
    )
    for check_id in ("windows.audit.logon_events", "windows.audit.account_management"):
        outcome = run(check_id, audit_host(vietnamese))
        assert outcome.status is Status.passed, outcome
        assert str(outcome.reason) == ""


def test_subcategory_settings_not_forced_are_explained() -> None:
    outcome = run("windows.audit.logon_events", audit_host(backup(ALL_GOOD), lsa={
        "SCENoApplyLegacyAuditPolicy": 0}))  # fmt: skip
    assert outcome.status is Status.passed
    assert str(outcome.reason).startswith("subcategory settings are not forced")
    assert has(outcome, "Lsa\\SCENoApplyLegacyAuditPolicy", "0 (not forced)")
    weak = dict(ALL_GOOD, Logon=1)
    failing = run("windows.audit.logon_events", audit_host(backup(weak), lsa={
        "SCENoApplyLegacyAuditPolicy": 0}))  # fmt: skip
    assert str(failing.reason) == (
        "not audited: Logon: failure; subcategory settings are not forced, so a legacy category "
        "audit policy can overwrite them at the next Group Policy refresh"
    )


def test_no_auditing_fails_every_requirement() -> None:
    outcome = run(
        "windows.audit.account_management", audit_host(backup(dict.fromkeys(ALL_GOOD, 0)))
    )
    assert outcome.status is Status.failed
    assert str(outcome.reason) == (
        "not audited: User Account Management: success and failure; "
        "Security Group Management: success"
    )


@pytest.mark.parametrize(
    ("access", "reason"),
    [
        (
            audit_host(["Error 0x00000522 occurred:", "A required privilege is not held."], 1),
            "`auditpol /backup` failed with exit code 1",
        ),
        (audit_host([]), "`auditpol /backup` failed with exit code 0"),
        (
            audit_host(backup({"Logon": 3, "Special Logon": 1})),
            "`auditpol /backup` did not list Account Lockout {0CCE9217-69AE-11D9-BED3-505054503030}",
        ),
        (
            audit_host(["PC,System,Audit Logon,{0cce9215-69ae-11d9-bed3-505054503030},Success,,"]),
            "`auditpol /backup`: no `Setting Value` for {0cce9215-69ae-11d9-bed3-505054503030}",
        ),
    ],
)
def test_auditpol_answers_it_cannot_decide_from_are_errors(access: HostAccess, reason: str) -> None:
    outcome = run("windows.audit.logon_events", access)
    assert (outcome.status, str(outcome.reason)) == (Status.error, reason)
    assert outcome.evidence


# --- Office macros from the internet ---------------------------------------------------------

MACROS = "windows.office.internet_macros_blocked"


def office_host(office: dict[str, dict[str, Any]], *users: str, **user_keys: Any) -> HostAccess:
    keys = dict(office)
    for sid in users:
        keys[f"HKU\\{sid}\\Control Panel\\Desktop"] = {"ScreenSaveActive": "1"}
    for name, values in user_keys.items():
        keys[name.replace("__", "\\")] = values
    return host(registry=keys)


def policy(sid: str, app: str, version: str = "16.0") -> str:
    return f"HKU__{sid}__Software__Policies__Microsoft__Office__{version}__{app}__Security"


M365 = {C2R: {"VersionToReport": "16.0.17628.20144", "ProductReleaseIds": "O365ProPlusRetail"}}
OFFICE_2021 = {
    C2R: {"VersionToReport": "16.0.14332.20721", "ProductReleaseIds": "ProPlus2021Volume"}
}
OFFICE_2013 = {
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Office15.STANDARD": {
        "DisplayName": "Microsoft Office Standard 2013",
        "DisplayVersion": "15.0.4569.1506",
    }
}


def test_without_office_the_check_does_not_apply() -> None:
    outcome = run(MACROS, office_host({}, USER))
    assert (outcome.status, str(outcome.reason)) == (
        Status.not_applicable,
        "Microsoft Office is not installed",
    )


def test_microsoft_365_apps_block_by_default_and_a_policy_can_undo_it() -> None:
    assert run(MACROS, office_host(M365, USER)).status is Status.passed
    opted_out = office_host(
        M365, USER, **{policy(USER, "word"): {"blockcontentexecutionfrominternet": 0}}
    )
    outcome = run(MACROS, opted_out)
    assert outcome.status is Status.failed
    assert str(outcome.reason) == f"internet macros can run: {USER} (word)"
    enable_all = office_host(M365, USER, **{policy(USER, "powerpoint"): {"vbawarnings": 1}})
    assert str(run(MACROS, enable_all).reason) == f"internet macros can run: {USER} (powerpoint)"


def test_perpetual_office_needs_the_policy_for_every_user() -> None:
    blocked = {policy(sid, app): {"blockcontentexecutionfrominternet": 1}
               for sid in (USER, OTHER_USER) for app in ("word", "excel", "powerpoint")}  # fmt: skip
    assert (
        run(MACROS, office_host(OFFICE_2021, USER, OTHER_USER, **blocked)).status is Status.passed
    )
    del blocked[policy(OTHER_USER, "excel")]
    outcome = run(MACROS, office_host(OFFICE_2021, USER, OTHER_USER, **blocked))
    assert str(outcome.reason) == f"internet macros can run: {OTHER_USER} (excel)"
    assert has(
        outcome,
        C2R,
        "Office 16.0 build 16.0.14332.20721 (does not block internet macros by default)",
    )


def test_office_2013_is_read_under_its_own_version() -> None:
    keys = {policy(USER, app, "15.0"): {"blockcontentexecutionfrominternet": 1}
            for app in ("word", "excel", "powerpoint")}  # fmt: skip
    outcome = run(MACROS, office_host(OFFICE_2013, USER, **keys))
    assert outcome.status is Status.passed, outcome
    assert has(outcome, "Uninstall\\Office15.STANDARD\\DisplayVersion", "Office 15.0 build "
               "15.0.4569.1506 (does not block internet macros by default)")  # fmt: skip


def test_with_nobody_signed_in_the_build_default_decides() -> None:
    assert (
        str(run(MACROS, office_host(M365)).reason)
        == "no user signed in; this build blocks by default"
    )
    outcome = run(MACROS, office_host(OFFICE_2021))
    assert (outcome.status, str(outcome.reason)) == (
        Status.failed, "no user signed in, and this Office does not block by default")  # fmt: skip


# --- Print Spooler ---------------------------------------------------------------------------

SPOOLER = "windows.services.print_spooler"


def spooler_host(product: str | None, start: int | None, **point_and_print: int) -> HostAccess:
    keys: dict[str, dict[str, Any]] = {POINT_AND_PRINT: dict(point_and_print)}
    if product is not None:
        keys[PRODUCT] = {"ProductType": product}
    if start is not None:
        keys[f"{SERVICES}\\Spooler"] = {"Start": start}
    return host(registry=keys)


@pytest.mark.parametrize(
    ("product", "start", "params", "status"),
    [
        ("ServerNT", 2, {}, Status.failed),
        ("ServerNT", 4, {}, Status.passed),
        ("ServerNT", None, {}, Status.passed),  # Server Core without the spooler
        ("LanmanNT", 3, {}, Status.failed),
        ("LanmanNT", 2, {"print_server": True}, Status.failed),  # never on a domain controller
        ("ServerNT", 2, {"print_server": True}, Status.passed),  # restrictions unset: default 1
        ("WinNT", 2, {}, Status.passed),
        ("WinNT", 4, {}, Status.passed),
    ],
)
def test_spooler_by_role(
    product: str, start: int | None, params: dict[str, Any], status: Status
) -> None:
    outcome = run(SPOOLER, spooler_host(product, start), **params)
    assert outcome.status is status, outcome


def test_a_running_spooler_on_a_domain_controller_names_the_role() -> None:
    outcome = run(SPOOLER, spooler_host("LanmanNT", 2))
    assert str(outcome.reason) == "`Print Spooler` not disabled on a domain controller"
    assert has(outcome, "ProductOptions\\ProductType", "LanmanNT (domain controller)")
    assert has(outcome, "Services\\Spooler\\Start", "Start=2 (automatic)")


@pytest.mark.parametrize(
    ("point_and_print", "status"),
    [
        ({"RestrictDriverInstallationToAdministrators": 0}, Status.passed),  # prompts still on
        (
            {"RestrictDriverInstallationToAdministrators": 0, "UpdatePromptSettings": 1},
            Status.failed,
        ),
        ({"NoWarningNoElevationOnInstall": 1}, Status.passed),  # admins only (default 1) wins
    ],
)
def test_workstation_point_and_print(point_and_print: dict[str, int], status: Status) -> None:
    outcome = run(SPOOLER, spooler_host("WinNT", 2, **point_and_print))
    assert outcome.status is status, outcome
    assert "a workstation needs the `Print Spooler` to print" in str(outcome.reason)


@pytest.mark.parametrize("product", [None, "Unknown"])
def test_an_unreadable_product_type_is_an_error(product: str | None) -> None:
    outcome = run(SPOOLER, spooler_host(product, 2))
    assert outcome.status is Status.error
    assert str(outcome.reason) == f"unknown `ProductType` {product!r}"


# --- screen saver password ------------------------------------------------------------------

PASSWORD = "windows.screen_lock.password"


def desktop(sid: str, **values: str) -> dict[str, dict[str, Any]]:
    return {f"HKU\\{sid}\\Control Panel\\Desktop": dict(values)}


def desktop_policy(sid: str, **values: str) -> dict[str, dict[str, Any]]:
    key = f"HKU\\{sid}\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
    return {key: dict(values)}


def test_every_signed_in_user_needs_a_secure_screen_saver() -> None:
    keys = {**desktop(USER, ScreenSaverIsSecure="1"), **desktop(OTHER_USER, ScreenSaverIsSecure="0"),
            **desktop("S-1-5-18", ScreenSaverIsSecure="0")}  # fmt: skip
    outcome = run(PASSWORD, host(registry=keys))
    assert outcome.status is Status.failed
    assert str(outcome.reason) == f"the screen saver resumes without a password for {OTHER_USER}"
    keys.update(desktop_policy(OTHER_USER, ScreenSaverIsSecure="1"))
    outcome = run(PASSWORD, host(registry=keys))
    assert outcome.status is Status.passed
    assert has(outcome, "Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
               "SCRNSAVE.EXE=not set, ScreenSaveActive=1, ScreenSaverIsSecure=1, "
               "ScreenSaveTimeOut=900 (Group Policy)")  # fmt: skip


def test_group_policy_overrides_the_users_own_setting() -> None:
    keys = {
        **desktop(USER, ScreenSaverIsSecure="1"),
        **desktop_policy(USER, ScreenSaverIsSecure="0"),
    }
    assert run(PASSWORD, host(registry=keys)).status is Status.failed


def test_unset_value_is_the_windows_default_no_password() -> None:
    outcome = run(PASSWORD, host(registry=desktop(USER, ScreenSaveActive="1")))
    assert outcome.status is Status.failed
    assert "ScreenSaverIsSecure=0" in str(outcome.evidence[1].observed)


def test_the_machine_inactivity_limit_counts_and_zero_does_not() -> None:
    insecure = desktop(USER, ScreenSaverIsSecure="0")
    locked = run(
        PASSWORD, host(registry={**insecure, SYSTEM_POLICIES: {"InactivityTimeoutSecs": 1800}})
    )
    assert (locked.status, str(locked.reason)) == (
        Status.passed, "the machine inactivity limit locks every session")  # fmt: skip
    off = run(PASSWORD, host(registry={**insecure, SYSTEM_POLICIES: {"InactivityTimeoutSecs": 0}}))
    assert off.status is Status.failed


def test_nobody_signed_in_and_no_machine_limit_fails() -> None:
    outcome = run(PASSWORD, host(registry=desktop("S-1-5-18", ScreenSaverIsSecure="1")))
    assert (outcome.status, str(outcome.reason)) == (
        Status.failed, "no machine inactivity limit and no signed-in user")  # fmt: skip


# --- BitLocker on data drives ------------------------------------------------------------------

DATA = "windows.bitlocker.data_drives"


def test_only_the_system_drive_is_not_applicable() -> None:
    outcome = run(DATA, host(ps(bitlocker.DATA_DRIVES_QUERY, out="")))
    assert outcome.status is Status.not_applicable
    assert str(outcome.reason) == "no fixed data drive: only the system drive"


def test_every_data_drive_must_be_encrypted_and_protected() -> None:
    volumes = [
        {"MountPoint": "D:", "VolumeStatus": 1, "ProtectionStatus": 1, "EncryptionPercentage": 100},
        {"MountPoint": "E:", "VolumeStatus": "EncryptionInProgress", "ProtectionStatus": "Off",
         "EncryptionPercentage": 37},
        {"MountPoint": "F:", "VolumeStatus": 1, "ProtectionStatus": 0, "EncryptionPercentage": 100},
    ]  # fmt: skip
    outcome = run(DATA, host(ps(bitlocker.DATA_DRIVES_QUERY, volumes)))
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "not encrypted and protected: E:, F:"
    assert has(outcome, "[E:]", "VolumeStatus=2 (EncryptionInProgress), ProtectionStatus=0 (Off), "
               "EncryptionPercentage=37")  # fmt: skip


def test_bitlocker_not_available_is_an_error() -> None:
    message = "The term 'Get-BitLockerVolume' is not recognized as the name of a cmdlet."
    parts = {query_name(bitlocker.DATA_DRIVES_QUERY.script): {"error": message}}
    outcome = run(DATA, host(parts))
    assert outcome.status is Status.error
    assert str(outcome.reason).startswith("Get-BitLockerVolume (data drives) failed: The term")


# --- removable-media policy ----------------------------------------------------------------------

MEDIA = "windows.storage.removable_media_policy"
USBSTOR_ON = {f"{SERVICES}\\USBSTOR": {"Start": 3}}


@pytest.mark.parametrize(
    ("keys", "status", "reason"),
    [
        (
            {DISKS: {"Deny_Write": 1}},
            Status.passed,
            "Group Policy: writing to removable disks denied",
        ),
        ({DISKS: {"Deny_All": 1}}, Status.passed, "Group Policy: removable disks denied"),
        ({REMOVABLE: {"Deny_All": 1}}, Status.passed, "Group Policy: all removable storage denied"),
        (
            {DISKS: {"Deny_Read": 1}},
            Status.failed,
            "documents can be copied to USB and other removable disks",
        ),
        (
            {DISKS: {"Deny_Write": 0}},
            Status.failed,
            "documents can be copied to USB and other removable disks",
        ),
    ],
)
def test_the_policy_must_deny_writing(keys: dict[str, Any], status: Status, reason: str) -> None:
    outcome = run(MEDIA, host(registry={**USBSTOR_ON, **keys}))
    assert (outcome.status, str(outcome.reason)) == (status, reason)


def test_a_disabled_usb_storage_driver_passes_and_says_what_it_leaves_open() -> None:
    outcome = run(MEDIA, host(registry={f"{SERVICES}\\USBSTOR": {"Start": 4}}))
    assert outcome.status is Status.passed
    assert "memory cards in built-in readers are not covered" in str(outcome.reason)
    assert has(outcome, "USBSTOR\\Start", "Start=4 (disabled)")
