"""Microsoft Defender Antivirus: real-time protection, signature age, tamper protection and
exclusions."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    SECONDS_PER_DAY,
    SecurityProduct,
    UnreadableValue,
    WindowsDataError,
    as_object,
    command_source,
    day_text,
    joined,
    parse_date,
    registry,
    registry_dword,
    run_powershell,
    security_products,
    to_bool,
    to_int,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.registry import check

MP_QUERY = powershell_query(
    "defender_status",
    "Get-MpComputerStatus | Select-Object AMServiceEnabled,AntivirusEnabled,"
    "RealTimeProtectionEnabled,AntivirusSignatureAge,AntivirusSignatureLastUpdated",
    "Get-MpComputerStatus",
)

AV_QUERY = powershell_query(
    "antivirus_products",
    "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | "
    "Select-Object displayName,productState",
    "SecurityCenter2 AntiVirusProduct",
)

DEFENDER_FLAGS = ("AntivirusEnabled", "RealTimeProtectionEnabled")

# AntivirusSignatureAge is 65535 (or more) when Defender does not know the age.
UNKNOWN_AGE = 65535


def _defender_status(ctx: CheckContext) -> tuple[dict[str, Any] | None, Evidence]:
    """Get-MpComputerStatus and its evidence; None when it fails (Defender removed or stopped)."""
    source = command_source(MP_QUERY.script)
    try:
        status = as_object(run_powershell(ctx, MP_QUERY), "Get-MpComputerStatus")
    except WindowsDataError as exc:
        return None, Evidence(
            source, msg("no status: {problem}", problem=exc.message), msg("Defender status")
        )
    observed = ", ".join(f"{name}={_flag(status, name)}" for name in DEFENDER_FLAGS)
    return status, Evidence(source, observed, ", ".join(f"{n}=True" for n in DEFENDER_FLAGS))


def _flag(status: dict[str, Any], name: str) -> bool:
    return to_bool(status.get(name), name)


def _third_party(ctx: CheckContext) -> tuple[list[SecurityProduct] | None, Evidence]:
    """Active third-party antivirus products registered with Security Center.

    None when Security Center did not answer (Windows Server has no SecurityCenter2).
    """
    source, expected = command_source(AV_QUERY.script), msg("a third-party product on")
    try:
        products = security_products(run_powershell(ctx, AV_QUERY))
    except WindowsDataError as exc:
        return None, Evidence(source, msg("no answer: {problem}", problem=exc.message), expected)
    observed = joined([p.describe() for p in products]) or msg("no antivirus product registered")
    return [p for p in products if not p.by_microsoft and p.enabled], Evidence(
        source, observed, expected
    )


@check("windows.defender.realtime", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def defender_realtime(ctx: CheckContext) -> Outcome:
    """Defender scans in real time, or a registered third-party antivirus is on and current."""
    status, mp_evidence = _defender_status(ctx)
    if status is not None and all(_flag(status, name) for name in DEFENDER_FLAGS):
        return passed(mp_evidence)
    active, av_evidence = _third_party(ctx)
    if active is None:
        if status is None:
            return error(
                msg("neither Defender nor `Security Center` answered"), mp_evidence, av_evidence
            )
        return failed(
            mp_evidence,
            av_evidence,
            reason=msg("Defender is off and `Security Center` did not answer"),
        )
    if any(product.up_to_date for product in active):
        return passed(
            mp_evidence,
            av_evidence,
            reason=msg("Defender is passive; a third-party antivirus protects the machine"),
        )
    return failed(mp_evidence, av_evidence, reason=msg("no antivirus has real-time protection on"))


class SignatureAgeParams(StrictModel):
    """How old anti-malware signatures may be."""

    max_age_days: int = Field(3, ge=0, description="Maximum age of the signatures, in days.")


def _defender_age(ctx: CheckContext, status: dict[str, Any]) -> tuple[int | None, Message]:
    """Signature age in days (None: never updated) and the evidence text.

    AntivirusSignatureAge is computed by Defender at query time; the last update
    date is the fallback when Defender reports the age as unknown.
    """
    raw_age = status.get("AntivirusSignatureAge")
    try:
        updated = parse_date(status.get("AntivirusSignatureLastUpdated"))
    except UnreadableValue as exc:
        raise WindowsDataError(
            msg("{what}: {problem}", what="AntivirusSignatureLastUpdated", problem=exc.message)
        ) from None
    updated_text = (
        msg("last updated {day}", day=day_text(updated)) if updated else msg("never updated")
    )
    if raw_age is not None:
        age = to_int(raw_age, "AntivirusSignatureAge")
        if 0 <= age < UNKNOWN_AGE:
            return age, msg(
                "AntivirusSignatureAge={age} days ({updated})", age=age, updated=updated_text
            )
    if updated is None:
        return None, msg("AntivirusSignatureAge={age} (unknown), never updated", age=str(raw_age))
    age = int((ctx.now - updated.timestamp()) // SECONDS_PER_DAY)
    return age, msg(
        "AntivirusSignatureAge={raw} (unknown); {updated}, {age} days ago",
        raw=str(raw_age),
        updated=updated_text,
        age=age,
    )


@check(
    "windows.defender.signature_age", params=SignatureAgeParams, timeout=POWERSHELL_CHECK_TIMEOUT
)
@windows_check()
def defender_signature_age(ctx: CheckContext) -> Outcome:
    """Signatures of the active antivirus are at most ``max_age_days`` old."""
    max_age = ctx.params_as(SignatureAgeParams).max_age_days
    status, mp_evidence = _defender_status(ctx)
    if status is None or not _flag(status, "AntivirusEnabled"):
        active, av_evidence = _third_party(ctx)
        if active:
            if all(product.up_to_date for product in active):
                return passed(
                    mp_evidence,
                    av_evidence,
                    reason=msg("Defender is passive; the third-party antivirus is current"),
                )
            return failed(
                mp_evidence,
                av_evidence,
                reason=msg("the third-party antivirus reports outdated signatures"),
            )
        if status is None:
            return error(msg("no antivirus reports its signatures"), mp_evidence, av_evidence)
    age, observed = _defender_age(ctx, status)
    evidence = Evidence(
        command_source(MP_QUERY.script), observed, msg("at most {maximum} days", maximum=max_age)
    )
    if age is None or age > max_age:
        return failed(evidence)
    return passed(evidence)


# --- tamper protection ------------------------------------------------------------------

DEFENDER_KEY = "HKLM\\SOFTWARE\\Microsoft\\Windows Defender"
FEATURES_KEY = f"{DEFENDER_KEY}\\Features"
# TamperProtection: bit 0 set (1 or 5) is on; 0 or 4 is off. Defender writes the value itself.
TAMPER_ON_BIT = 1


def _third_party_active(ctx: CheckContext) -> tuple[bool, list[Evidence]]:
    """Whether a third-party antivirus, not Defender, is the active one, with the evidence."""
    status, mp_evidence = _defender_status(ctx)
    if status is not None and _flag(status, "AntivirusEnabled"):
        return False, [mp_evidence]
    active, av_evidence = _third_party(ctx)
    return bool(active), [mp_evidence, av_evidence]


@check("windows.defender.tamper_protection", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check(needs_registry=True)
def defender_tamper_protection(ctx: CheckContext) -> Outcome:
    """Defender's tamper protection is on (Features\\TamperProtection has bit 0 set).

    Not applicable when a third-party antivirus is the active one: Defender is then
    off and there is nothing for tamper protection to guard.
    """
    third_party, context = _third_party_active(ctx)
    if third_party:
        return not_applicable(msg("a third-party antivirus is the active one"), *context)
    value = registry_dword(ctx, FEATURES_KEY, "TamperProtection")
    source = value_source(FEATURES_KEY, "TamperProtection")
    if value is None:
        observed = msg("not set (Defender too old for tamper protection, or it was never on)")
    else:
        state = msg("on") if value & TAMPER_ON_BIT else msg("off")
        observed = msg("{value} ({meaning})", value=value, meaning=state)
    evidence = Evidence(source, observed, msg("{value} ({meaning})", value=5, meaning=msg("on")))
    if value is not None and value & TAMPER_ON_BIT:
        return passed(evidence)
    return failed(evidence, reason=msg("tamper protection is off: malware can switch Defender off"))


# --- exclusions -------------------------------------------------------------------------

EXCLUSION_ROOTS = (
    f"{DEFENDER_KEY}\\Exclusions",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Exclusions",  # Group Policy
)
EXCLUSION_KINDS = ("Paths", "Extensions", "Processes")
# A path that covers where users and malware put files, or a whole drive or system folder.
# Matched on the lower-cased path with / as \\ and no trailing \\ or \\*; %VARIABLES% as written.
BROAD_PATHS = (
    (r"[a-z]:|\*|\\\\[^\\]+(\\[^\\]+)?", msg("a whole drive or share")),
    (r"%systemdrive%|%homedrive%", msg("a whole drive")),
    (r"[a-z]:\\users|%public%|[a-z]:\\users\\public", msg("all user profiles")),
    (r"[a-z]:\\users\\[^\\]+|%userprofile%|%homepath%", msg("a user profile")),
    (
        r"(.*\\)?(downloads|desktop|documents)",
        msg("a `Downloads`, `Desktop` or `Documents` folder"),
    ),
    (r".*\\temp|%temp%|%tmp%|.*\\temporary internet files", msg("a temporary folder")),
    (r"(.*\\)?appdata(\\(local|roaming|locallow))?|%appdata%|%localappdata%", "AppData"),
    (r"[a-z]:\\programdata|%programdata%|%allusersprofile%", "ProgramData"),
    (r"[a-z]:\\windows(\\system32|\\syswow64)?|%windir%|%systemroot%", msg("the Windows folder")),
    (r"[a-z]:\\program files( \(x86\))?|%programfiles%|%programfiles\(x86\)%", "Program Files"),
    (r"[a-z]:\\\$recycle\.bin|[a-z]:\\recycler", msg("the Recycle Bin")),
)
# Extensions of files that run code or carry macros.
# fmt: off
RISKY_EXTENSIONS = frozenset((
    "exe", "dll", "sys", "scr", "com", "pif", "cpl", "msi", "msp", "bat", "cmd", "ps1", "psm1",
    "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "jar", "lnk", "docm", "xlsm", "pptm", "dotm",
    "xlam", "iso", "img", "zip", "rar", "7z", "*",
))
# Processes whose exclusion lets anything they start or write go unscanned: shells,
# script hosts and the Windows binaries attackers use to run or fetch code (LOLBins).
LOLBINS = frozenset((
    "powershell.exe", "pwsh.exe", "powershell_ise.exe", "cmd.exe", "wscript.exe", "cscript.exe",
    "mshta.exe", "rundll32.exe", "regsvr32.exe", "certutil.exe", "bitsadmin.exe", "msbuild.exe",
    "installutil.exe", "regasm.exe", "regsvcs.exe", "wmic.exe", "msiexec.exe", "explorer.exe",
    "svchost.exe", "conhost.exe", "schtasks.exe", "curl.exe", "ftp.exe", "hh.exe",
    "forfiles.exe", "msxsl.exe", "odbcconf.exe", "cmstp.exe", "winword.exe", "excel.exe",
    "powerpnt.exe", "outlook.exe", "chrome.exe", "msedge.exe", "firefox.exe", "*.exe", "*",
))
# fmt: on


class ExclusionsParams(StrictModel):
    """Exclusions the office has reviewed and accepts."""

    allowed: list[str] = Field(
        default_factory=list,
        description="Exclusions accepted although broad, as written in Defender "
        "('*' wildcards, case-insensitive), e.g. a line-of-business data folder.",
    )


def _normalised(path: str) -> str:
    text = path.strip().strip('"').replace("/", "\\").lower()
    while text.endswith(("\\", "\\*", "\\*.*")) and len(text) > 1:
        text = text.removesuffix("\\*.*").removesuffix("\\*").removesuffix("\\")
    return text


def why_broad(kind: str, item: str) -> str | Message | None:
    """Why an exclusion of ``kind`` (Paths, Extensions, Processes) is broad; None if narrow."""
    if kind == "Paths":
        normal = _normalised(item)
        for pattern, meaning in BROAD_PATHS:
            if re.fullmatch(pattern, normal):
                return meaning
        return None
    if kind == "Extensions":
        extension = item.strip().lower().removeprefix("*").removeprefix(".")
        return msg("a file type that runs code") if extension in RISKY_EXTENSIONS else None
    name = _normalised(item).rsplit("\\", 1)[-1]
    return msg("a shell or system program (LOLBin)") if name in LOLBINS else None


def _exclusions(ctx: CheckContext) -> list[tuple[str, str, str]]:
    """(kind, exclusion, key) of every exclusion, local and from Group Policy."""
    found: list[tuple[str, str, str]] = []
    for root in EXCLUSION_ROOTS:
        for kind in EXCLUSION_KINDS:
            key = f"{root}\\{kind}"
            found.extend((kind, name, key) for name in registry(ctx).values(key))
    return found


@check("windows.defender.exclusions", params=ExclusionsParams)
@windows_check(needs_registry=True)
def defender_exclusions(ctx: CheckContext) -> Outcome:
    """No Defender exclusion covers a drive, a user or temporary folder, a code file type or a
    shell/LOLBin process, unless the policy's ``allowed`` list accepts it.

    Exclusions are the value names of ``Exclusions\\{Paths,Extensions,Processes}``, local
    and under the Group Policy key.
    """
    allowed = ctx.params_as(ExclusionsParams).allowed
    expected = msg("no broad exclusion (or one the policy allows)")
    evidence: list[Evidence] = []
    broad: list[Message] = []
    for kind, item, key in _exclusions(ctx):
        meaning = why_broad(kind, item)
        accepted = any(
            fnmatch.fnmatchcase(item.strip().casefold(), a.strip().casefold()) for a in allowed
        )
        verdict = msg("allowed by the policy") if accepted and meaning else meaning or msg("narrow")
        observed = msg("{kind} exclusion: {verdict}", kind=kind, verdict=verdict)
        evidence.append(Evidence(f"{key}\\{item}", observed, expected))
        if meaning and not accepted:
            broad.append(msg("{item} ({meaning})", item=item, meaning=meaning))
    if broad:
        return failed(*evidence, reason=msg("broad exclusions: {items}", items=joined(broad)))
    if not evidence:
        evidence.append(
            Evidence(
                f"{EXCLUSION_ROOTS[0]}\\{{Paths,Extensions,Processes}}",
                msg("no exclusion"),
                expected,
            )
        )
    return passed(*evidence)
