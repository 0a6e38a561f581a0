"""End of support, old software and antivirus health on Windows: windows.updates.os_supported,
windows.software.*, windows.defender.tamper_protection/exclusions, windows.antivirus.*.

windows-hardened (Windows 11 Pro 26H2, `Microsoft 365 Apps`, current Chrome and Edge, Defender
on with tamper protection, Bkav Pro installed but off) passes; windows-weak (Windows 10 Pro
22H2, Office 2016, old Chrome/Edge/Cốc Cốc, broad exclusions, Bkav Pro out of date) fails,
and windows-weak-vi, the same PC in Vietnamese, gives the same verdicts and evidence.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import netwatch.posture
from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._windows import NO_REGISTRY, NOT_LIVE
from netwatch.posture.checks.windows import antivirus, defender, software, updates
from netwatch.posture.context import CheckContext
from netwatch.posture.frameworks import load_framework
from netwatch.posture.model import Outcome, Status
from netwatch.posture.registry import all_checks
from tests.helpers.posture_hosts import POSTURE_FIXTURES, offline_image, recorded_host
from tests.helpers.powershell import Parts, batch_recording, query_name
from tests.helpers.recorded import RecordedCommands

IDS = {
    "windows.updates.os_supported",
    "windows.software.office_supported",
    "windows.software.browsers_current",
    "windows.defender.tamper_protection",
    "windows.defender.exclusions",
    "windows.antivirus.third_party_current",
}
CHECKS = {c.meta.id: c for c in all_checks() if c.meta.id in IDS}
FRAMEWORKS = Path(netwatch.posture.__file__).parent / "policies" / "frameworks"
CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
UNINSTALL = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
C2R = "HKLM\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration"
FEATURES = "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Features"
EXCLUSIONS = "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions"
POLICY_EXCLUSIONS = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Exclusions"
USER = "S-1-5-21-2847193765-1939573341-4015281972-1001"


def at(day: str) -> float:
    """Noon UTC on ``day`` (YYYY-MM-DD) as ctx.now."""
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()


NOW = at("2026-12-06")


def run(check_id: str, access: HostAccess, now: float = NOW, **params: Any) -> Outcome:
    check = CHECKS[check_id]
    model = check.meta.params_model
    return check.run(CheckContext(access, "windows", model(**params) if model else None, now))


def host(
    registry: dict[str, dict[str, Any]] | None = None, parts: Parts | None = None
) -> HostAccess:
    """A live Windows machine with only ``registry`` and the PowerShell answers ``parts``."""
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(batch_recording(parts) if parts else {}),
        registry=RecordedRegistry(registry or {}),
        live=True,
    )


def ps(query: Any, value: Any) -> Parts:
    return {query_name(query.script): {"out": json.dumps(value, ensure_ascii=False)}}


def ps_error(query: Any, message: str) -> Parts:
    return {query_name(query.script): {"error": message}}


def has(outcome: Outcome, source: str, observed: str) -> bool:
    """Some evidence was read at ``source`` (its end) and saw ``observed``."""
    return any(e.source.endswith(source) and str(e.observed) == observed for e in outcome.evidence)


# --- the recorded machines --------------------------------------------------------------

HARDENED = {
    "windows.updates.os_supported": (
        "CurrentVersion\\CurrentBuild",
        "build 26300.7309 (26H2), EditionID=Professional, InstallationType=Client: "
        "Windows 11 version 26H2 Home/Pro, supported until 2028-10-10",
    ),
    "windows.software.office_supported": (
        "ClickToRun\\Configuration\\ProductReleaseIds",
        "O365ProPlusRetail: `Microsoft 365 Apps` (subscription)",
    ),
    "windows.software.browsers_current": (
        "Uninstall\\Microsoft Edge\\DisplayVersion",
        "Microsoft Edge 153.0.3537.71: current",
    ),
    "windows.defender.tamper_protection": ("Features\\TamperProtection", "5 (on)"),
    "windows.defender.exclusions": (
        "Paths\\C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MISASME2023\\MSSQL\\DATA",
        "Paths exclusion: narrow",
    ),
    "windows.antivirus.third_party_current": (
        "Select-Object displayName,productState",
        "Windows Defender: productState=0x061100 (on, signatures up to date, Microsoft); "
        "Bkav Pro: productState=0x040000 (off, signatures up to date, third-party)",
    ),
}
WEAK = {
    "windows.updates.os_supported": (
        "Windows 10 version 22H2 Home/Pro: security updates ended 2025-10-14",
        "CurrentVersion\\CurrentBuild",
        "build 19045.4529 (22H2), EditionID=Professional, InstallationType=Client: "
        "Windows 10 version 22H2 Home/Pro, support ended 2025-10-14",
    ),
    "windows.software.office_supported": (
        "out of support: Microsoft Office Professional Plus 2016 (Office 2016)",
        "Uninstall\\Office16.PROPLUS\\DisplayVersion",
        "Microsoft Office Professional Plus 2016 16.0.4266.1001: Office 2016, "
        "support ended 2025-10-14",
    ),
    "windows.software.browsers_current": (
        "far behind: Cốc Cốc 123.0.168 (25 major versions behind); Google Chrome "
        "126.0.6478.127 (27 major versions behind); Microsoft Edge 126.0.2592.68 "
        "(27 major versions behind)",
        f"HKU\\{USER}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\CocCocBrowser"
        "\\DisplayVersion",
        "Cốc Cốc 123.0.168: 25 major versions behind",
    ),
    "windows.defender.tamper_protection": (
        "tamper protection is off: malware can switch Defender off",
        "Features\\TamperProtection",
        "4 (off)",
    ),
    "windows.defender.exclusions": (
        "broad exclusions: C:\\Users\\ketoan\\Downloads (a `Downloads`, `Desktop` or `Documents` "
        "folder); D:\\ (a whole drive or share); exe (a file type that runs code)",
        "Exclusions\\Paths\\D:\\",
        "Paths exclusion: a whole drive or share",
    ),
    "windows.antivirus.third_party_current": (
        "Bkav Pro: signatures out of date; no registered antivirus is on",
        "Select-Object displayName,productState",
        "Windows Defender: productState=0x060110 (off, signatures out of date, Microsoft); "
        "Bkav Pro: productState=0x040010 (off, signatures out of date, third-party)",
    ),
}


def test_the_checks_exist_with_both_framework_mappings() -> None:
    assert set(CHECKS) == IDS == set(HARDENED) == set(WEAK)
    for name in ("tcvn-11930-2017", "cis-controls-v8"):
        mappings = load_framework(FRAMEWORKS / f"{name}.yaml").mappings
        assert all(mappings.get(check_id) for check_id in IDS), name


@pytest.mark.parametrize("check_id", sorted(IDS))
def test_hardened_machine_passes(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-hardened"))
    assert outcome.status is Status.passed, outcome
    assert has(outcome, *HARDENED[check_id]), outcome.evidence


@pytest.mark.parametrize("check_id", sorted(IDS))
def test_weak_machine_fails_with_evidence(check_id: str) -> None:
    outcome = run(check_id, recorded_host("windows-weak"))
    reason, source, observed = WEAK[check_id]
    assert (outcome.status, str(outcome.reason)) == (Status.failed, reason)
    assert has(outcome, source, observed), outcome.evidence
    assert all(e.expected for e in outcome.evidence)


def test_vietnamese_display_language_gives_the_same_verdicts_and_evidence() -> None:
    weak, weak_vi = recorded_host("windows-weak"), recorded_host("windows-weak-vi")
    for check_id in IDS:
        english, vietnamese = run(check_id, weak), run(check_id, weak_vi)
        assert vietnamese == english, check_id


def test_hardened_antivirus_reason_names_the_active_one() -> None:
    outcome = run("windows.antivirus.third_party_current", recorded_host("windows-hardened"))
    assert str(outcome.reason) == "the third-party antivirus is off; Windows Defender is on"


@pytest.mark.parametrize("check_id", sorted(IDS))
def test_offline_image_and_missing_registry(check_id: str) -> None:
    offline = run(check_id, offline_image("linux-weak"))
    assert (offline.status, str(offline.reason)) == (Status.not_applicable, str(NOT_LIVE))
    if check_id != "windows.antivirus.third_party_current":  # PowerShell only
        no_registry = HostAccess(
            files=FileReader(POSTURE_FIXTURES / "empty-root"),
            commands=RecordedCommands({}),
            registry=None,
            live=True,
        )
        outcome = run(check_id, no_registry)
        assert (outcome.status, str(outcome.reason)) == (Status.not_applicable, str(NO_REGISTRY))


# --- windows.updates.os_supported -------------------------------------------------------


def windows(
    build: str, edition: str = "Professional", kind: str = "Client", **more: Any
) -> HostAccess:
    values = {"CurrentBuild": build, "EditionID": edition, "InstallationType": kind, **more}
    return host({CURRENT_VERSION: values})


@pytest.mark.parametrize(
    ("build", "edition", "kind", "last_day", "label"),
    [
        ("22631", "Professional", "Client", "2025-11-11", "Windows 11 version 23H2 Home/Pro"),
        ("22631", "CoreSingleLanguage", "Client", "2025-11-11", "Windows 11 version 23H2 Home/Pro"),
        (
            "22631",
            "Enterprise",
            "Client",
            "2026-11-10",
            "Windows 11 version 23H2 Enterprise/Education",
        ),
        (
            "22631",
            "Education",
            "Client",
            "2026-11-10",
            "Windows 11 version 23H2 Enterprise/Education",
        ),
        ("19044", "EnterpriseS", "Client", "2027-01-12", "Windows 10 version 21H2 Enterprise LTSC"),
        (
            "19044",
            "IoTEnterpriseS",
            "Client",
            "2032-01-13",
            "Windows 10 version 21H2 IoT Enterprise LTSC",
        ),
        # LTSC 2019 has no IoT date of its own: the LTSC one applies
        (
            "17763",
            "IoTEnterpriseS",
            "Client",
            "2029-01-09",
            "Windows 10 version 1809 IoT Enterprise LTSC",
        ),
        (
            "17763",
            "Enterprise",
            "Client",
            "2021-05-11",
            "Windows 10 version 1809 Enterprise/Education",
        ),
        ("14393", "ServerStandard", "Server", "2027-01-12", "Windows Server 2016"),
        ("14393", "Professional", "Client", "2018-04-10", "Windows 10 version 1607 Home/Pro"),
        ("9600", "ServerDatacenter", "Server Core", "2023-10-10", "Windows Server 2012 R2"),
        ("9600", "Professional", "Client", "2023-01-10", "Windows 8.1 Home/Pro"),
        ("7601", "Professional", "Client", "2020-01-14", "Windows 7 SP1 Home/Pro"),
        ("26100", "ServerStandard", "Server", "2034-10-10", "Windows Server 2025"),
    ],
)
def test_support_ends_by_build_edition_and_installation_type(
    build: str, edition: str, kind: str, last_day: str, label: str
) -> None:
    access = windows(build, edition, kind)
    last = run("windows.updates.os_supported", access, now=at(last_day))
    assert last.status is Status.passed, last
    assert label in str(last.evidence[0].observed)
    after = dt.date.fromisoformat(last_day) + dt.timedelta(days=1)
    late = run("windows.updates.os_supported", access, now=at(after.isoformat()))
    assert (late.status, str(late.reason)) == (
        Status.failed,
        f"{label}: security updates ended {last_day}",
    )


def test_esu_keeps_windows_10_supported_until_the_licence_ends() -> None:
    access = windows("19045", UBR=6093, DisplayVersion="22H2")
    check_id = "windows.updates.os_supported"
    covered = run(check_id, access, now=at("2026-10-13"), esu_until=dt.date(2026, 10, 13))
    assert (covered.status, str(covered.reason)) == (
        Status.passed,
        "Windows 10 version 22H2 Home/Pro gets Extended Security Updates",
    )
    assert has(
        covered,
        "client 19045 esu",
        "ESU declared until 2026-10-13; Microsoft sells it until 2028-10-10",
    )
    assert str(covered.evidence[0].observed).startswith("build 19045.6093 (22H2)")
    lapsed = run(check_id, access, now=at("2026-10-14"), esu_until=dt.date(2026, 10, 13))
    assert lapsed.status is Status.failed
    assert str(lapsed.reason).endswith("; the ESU ended 2026-10-13")
    # a date beyond what Microsoft sells counts only until Microsoft's last ESU day
    capped = run(check_id, access, now=at("2028-10-11"), esu_until=dt.date(2030, 1, 1))
    assert capped.status is Status.failed
    assert str(capped.reason).endswith("; the ESU ended 2028-10-10")


def test_esu_cannot_cover_a_release_without_it() -> None:
    outcome = run(
        "windows.updates.os_supported",
        windows("19044", "Professional"),
        esu_until=dt.date(2027, 10, 12),
    )
    assert outcome.status is Status.failed
    assert str(outcome.reason) == (
        "Windows 10 version 21H2 Home/Pro: security updates ended 2023-06-13; "
        "Microsoft sells no ESU for it"
    )


def test_builds_outside_the_table() -> None:
    newer = run("windows.updates.os_supported", windows("29100"))
    assert newer.status is Status.passed
    assert str(newer.reason).startswith("newer than every release in")
    insider = run("windows.updates.os_supported", windows("25100"))
    assert (insider.status, str(insider.reason)) == (
        Status.error,
        "build 25100 is not a release listed in netwatch/posture/data/windows_eol.yaml",
    )
    missing = run("windows.updates.os_supported", host({CURRENT_VERSION: {"EditionID": "Core"}}))
    assert (missing.status, str(missing.reason)) == (
        Status.error,
        "the Windows build is not readable",
    )
    assert has(missing, "CurrentVersion\\CurrentBuild", "not set")
    # older Windows has only CurrentBuildNumber
    old = host({CURRENT_VERSION: {"CurrentBuildNumber": "7601", "EditionID": "Professional"}})
    assert str(run("windows.updates.os_supported", old).reason).startswith("Windows 7 SP1")


def test_lifecycle_table_dates_are_patch_tuesdays() -> None:
    table = updates.windows_lifecycle()
    for kind, releases in (("client", table.client), ("server", table.server)):
        for build, release in releases.items():
            dates = [release.end, release.enterprise, release.ltsc, release.iot_ltsc, release.esu]
            for date in filter(None, dates):
                if build == "25398":  # the Windows Server annual channel ends on other days
                    continue
                assert date.weekday() == 1 and 8 <= date.day <= 14, (kind, build, date)


def test_a_broken_lifecycle_table_names_the_line() -> None:
    text = "editions: {enterprise: [], ltsc: [], iot_ltsc: []}\nclient:\n  '1': {name: x, end: soon}\nserver: {}\n"
    with pytest.raises(ConfigError, match=r"line 3: client\.1\.end"):
        updates.parse_windows_lifecycle(text, "bad.yaml")


# --- windows.software.office_supported --------------------------------------------------


def office(
    ids: str | None = None, uninstall: dict[str, dict[str, Any]] | None = None
) -> HostAccess:
    keys = {f"{UNINSTALL}\\{k}": v for k, v in (uninstall or {}).items()}
    if ids is not None:
        keys[C2R] = {"ProductReleaseIds": ids, "VersionToReport": "16.0.18129.20158"}
    return host(keys)


@pytest.mark.parametrize(
    ("ids", "status", "observed"),
    [
        ("ProPlus2019Volume", Status.failed, "Office 2019, support ended 2025-10-14"),
        ("HomeBusinessRetail", Status.failed, "Office 2016, support ended 2025-10-14"),
        (
            "ProPlus2021Volume",
            Status.failed,
            "Office 2021 / Office LTSC 2021, support ended 2026-10-13",
        ),
        (
            "ProPlus2024Volume",
            Status.passed,
            "Office 2024 / Office LTSC 2024, supported until 2029-10-09",
        ),
        ("O365BusinessRetail", Status.passed, "`Microsoft 365 Apps` (subscription)"),
        (
            "VisioProRetail",
            Status.passed,
            "not a product netwatch dates (a subscription's Visio or Project?)",
        ),
    ],
)
def test_click_to_run_products(ids: str, status: Status, observed: str) -> None:
    outcome = run("windows.software.office_supported", office(ids))
    assert outcome.status is status
    assert has(outcome, "Configuration\\ProductReleaseIds", f"{ids}: {observed}")


def test_several_click_to_run_products_and_their_uninstall_keys() -> None:
    access = office(
        "O365ProPlusRetail,VisioPro2019Volume",
        {
            "VisioPro2019Volume - vi-vn": {
                "DisplayName": "Microsoft Visio LTSC Professional 2019 - vi-vn",
                "DisplayVersion": "16.0.10417.20083",
            },
            "O365ProPlusRetail - vi-vn": {
                "DisplayName": "`Microsoft 365 Apps` for enterprise - vi-vn",
                "DisplayVersion": "16.0.18129.20158",
            },
        },  # fmt: skip
    )
    outcome = run("windows.software.office_supported", access)
    assert (outcome.status, str(outcome.reason)) == (
        Status.failed,
        "out of support: VisioPro2019Volume",
    )
    assert len(outcome.evidence) == 2  # each product once, from the configuration


def test_msi_office_by_uninstall_key() -> None:
    msi = office(uninstall={"Office15.PROPLUS": {"DisplayName": "Microsoft Office Professional Plus 2013", "DisplayVersion": "15.0.4569.1506", "Publisher": "Microsoft Corporation"}})  # fmt: skip
    outcome = run("windows.software.office_supported", msi)
    assert (
        str(outcome.reason)
        == "out of support: Microsoft Office Professional Plus 2013 (Office 2013)"
    )
    office_2007 = office(uninstall={"PROPLUS": {"DisplayName": "Microsoft Office Professional Plus 2007", "DisplayVersion": "12.0.6612.1000", "Publisher": "Microsoft Corporation"}})  # fmt: skip
    assert str(run("windows.software.office_supported", office_2007).reason).endswith(
        "(Office 2007)"
    )
    # an upper-case key of another program is not Office
    other = office(uninstall={"WINRAR": {"DisplayName": "WinRAR", "DisplayVersion": "12.0", "Publisher": "win.rar GmbH"}})  # fmt: skip
    assert run("windows.software.office_supported", other).status is Status.passed


def test_no_office_passes_with_evidence() -> None:
    outcome = run("windows.software.office_supported", office())
    assert outcome.status is Status.passed
    assert has(outcome, "CurrentVersion\\Uninstall", "no Microsoft Office installed")


# --- windows.software.browsers_current --------------------------------------------------


def browsers(**programs: str) -> HostAccess:
    return host({f"{UNINSTALL}\\{name}": {"DisplayName": name, "DisplayVersion": version}
                 for name, version in programs.items()})  # fmt: skip


def test_no_browser_passes_with_evidence() -> None:
    outcome = run("windows.software.browsers_current", host({}))
    assert outcome.status is Status.passed
    assert has(
        outcome,
        "CurrentVersion\\Uninstall",
        "none of Google Chrome, Microsoft Edge, Mozilla Firefox, Cốc Cốc installed",
    )


def test_max_behind_and_current_parameters() -> None:
    access = browsers(
        **{"Google Chrome": "150.0.7700.10", "Microsoft Edge WebView2 Runtime": "90.0.1"}
    )
    check_id = "windows.software.browsers_current"
    assert run(check_id, access).status is Status.passed  # 3 behind, WebView2 is no browser
    outcome = run(check_id, access, max_behind=2)
    assert (
        str(outcome.reason) == "far behind: Google Chrome 150.0.7700.10 (3 major versions behind)"
    )
    assert (
        str(outcome.evidence[0].expected) == "major 151 or later (current 153, table of 2026-09-15)"
    )
    override = run(check_id, access, current={"chrome": 160})
    assert override.status is Status.failed
    assert str(override.evidence[0].expected) == "major 157 or later (current 160, policy)"


def test_firefox_esr_and_cococ_spellings() -> None:
    access = browsers(**{"Mozilla Firefox 140.5.0 ESR (x64 vi)": "140.5.0", "Coc Coc": "147.0.120"})
    outcome = run("windows.software.browsers_current", access)
    assert outcome.status is Status.passed, outcome
    assert has(
        outcome, "DisplayVersion", "Mozilla Firefox 140.5.0 ESR (x64 vi) 140.5.0: a supported ESR"
    )
    old_esr = browsers(**{"Mozilla Firefox 115.12.0 ESR (x64 en-US)": "115.12.0"})
    assert run("windows.software.browsers_current", old_esr).status is Status.failed


def test_an_unreadable_version_is_an_error() -> None:
    outcome = run("windows.software.browsers_current", browsers(**{"Google Chrome": ""}))
    assert (outcome.status, str(outcome.reason)) == (
        Status.error,
        "no major version in `DisplayVersion`: Google Chrome",
    )


# --- windows.defender.tamper_protection -------------------------------------------------

DEFENDER_ON = {"AMServiceEnabled": True, "AntivirusEnabled": True, "RealTimeProtectionEnabled": True,
               "AntivirusSignatureAge": 0, "AntivirusSignatureLastUpdated": "/Date(1764979200000)/"}  # fmt: skip
DEFENDER_PASSIVE = {**DEFENDER_ON, "AntivirusEnabled": False, "RealTimeProtectionEnabled": False}
KASPERSKY_ON = {"displayName": "Kaspersky Endpoint Security for Windows", "productState": 266240}
DEFENDER_REGISTERED_OFF = {"displayName": "Windows Defender", "productState": 393472}


@pytest.mark.parametrize(
    ("value", "status", "observed"),
    [
        (1, Status.passed, "1 (on)"),
        (0, Status.failed, "0 (off)"),
        (
            None,
            Status.failed,
            "not set (Defender too old for tamper protection, or it was never on)",
        ),
    ],
)
def test_tamper_protection_values(value: int | None, status: Status, observed: str) -> None:
    registry = {FEATURES: {} if value is None else {"TamperProtection": value}}
    outcome = run(
        "windows.defender.tamper_protection", host(registry, ps(defender.MP_QUERY, DEFENDER_ON))
    )
    assert outcome.status is status
    assert has(outcome, "Features\\TamperProtection", observed)


def test_tamper_protection_does_not_apply_behind_a_third_party_antivirus() -> None:
    parts = {**ps(defender.MP_QUERY, DEFENDER_PASSIVE), **ps(defender.AV_QUERY, [DEFENDER_REGISTERED_OFF, KASPERSKY_ON])}  # fmt: skip
    outcome = run(
        "windows.defender.tamper_protection", host({FEATURES: {"TamperProtection": 4}}, parts)
    )
    assert (outcome.status, str(outcome.reason)) == (
        Status.not_applicable,
        "a third-party antivirus is the active one",
    )
    # Defender passive with nothing else on: tamper protection still matters
    alone = {
        **ps(defender.MP_QUERY, DEFENDER_PASSIVE),
        **ps(defender.AV_QUERY, DEFENDER_REGISTERED_OFF),
    }
    lonely = run(
        "windows.defender.tamper_protection", host({FEATURES: {"TamperProtection": 4}}, alone)
    )
    assert lonely.status is Status.failed


# --- windows.defender.exclusions --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "item", "meaning"),
    [
        ("Paths", "C:\\", "a whole drive or share"),
        ("Paths", "e:\\*", "a whole drive or share"),
        ("Paths", "\\\\fileserver\\share", "a whole drive or share"),
        ("Paths", "%USERPROFILE%", "a user profile"),
        ("Paths", "C:\\Users", "all user profiles"),
        ("Paths", "C:/Users/nhanvien/", "a user profile"),
        ("Paths", "C:\\Users\\ketoan\\AppData\\Local\\Temp\\", "a temporary folder"),
        ("Paths", "%TEMP%", "a temporary folder"),
        ("Paths", "C:\\Windows\\Temp", "a temporary folder"),
        ("Paths", "C:\\Users\\ketoan\\Desktop", "a `Downloads`, `Desktop` or `Documents` folder"),
        ("Paths", "C:\\Users\\ketoan\\AppData\\Roaming", "AppData"),
        ("Paths", "C:\\ProgramData", "ProgramData"),
        ("Paths", "C:\\Windows\\System32", "the Windows folder"),
        ("Paths", "C:\\Program Files (x86)", "Program Files"),
        ("Paths", "C:\\Program Files\\MISA\\MISA SME 2023\\Data", None),
        ("Paths", "D:\\SQLData\\*.mdf", None),
        ("Extensions", ".exe", "a file type that runs code"),
        ("Extensions", "*.PS1", "a file type that runs code"),
        ("Extensions", "mdf", None),
        ("Processes", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "a shell or system program (LOLBin)"),
        ("Processes", "mshta.exe", "a shell or system program (LOLBin)"),
        ("Processes", "C:\\Program Files\\MISA\\MISA.exe", None),
    ],
)  # fmt: skip
def test_broad_exclusions(kind: str, item: str, meaning: str | None) -> None:
    found = defender.why_broad(kind, item)
    assert (found if found is None else str(found)) == meaning


def test_group_policy_exclusions_and_the_allow_list() -> None:
    registry: dict[str, dict[str, Any]] = {
        f"{POLICY_EXCLUSIONS}\\Processes": {"cmd.exe": "0"},
        f"{EXCLUSIONS}\\Paths": {"C:\\ProgramData": 0},
    }
    outcome = run("windows.defender.exclusions", host(registry))
    assert str(outcome.reason) == (
        "broad exclusions: C:\\ProgramData (ProgramData); cmd.exe (a shell or system program (LOLBin))"
    )
    assert has(outcome, "Policies\\Microsoft\\Windows Defender\\Exclusions\\Processes\\cmd.exe",
               "Processes exclusion: a shell or system program (LOLBin)")  # fmt: skip
    allowed = run(
        "windows.defender.exclusions", host(registry), allowed=["c:\\programdata", "CMD.*"]
    )
    assert allowed.status is Status.passed
    assert has(allowed, "Paths\\C:\\ProgramData", "Paths exclusion: allowed by the policy")


def test_no_exclusion_passes_with_evidence() -> None:
    outcome = run("windows.defender.exclusions", host({f"{EXCLUSIONS}\\Paths": {}}))
    assert outcome.status is Status.passed
    assert str(outcome.evidence[0].observed) == "no exclusion"


# --- windows.antivirus.third_party_current ----------------------------------------------


def security_center(
    *products: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None
) -> HostAccess:
    value: Any = list(products) if len(products) != 1 else products[0]
    return host(registry or {}, ps(defender.AV_QUERY, value))


def test_only_defender_is_not_applicable() -> None:
    outcome = run("windows.antivirus.third_party_current", security_center(DEFENDER_REGISTERED_OFF))
    assert (outcome.status, str(outcome.reason)) == (
        Status.not_applicable,
        "only Microsoft Defender is registered (windows.defender.* judge it)",
    )
    assert outcome.evidence


@pytest.mark.parametrize(
    ("state", "status", "reason"),
    [
        (266240, Status.passed, ""),  # 0x041000 on, current
        (266256, Status.failed, "Kaspersky Endpoint Security for Windows: signatures out of date"),
        (274432, Status.failed, "Kaspersky Endpoint Security for Windows: licence expired; no registered antivirus is on"),  # 0x043000
        (270336, Status.failed, "no registered antivirus is on"),  # 0x042000 snoozed
    ],
)  # fmt: skip
def test_third_party_states(state: int, status: Status, reason: str) -> None:
    access = security_center(DEFENDER_REGISTERED_OFF, {**KASPERSKY_ON, "productState": state})
    outcome = run("windows.antivirus.third_party_current", access)
    assert (outcome.status, str(outcome.reason)) == (status, reason)


def test_eset_signature_date_from_the_registry() -> None:
    info = "HKLM\\SOFTWARE\\ESET\\ESET Security\\CurrentVersion\\Info"
    eset = {"displayName": "ESET Security", "productState": 266240}
    old = security_center(eset, registry={info: {"ScannerVersion": "32145 (20261120)"}})
    outcome = run("windows.antivirus.third_party_current", old)
    assert str(outcome.reason) == "ESET Security: signatures 16 days old"
    assert has(outcome, "Info\\ScannerVersion", "32145 (20261120) (16 days old)")
    assert (
        run("windows.antivirus.third_party_current", old, max_age_days=20).status is Status.passed
    )
    broken = security_center(eset, registry={info: {"ScannerVersion": "32145 (20261340)"}})
    assert run("windows.antivirus.third_party_current", broken).status is Status.error


def test_no_security_center() -> None:
    missing = {**ps_error(defender.AV_QUERY, "Invalid namespace")}
    server = host({CURRENT_VERSION: {"InstallationType": "Server"}}, missing)
    outcome = run("windows.antivirus.third_party_current", server)
    assert (outcome.status, str(outcome.reason)) == (
        Status.not_applicable,
        "Windows Server has no `Security Center`",
    )
    client = run("windows.antivirus.third_party_current", host({}, missing))
    assert client.status is Status.error
    assert "Invalid namespace" in str(client.reason)


# --- the data tables --------------------------------------------------------------------


def test_the_shipped_tables_load() -> None:
    assert software.browser_table().browsers["coccoc"].name == "Cốc Cốc"
    assert software.office_lifecycle().msi["16"].end == dt.date(2025, 10, 14)
    assert str(antivirus.PRODUCT_STATES[3]) == "expired"
