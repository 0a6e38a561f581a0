"""Posture checks on Windows Python: real winreg, real command runner, real console encodings.

Each recorded host's registry is in its own Wine prefix and the stand-in PowerShell
replays the host's recorded batch. The verdicts must equal those the same recordings
give through the recorded-host seam on Linux, in English and Vietnamese.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._powershell import BLOCKED_HINT
from netwatch.posture.checks._windows import NOT_LIVE
from netwatch.posture.policy import load_policy
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from netwatch.posture.serialize import result_record
from tests.helpers.posture_hosts import merged_recordings, recorded_host
from tests.posture.test_windows_hardening import HARDENING_IDS
from tests.winlab.lab import WINE_USER, WinLab, posture_json

POSTURE_HOSTS = ("windows-hardened", "windows-weak", "windows-weak-vi")
WINDOWS_CHECKS = {c.meta.id: c for c in all_checks() if "windows" in c.meta.platforms}
# The account and Defender checks decided by PowerShell's answers (exclusions and tamper
# protection are decided by registry values; PowerShell only says whether another
# antivirus makes tamper protection moot).
REGISTRY_DECIDED = ("windows.defender.exclusions", "windows.defender.tamper_protection")
ACCOUNT_AND_DEFENDER = sorted(
    i
    for i in WINDOWS_CHECKS
    if i.startswith(("windows.accounts.", "windows.defender.")) and i not in REGISTRY_DECIDED
)
COMPARED = ("id", "status", "reason", "evidence", "severity")
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies"


def _verdicts(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: {k: r[k] for k in COMPARED} for r in records}


def expected_verdicts(host: str) -> dict[str, dict[str, Any]]:
    """What the recorded host gives through the Linux seam with the default policy.

    The lab's own signed-in user is there too, as in the lab's registry.
    """
    recorded = recorded_host(host)
    wine_user = json.loads(WINE_USER.read_text(encoding="utf-8"))
    keys = {**merged_recordings(host, "registry"), **wine_user}
    access = HostAccess(recorded.files, recorded.commands, RecordedRegistry(keys), live=True)
    results = run_policy(load_policy(None), access, platform="windows")
    return _verdicts([result_record(r) for r in results])


@pytest.mark.parametrize("host", POSTURE_HOSTS)
def test_verdicts_and_evidence_equal_the_recorded_host(winlab: WinLab, host: str) -> None:
    before = winlab.launches(host)
    result = winlab.netwatch("posture", "--format", "json", host=host)
    assert result.returncode in (0, 1), result.stderr.decode("utf-8", "replace")
    document = posture_json(result)
    assert _verdicts(document["results"]) == expected_verdicts(host)  # type: ignore[arg-type]
    assert set(WINDOWS_CHECKS) <= {r["id"] for r in document["results"]}  # type: ignore[union-attr]
    assert winlab.launches(host) - before == 1


@pytest.mark.parametrize("host", POSTURE_HOSTS)
def test_the_vietnamese_table_shows_every_check_on_a_vietnamese_code_page(
    winlab: WinLab, host: str
) -> None:
    result = winlab.netwatch(
        "posture", "--lang", "vi", host=host, codepage="cp1258", extra_env={"COLUMNS": "300"}
    )
    assert result.returncode in (0, 1), result.stderr.decode("utf-8", "replace")
    table = result.stdout.decode("utf-8")
    expected = expected_verdicts(host)
    for check_id, check in WINDOWS_CHECKS.items():
        assert check_id in expected
        assert check.meta.title.vi in table, check_id


def test_weak_host_registry_checks_fail_on_registry_evidence(winlab: WinLab) -> None:
    document = posture_json(winlab.netwatch("posture", "--format", "json", host="windows-weak"))
    results = {r["id"]: r for r in document["results"]}  # type: ignore[union-attr]
    for check_id in ("windows.smb.v1_disabled", "windows.uac.enabled", "windows.autorun.disabled",
                     "windows.rdp.nla", "windows.updates.automatic"):  # fmt: skip
        assert results[check_id]["status"] == "fail", check_id
        assert results[check_id]["evidence"][0]["source"].startswith("HKLM\\"), check_id
        assert results[check_id]["reason"] != str(NOT_LIVE)


def test_a_registry_weakened_by_hand_fails_each_registry_check(winlab: WinLab) -> None:
    host = winlab.weaken(
        "windows-hardened",
        "hardened-weakened",
        {
            f"{SERVICES}\\LanmanServer\\Parameters": {"SMB1": 1},
            f"{SERVICES}\\srv": {"Start": 2},
            f"{SERVICES}\\mrxsmb10": {"Start": 2},
            f"{POLICIES}\\System": {"EnableLUA": 0},
            # NoAutorun=1 alone stops autorun commands, so the hardened value goes too.
            f"{POLICIES}\\Explorer": {"NoDriveTypeAutoRun": 0, "NoAutorun": 0},
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server": {"fDenyTSConnections": 0},
            "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp": {
                "UserAuthentication": 0
            },
            # Group Policy wins over the local settings: weaken both.
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services": {
                "fDenyTSConnections": 0,
                "UserAuthentication": 0,
            },
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU": {"NoAutoUpdate": 1},
        },
    )
    document = posture_json(winlab.netwatch("posture", "--format", "json", host=host))
    results = {r["id"]: r for r in document["results"]}  # type: ignore[union-attr]
    expected_evidence = {
        "windows.smb.v1_disabled": (f"{SERVICES}\\LanmanServer\\Parameters\\SMB1", "1"),
        "windows.uac.enabled": (f"{POLICIES}\\System\\EnableLUA", "0"),
        "windows.autorun.disabled": (f"{POLICIES}\\Explorer\\NoDriveTypeAutoRun", "0"),
        "windows.rdp.nla": ("Terminal Services\\UserAuthentication", "0"),
        "windows.updates.automatic": ("WindowsUpdate\\AU\\NoAutoUpdate", "1"),
    }
    for check_id, (source, observed) in expected_evidence.items():
        result = results[check_id]
        assert result["status"] == "fail", (check_id, result["reason"])
        assert any(
            source in e["source"] and e["observed"].startswith(observed) for e in result["evidence"]
        ), (check_id, result["evidence"])
    smb = results["windows.smb.v1_disabled"]["evidence"]
    assert any(f"{SERVICES}\\srv\\Start" in e["source"] for e in smb), smb
    assert any(f"{SERVICES}\\mrxsmb10\\Start" in e["source"] for e in smb), smb
    # The PowerShell-based checks still pass: only the registry was weakened.
    assert results["windows.firewall.all_profiles"]["status"] == "pass"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("empty", str(BLOCKED_HINT)),
        ("blocked", "PowerShell failed with exit code 1: Cannot invoke method."),
        ("notjson", "PowerShell output is not JSON"),
        ("vi", "PowerShell failed with exit code 1: Không thể chạy lệnh"),
    ],
)
def test_powershell_that_does_not_answer_passes_no_account_or_defender_check(
    winlab: WinLab, mode: str, reason: str
) -> None:
    host = "windows-hardened"
    before = winlab.launches(host)
    result = winlab.netwatch("posture", "--format", "json", host=host, powershell=mode)
    document = posture_json(result)
    results = {r["id"]: r for r in document["results"]}  # type: ignore[union-attr]
    for check_id in ACCOUNT_AND_DEFENDER:
        assert results[check_id]["status"] == "error", (mode, check_id)
        text = results[check_id]["reason"] + " ".join(
            e["observed"] for e in results[check_id]["evidence"]
        )
        assert reason in text, (mode, check_id, text)
    # Registry checks are unaffected.
    assert results["windows.uac.enabled"]["status"] == "pass"
    assert winlab.launches(host) - before == 1


def test_wines_own_powershell_stub_passes_nothing_that_needs_it(winlab: WinLab) -> None:
    result = winlab.netwatch("posture", "--format", "json", host="wine-stub")
    document = posture_json(result)
    for record in document["results"]:  # type: ignore[union-attr]
        if record["id"] in ACCOUNT_AND_DEFENDER:
            assert record["status"] == "error", record["id"]
            assert record["status"] != "pass"


def test_a_slow_powershell_is_waited_for_once(winlab: WinLab) -> None:
    host = "windows-weak"
    before = winlab.launches(host)
    result = winlab.netwatch(
        "posture", "--format", "json", host=host, powershell="slow",
        extra_env={"NETWATCH_PS_DELAY": "4"},
    )  # fmt: skip
    assert _verdicts(posture_json(result)["results"]) == expected_verdicts(host)  # type: ignore[arg-type]
    assert winlab.launches(host) - before == 1


@pytest.mark.parametrize(("host", "status"), [("windows-hardened", "pass"),
                                              ("windows-weak", "fail"),
                                              ("windows-weak-vi", "fail")])  # fmt: skip
def test_every_windows_check_passes_hardened_and_fails_weak(
    winlab: WinLab, host: str, status: str
) -> None:
    document = posture_json(winlab.netwatch("posture", "--format", "json", host=host))
    ids = {i for i in WINDOWS_CHECKS if i.startswith("windows.")}
    results = {r["id"]: r for r in document["results"] if r["id"] in ids}  # type: ignore[union-attr]
    assert set(results) == ids and len(ids) >= 44
    for check_id, result in results.items():
        assert result["status"] == status, (check_id, result["reason"])
        assert result["evidence"] and all(e["expected"] for e in result["evidence"]), check_id
        if check_id in HARDENING_IDS:  # decided from the registry alone
            sources = [e["source"] for e in result["evidence"]]
            assert all(s.startswith(("HKLM\\", "HKU\\")) for s in sources), check_id
