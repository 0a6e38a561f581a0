"""Third-party antivirus (BKAV, Kaspersky, ESET, Trend Micro, Avast...): on and current.

Windows Security Center (``root/SecurityCenter2``) is where every antivirus reports
whether it is on and whether its signatures are current; Microsoft Defender's own
checks are windows.defender.*.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT
from netwatch.posture.checks._windows import (
    SecurityProduct,
    WindowsDataError,
    command_source,
    registry_value,
    run_powershell,
    security_products,
    value_source,
    windows_check,
)
from netwatch.posture.checks.windows.defender import AV_QUERY
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, not_applicable, passed
from netwatch.posture.registry import check

CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
# productState bits 12-15 (wscapi.h WSC_SECURITY_PRODUCT_STATE).
PRODUCT_STATES = {0: "off", 1: "on", 2: "snoozed", 3: "expired"}
EXPIRED = 3
# ESET writes its detection engine as "27512 (20230705)": the number and its date.
ESET_INFO = "HKLM\\SOFTWARE\\ESET\\ESET Security\\CurrentVersion\\Info"
_ESET_ENGINE = re.compile(r"\((\d{4})(\d{2})(\d{2})\)")


class ThirdPartyParams(StrictModel):
    """How old a third-party antivirus's signatures may be, where it shows their date."""

    max_age_days: int = Field(
        3,
        ge=0,
        description="Maximum age of the signatures, in days (products whose "
        "registry shows the date of their signatures: ESET).",
    )


def _state(product: SecurityProduct) -> int:
    return (product.state >> 12) & 0xF


def _describe(product: SecurityProduct) -> str:
    state = PRODUCT_STATES.get(_state(product), f"state {_state(product)}")
    signatures = "up to date" if product.up_to_date else "out of date"
    owner = "Microsoft" if product.by_microsoft else "third-party"
    return (
        f"{product.name}: productState=0x{product.state:06X} "
        f"({state}, signatures {signatures}, {owner})"
    )


def _eset_age(ctx: CheckContext) -> tuple[int, str] | None:
    """Age in days of ESET's detection engine and the value read; None when not shown."""
    engine = registry_value(ctx, ESET_INFO, "ScannerVersion")
    match = _ESET_ENGINE.search(engine) if isinstance(engine, str) else None
    if match is None:
        return None
    try:
        built = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise WindowsDataError(
            f"{value_source(ESET_INFO, 'ScannerVersion')}: not a date: {engine!r}"
        ) from None
    today = dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc).date()
    return (today - built).days, str(engine)


def _products(ctx: CheckContext) -> tuple[list[SecurityProduct] | None, Evidence]:
    """The registered antivirus products; None on Windows Server, which has no Security Center."""
    source = command_source(AV_QUERY.script)
    try:
        products = security_products(run_powershell(ctx, AV_QUERY))
    except WindowsDataError as exc:
        installation = str(registry_value(ctx, CURRENT_VERSION, "InstallationType") or "")
        if installation.lower().startswith("server"):
            return None, Evidence(source, f"no answer: {exc}", "Security Center (clients only)")
        raise
    observed = "; ".join(_describe(p) for p in products) or "no antivirus product registered"
    return products, Evidence(source, observed, "every third-party antivirus current, one on")


@check(
    "windows.antivirus.third_party_current",
    params=ThirdPartyParams,
    timeout=POWERSHELL_CHECK_TIMEOUT,
)
@windows_check()
def third_party_current(ctx: CheckContext) -> Outcome:
    """Each third-party antivirus in Security Center is not expired and reports current
    signatures (at most ``max_age_days`` old where its registry shows their date), and
    some registered antivirus is on.

    Not applicable when only Microsoft Defender is registered (windows.defender.* judge
    it) and on Windows Server, which has no Security Center.
    """
    max_age = ctx.params_as(ThirdPartyParams).max_age_days
    products, evidence = _products(ctx)
    if products is None:
        return not_applicable("Windows Server has no Security Center", evidence)
    third_party = [p for p in products if not p.by_microsoft]
    if not third_party:
        return not_applicable(
            "only Microsoft Defender is registered (windows.defender.* judge it)", evidence
        )
    found = [evidence]
    problems = []
    for product in third_party:
        if _state(product) == EXPIRED:
            problems.append(f"{product.name}: licence expired")
        if not product.up_to_date:
            problems.append(f"{product.name}: signatures out of date")
        eset = _eset_age(ctx) if product.name.lower().startswith("eset") else None
        if eset is not None:
            age, engine = eset
            found.append(
                Evidence(
                    value_source(ESET_INFO, "ScannerVersion"),
                    f"{engine} ({age} days old)",
                    f"at most {max_age} days old",
                )
            )
            if age > max_age:
                problems.append(f"{product.name}: signatures {age} days old")
    if not any(p.enabled for p in products):
        problems.append("no registered antivirus is on")
    if problems:
        return failed(*found, reason="; ".join(problems))
    protector = next(p.name for p in products if p.enabled)
    if not any(p.enabled for p in third_party):
        return passed(*found, reason=f"the third-party antivirus is off; {protector} is on")
    return passed(*found)
