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
from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT
from netwatch.posture.checks._windows import (
    SecurityProduct,
    WindowsDataError,
    command_source,
    joined,
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
PRODUCT_STATES = {0: msg("off"), 1: msg("on"), 2: msg("snoozed"), 3: msg("expired")}
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


def _describe(product: SecurityProduct) -> Message:
    state = PRODUCT_STATES.get(_state(product), msg("state {state}", state=_state(product)))
    return msg(
        "{name}: productState={state} ({power}, signatures {signatures}, {vendor})",
        name=product.name,
        state=f"0x{product.state:06X}",
        power=state,
        signatures=msg("up to date") if product.up_to_date else msg("out of date"),
        vendor="Microsoft" if product.by_microsoft else msg("third-party"),
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
            msg(
                "{source}: not a date: {value}",
                source=value_source(ESET_INFO, "ScannerVersion"),
                value=repr(engine),
            )
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
            return None, Evidence(
                source,
                msg("no answer: {problem}", problem=exc.message),
                msg("`Security Center` (clients only)"),
            )
        raise
    observed = joined([_describe(p) for p in products]) or msg("no antivirus product registered")
    expected = msg("every third-party antivirus current, one on")
    return products, Evidence(source, observed, expected)


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
        return not_applicable(msg("Windows Server has no `Security Center`"), evidence)
    third_party = [p for p in products if not p.by_microsoft]
    if not third_party:
        return not_applicable(
            msg("only Microsoft Defender is registered (windows.defender.* judge it)"), evidence
        )
    found = [evidence]
    problems: list[Message] = []
    for product in third_party:
        if _state(product) == EXPIRED:
            problems.append(msg("{name}: licence expired", name=product.name))
        if not product.up_to_date:
            problems.append(msg("{name}: signatures out of date", name=product.name))
        eset = _eset_age(ctx) if product.name.lower().startswith("eset") else None
        if eset is not None:
            age, engine = eset
            found.append(
                Evidence(
                    value_source(ESET_INFO, "ScannerVersion"),
                    msg("{engine} ({age} days old)", engine=engine, age=age),
                    msg("at most {maximum} days old", maximum=max_age),
                )
            )
            if age > max_age:
                problems.append(
                    msg("{name}: signatures {age} days old", name=product.name, age=age)
                )
    if not any(p.enabled for p in products):
        problems.append(msg("no registered antivirus is on"))
    if problems:
        return failed(*found, reason=joined(problems))
    protector = next(p.name for p in products if p.enabled)
    if not any(p.enabled for p in third_party):
        return passed(
            *found,
            reason=msg("the third-party antivirus is off; {protector} is on", protector=protector),
        )
    return passed(*found)
