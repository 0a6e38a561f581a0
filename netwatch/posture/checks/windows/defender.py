"""Microsoft Defender Antivirus: real-time protection and signature age."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    SECONDS_PER_DAY,
    SecurityProduct,
    WindowsDataError,
    as_object,
    command_source,
    day_text,
    parse_date,
    run_powershell,
    security_products,
    to_bool,
    to_int,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
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
        return None, Evidence(source, f"no status: {exc}", "Defender status")
    observed = ", ".join(f"{name}={_flag(status, name)}" for name in DEFENDER_FLAGS)
    return status, Evidence(source, observed, ", ".join(f"{n}=True" for n in DEFENDER_FLAGS))


def _flag(status: dict[str, Any], name: str) -> bool:
    return to_bool(status.get(name), name)


def _third_party(ctx: CheckContext) -> tuple[list[SecurityProduct] | None, Evidence]:
    """Active third-party antivirus products registered with Security Center.

    None when Security Center did not answer (Windows Server has no SecurityCenter2).
    """
    source, expected = command_source(AV_QUERY.script), "a third-party product on"
    try:
        products = security_products(run_powershell(ctx, AV_QUERY))
    except WindowsDataError as exc:
        return None, Evidence(source, f"no answer: {exc}", expected)
    observed = "; ".join(p.describe() for p in products) or "no antivirus product registered"
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
            return error("neither Defender nor Security Center answered", mp_evidence, av_evidence)
        return failed(
            mp_evidence, av_evidence, reason="Defender is off and Security Center did not answer"
        )
    if any(product.up_to_date for product in active):
        return passed(
            mp_evidence,
            av_evidence,
            reason="Defender is passive; a third-party antivirus protects the machine",
        )
    return failed(mp_evidence, av_evidence, reason="no antivirus has real-time protection on")


class SignatureAgeParams(StrictModel):
    """How old anti-malware signatures may be."""

    max_age_days: int = Field(3, ge=0, description="Maximum age of the signatures, in days.")


def _defender_age(ctx: CheckContext, status: dict[str, Any]) -> tuple[int | None, str]:
    """Signature age in days (None: never updated) and the evidence text.

    AntivirusSignatureAge is computed by Defender at query time; the last update
    date is the fallback when Defender reports the age as unknown.
    """
    raw_age = status.get("AntivirusSignatureAge")
    try:
        updated = parse_date(status.get("AntivirusSignatureLastUpdated"))
    except ValueError as exc:
        raise WindowsDataError(f"AntivirusSignatureLastUpdated: {exc}") from None
    updated_text = f"last updated {day_text(updated)}" if updated else "never updated"
    if raw_age is not None:
        age = to_int(raw_age, "AntivirusSignatureAge")
        if 0 <= age < UNKNOWN_AGE:
            return age, f"AntivirusSignatureAge={age} days ({updated_text})"
    if updated is None:
        return None, f"AntivirusSignatureAge={raw_age} (unknown), never updated"
    age = int((ctx.now - updated.timestamp()) // SECONDS_PER_DAY)
    return age, f"AntivirusSignatureAge={raw_age} (unknown); {updated_text}, {age} days ago"


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
                    reason="Defender is passive; the third-party antivirus is current",
                )
            return failed(
                mp_evidence,
                av_evidence,
                reason="the third-party antivirus reports outdated signatures",
            )
        if status is None:
            return error("no antivirus reports its signatures", mp_evidence, av_evidence)
    age, observed = _defender_age(ctx, status)
    evidence = Evidence(command_source(MP_QUERY.script), observed, f"at most {max_age} days")
    if age is None or age > max_age:
        return failed(evidence)
    return passed(evidence)
