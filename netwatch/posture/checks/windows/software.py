"""Installed software that is out of support or far behind: Microsoft Office and browsers.

Both read Add/Remove Programs (the Uninstall keys of the machine and of signed-in users,
the ``windows_programs`` fact); Office also reads its Click-to-Run configuration. Product
names in those keys are brands, never translated.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Annotated, TypeVar

from pydantic import Field, Strict

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import parse_yaml, validate_model
from netwatch.facts.packages import Package
from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import joined, registry_value, value_source, windows_check
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, error, failed, passed
from netwatch.posture.registry import check

Date = Annotated[dt.date, Strict()]
OFFICE_TABLE = "netwatch/posture/data/office_eol.yaml"
BROWSER_TABLE = "netwatch/posture/data/browsers.yaml"
UNINSTALL = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
C2R_CONFIG = "HKLM\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration"
M = TypeVar("M", bound=StrictModel)


def _load(resource: str, model: type[M], source: str) -> M:
    """A data table shipped with netwatch; a bad one is a ConfigError naming the line."""
    text = resources.files("netwatch.posture").joinpath(resource).read_text(encoding="utf-8")
    data, lines = parse_yaml(text, source)
    return validate_model(model, data, lines, source)


def _today(ctx: CheckContext) -> dt.date:
    return dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc).date()


def _key_name(program: Package) -> str:
    return program.source.rsplit("\\", 1)[-1]


# --- Microsoft Office -------------------------------------------------------------------


class OfficeRelease(StrictModel):
    """One Office release and its last day of security updates."""

    name: str = Field(min_length=1)
    end: Date


class OfficeLifecycle(StrictModel):
    """data/office_eol.yaml: MSI Office by major version, Click-to-Run by product year."""

    msi: dict[str, OfficeRelease] = Field(min_length=1)
    click_to_run: dict[str, OfficeRelease] = Field(min_length=1)


@cache
def office_lifecycle() -> OfficeLifecycle:
    """The built-in Office lifecycle table."""
    return _load("data/office_eol.yaml", OfficeLifecycle, OFFICE_TABLE)


# MSI suites: "Office16.PROPLUS"; Office 2007: a bare SKU ("PROPLUS") with a 12.x version.
_MSI_KEY = re.compile(r"Office(1[1-6])\.[A-Z0-9]+", re.IGNORECASE)
_MSI_2007_KEY = re.compile(r"[A-Z]{2,20}")
# Click-to-Run ProductReleaseIds: "O365ProPlusRetail", "ProPlus2019Volume", "HomeBusinessRetail".
_C2R_ID = re.compile(r"([A-Za-z]+?)(20[0-9]{2})?(Retail|Volume)")
_C2R_KEY = re.compile(r"(\w+(?:Retail|Volume)) - [a-z]{2,3}(?:-[a-z0-9]{2,8})+", re.IGNORECASE)
# Year-less ids Visio and Project subscriptions share with the 2016 perpetual products.
_SHARED_IDS = frozenset(
    {"visioproretail", "visiostdretail", "projectproretail", "projectstdretail"}
)


def _c2r_ids(ctx: CheckContext, programs: tuple[Package, ...]) -> dict[str, str]:
    """Click-to-Run product ids and where each was read."""
    found: dict[str, str] = {}
    configured = registry_value(ctx, C2R_CONFIG, "ProductReleaseIds")
    if isinstance(configured, str):
        for product in configured.split(","):
            if product.strip():
                found.setdefault(product.strip(), value_source(C2R_CONFIG, "ProductReleaseIds"))
    for program in programs:
        match = _C2R_KEY.fullmatch(_key_name(program))
        if match:
            found.setdefault(match.group(1), f"{program.source}\\DisplayName")
    return found


def _c2r_verdict(product: str, today: dt.date) -> tuple[Message, bool]:
    """What a Click-to-Run product id is and whether it is still supported."""
    match = _C2R_ID.fullmatch(product)
    if product.lower().startswith("o365"):
        return msg("`Microsoft 365 Apps` (subscription)"), True
    if match is None or (not match.group(2) and product.lower() in _SHARED_IDS):
        return msg("not a product netwatch dates (a subscription's Visio or Project?)"), True
    release = office_lifecycle().click_to_run.get(match.group(2) or "")
    if release is None:
        return msg("not in {table}", table=OFFICE_TABLE), True
    supported = today <= release.end
    return _support(release.name, release.end, supported), supported


def _support(name: str, end: dt.date, supported: bool) -> Message:
    """``name, supported until <end>`` or ``name, support ended <end>``."""
    if supported:
        return msg("{name}, supported until {day}", name=name, day=end.isoformat())
    return msg("{name}, support ended {day}", name=name, day=end.isoformat())


def _msi_office(programs: tuple[Package, ...]) -> list[tuple[Package, OfficeRelease]]:
    """MSI Office suites and their release."""
    found = []
    for program in programs:
        key = _key_name(program)
        major = program.version.split(".", 1)[0]
        match = _MSI_KEY.fullmatch(key)
        if match:
            major = match.group(1)
        elif not (_MSI_2007_KEY.fullmatch(key) and major == "12" and "Microsoft" in program.vendor):
            continue
        release = office_lifecycle().msi.get(major)
        if release is not None:
            found.append((program, release))
    return found


@check("windows.software.office_supported")
@windows_check(needs_registry=True)
def office_supported(ctx: CheckContext) -> Outcome:
    """No installed Microsoft Office release is past its end of support (data/office_eol.yaml).

    MSI suites are found by their Uninstall key (``Office16.PROPLUS``); Click-to-Run
    products by the ClickToRun configuration's ProductReleaseIds and their Uninstall key
    (``ProPlus2019Retail - vi-vn``). Microsoft 365 Apps is a subscription and passes.
    """
    today = _today(ctx)
    expected = msg("`Microsoft 365 Apps` or an Office supported on {day}", day=today.isoformat())
    programs = ctx.facts.windows_programs
    evidence: list[Evidence] = []
    ended: list[str] = []
    for product, source in sorted(_c2r_ids(ctx, programs).items()):
        meaning, supported = _c2r_verdict(product, today)
        evidence.append(
            Evidence(
                source, msg("{product}: {meaning}", product=product, meaning=meaning), expected
            )
        )
        if not supported:
            ended.append(product)
    for program, release in _msi_office(programs):
        supported = today <= release.end
        evidence.append(
            Evidence(
                f"{program.source}\\DisplayVersion",
                msg(
                    "{product}: {meaning}",
                    product=f"{program.name} {program.version}",
                    meaning=_support(release.name, release.end, supported),
                ),
                expected,
            )
        )
        if not supported:
            ended.append(f"{program.name} ({release.name})")
    if ended:
        return failed(*evidence, reason=msg("out of support: {names}", names=", ".join(ended)))
    if not evidence:
        evidence.append(Evidence(UNINSTALL, msg("no Microsoft Office installed"), expected))
    return passed(*evidence)


# --- browsers ---------------------------------------------------------------------------


class Browser(StrictModel):
    """A browser, how its Uninstall entry is named and its newest stable major version."""

    name: str = Field(min_length=1)
    display_names: list[str] = Field(min_length=1)
    current: int = Field(ge=1)
    esr: list[int] = Field(default_factory=list)


class BrowserTable(StrictModel):
    """data/browsers.yaml: the newest stable majors on ``as_of``."""

    as_of: Date
    browsers: dict[str, Browser] = Field(min_length=1)


@cache
def browser_table() -> BrowserTable:
    """The built-in table of current browser versions."""
    return _load("data/browsers.yaml", BrowserTable, BROWSER_TABLE)


class BrowsersParams(StrictModel):
    """How far behind the newest stable release a browser may be."""

    max_behind: int = Field(
        3, ge=0, description="Most major versions a browser may be below the current one."
    )
    current: dict[str, int] = Field(
        default_factory=dict,
        description="Current major version per browser (chrome, edge, firefox, coccoc), "
        "overriding netwatch's table when it is older than the browsers' releases.",
    )


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _which(program: Package, table: BrowserTable) -> str | None:
    for key, browser in table.browsers.items():
        if any(
            fnmatch.fnmatchcase(_folded(program.name), _folded(p)) for p in browser.display_names
        ):
            return key
    return None


@check("windows.software.browsers_current", params=BrowsersParams)
@windows_check(needs_registry=True)
def browsers_current(ctx: CheckContext) -> Outcome:
    """No installed Chrome, Edge, Firefox or Cốc Cốc is more than ``max_behind`` major
    versions below the current one (data/browsers.yaml, or the ``current`` parameter).

    A Firefox ESR major Mozilla still updates passes. A machine without these browsers
    passes.
    """
    params = ctx.params_as(BrowsersParams)
    table = browser_table()
    evidence: list[Evidence] = []
    behind: list[Message] = []
    unreadable: list[str] = []
    for program in ctx.facts.windows_programs:
        key = _which(program, table)
        if key is None:
            continue
        browser = table.browsers[key]
        current = params.current.get(key, browser.current)
        origin = (
            msg("policy")
            if key in params.current
            else msg("table of {day}", day=table.as_of.isoformat())
        )
        expected = msg(
            "major {oldest} or later (current {current}, {origin})",
            oldest=current - params.max_behind,
            current=current,
            origin=origin,
        )
        source = f"{program.source}\\DisplayVersion"
        major_text = program.version.split(".", 1)[0].strip()
        if not major_text.isdigit():
            evidence.append(
                Evidence(
                    source,
                    msg(
                        "{name}: version {version}",
                        name=program.name,
                        version=repr(program.version),
                    ),
                    expected,
                )
            )
            unreadable.append(program.name)
            continue
        major = int(major_text)
        esr = major in browser.esr and "esr" in program.name.lower()
        late = current - major
        installed = f"{program.name} {program.version}"
        if esr:
            state = msg("a supported ESR")
        elif late > params.max_behind:
            state = msg("{count} major versions behind", count=late)
            behind.append(msg("{item} ({meaning})", item=installed, meaning=state))
        else:
            state = msg("current") if late <= 0 else msg("{count} behind", count=late)
        observed = msg("{product}: {meaning}", product=installed, meaning=state)
        evidence.append(Evidence(source, observed, expected))
    if behind:
        return failed(*evidence, reason=msg("far behind: {items}", items=joined(behind)))
    if unreadable:
        return error(
            msg("no major version in `DisplayVersion`: {names}", names=", ".join(unreadable)),
            *evidence,
        )
    if not evidence:
        names = ", ".join(b.name for b in table.browsers.values())
        evidence.append(
            Evidence(
                UNINSTALL, msg("none of {names} installed", names=names), msg("current or absent")
            )
        )
    return passed(*evidence)
