"""Reading Windows state for the checks in checks/windows/: PowerShell JSON and registry values.

Never parse text meant for people: Windows localises it (a Vietnamese machine
prints Vietnamese). Checks read registry values, numeric enums, SIDs and JSON
that PowerShell emits with ``ConvertTo-Json``. That JSON has quirks handled
here: one object instead of a one-element array, nothing at all for an empty
result, enums as integers (or their .NET names), dates as ``/Date(ms)/`` in
Windows PowerShell 5.1 but ISO 8601 in PowerShell 7, and SIDs as objects with
a ``Value`` property.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netwatch.hostaccess.commands import CommandError
from netwatch.hostaccess.jsontext import load_json
from netwatch.hostaccess.winregistry import RegistryReader
from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import (
    PowerShellError,
    PowerShellQuery,
    first_line,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, error, failed, not_applicable, passed

NOT_LIVE = msg(
    "needs the running Windows system: the registry and PowerShell would describe "
    "the auditing machine, not the audited image"
)
NO_REGISTRY = msg("the Windows registry is not available on this host")

START_TYPES = {
    0: msg("boot"),
    1: msg("system"),
    2: msg("automatic"),
    3: msg("manual"),
    4: msg("disabled"),
}
START_DISABLED = 4

CONTROL = "HKLM\\SYSTEM\\CurrentControlSet\\Control"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
POLICIES = "HKLM\\SOFTWARE\\Policies\\Microsoft"
LSA_KEY = f"{CONTROL}\\Lsa"
# Loaded hives of people (local, domain or Entra ID accounts), not services or *_Classes.
USER_HIVE = re.compile(r"S-1-5-21-\d+-\d+-\d+-\d+|S-1-12-1-\d+-\d+-\d+-\d+")
SECONDS_PER_DAY = 86400.0
SYSTEM_POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"


class WindowsDataError(Exception):
    """Windows answered, but not with something a check can decide from."""

    def __init__(self, message: str | Message, *evidence: Evidence) -> None:
        super().__init__(str(message))
        self.message = message
        self.evidence = evidence


class UnreadableValue(ValueError):
    """A value in Windows' answer that cannot be read (a date, an ACE); ``message`` says
    which, for readers; ``str()`` is its English."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def joined(parts: Sequence[str | Message], separator: str = "; ") -> str | Message:
    """``parts`` one after another, ``"; "`` or ``", "`` between, each translated on its own."""
    if not parts:
        return ""
    if separator == ", ":
        return functools.reduce(lambda a, b: msg("{first}, {then}", first=a, then=b), parts)
    return functools.reduce(lambda a, b: msg("{first}; {then}", first=a, then=b), parts)


# --- PowerShell -------------------------------------------------------------------------


def command_source(script: str) -> str:
    """Evidence source naming a PowerShell pipeline."""
    return f"command: {script}"


def run_powershell(ctx: CheckContext, query: PowerShellQuery) -> Any:
    """The objects ``query`` returned (None when it returned none), from the run's batch.

    Raises :class:`CommandError` when PowerShell is missing or too slow and
    :class:`WindowsDataError` when it failed, printed nothing or printed something else.
    """
    source = command_source(query.script)
    try:
        answer = ctx.facts.powershell
        text = answer.output_of(query)
    except PowerShellError as exc:
        raise WindowsDataError(exc.message, Evidence(source, exc.observed, "JSON")) from None
    try:
        return parse_json(text or "")
    except NotJsonError as exc:
        problem = msg(
            "{query}: output is not JSON ({detail})", query=query.label, detail=exc.detail
        )
        raise WindowsDataError(
            problem, Evidence(source, first_line(text or "")[:200], "JSON")
        ) from None


def parse_json(text: str) -> Any:
    """Parse ``ConvertTo-Json`` output; empty output (no objects) is None."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return None
    try:
        return load_json(stripped)
    except ValueError as exc:
        raise NotJsonError(str(exc)) from None


class NotJsonError(ValueError):
    """PowerShell printed something that is not JSON; ``detail`` says where it breaks."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"output is not JSON ({detail})")
        self.detail = detail


def as_list(value: Any) -> list[dict[str, Any]]:
    """The objects of a result: ``ConvertTo-Json`` writes one object without brackets."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        raise WindowsDataError(msg("expected JSON objects from PowerShell"))
    return items


def as_object(value: Any, what: str) -> dict[str, Any]:
    """The single object a cmdlet returned."""
    items = as_list(value)
    if len(items) != 1:
        raise WindowsDataError(
            msg("{what}: expected one object, got {count}", what=what, count=len(items))
        )
    return items[0]


def to_bool(value: Any, what: str) -> bool:
    """A .NET Boolean, also accepted as 0/1 or "True"/"False"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise WindowsDataError(
        msg("{what}: expected `true` or `false`, got {value}", what=what, value=repr(value))
    )


def to_int(value: Any, what: str) -> int:
    """A whole number (JSON number, or its decimal text)."""
    not_a_number = msg("{what}: expected a number, got {value}", what=what, value=repr(value))
    if isinstance(value, bool):
        raise WindowsDataError(not_a_number)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,20}", value.strip()):
        return int(value)
    raise WindowsDataError(not_a_number)


def to_enum(value: Any, names: Mapping[str, int], what: str) -> int:
    """An enum value: ``ConvertTo-Json`` writes the integer; the .NET name is accepted too.

    Enum names are identifiers, never translated, so reading them is safe.
    """
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        for name, number in names.items():
            if name.lower() == value.strip().lower():
                return number
        raise WindowsDataError(msg("{what}: unknown value {value}", what=what, value=repr(value)))
    return to_int(value, what)


_MS_DATE = re.compile(r"^/Date\((-?[0-9]{1,20})([+-][0-9]{4})?\)/$")


def parse_date(value: Any) -> dt.datetime | None:
    """A date from PowerShell JSON as an aware UTC datetime; None when empty.

    Windows PowerShell 5.1 writes ``/Date(1718000000000)/`` (milliseconds since
    1970 UTC, an optional ``+hhmm`` only tells the original offset); PowerShell 7
    writes ISO 8601. WMI's own text dates (``6/12/2024``) are month/day/year.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UnreadableValue(msg("not a date: {value}", value=repr(value)))
    text = value.strip()
    try:
        match = _MS_DATE.match(text)
        if match:
            return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.timezone.utc)
        us_date = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
        if us_date:
            month, day, year = (int(part) for part in us_date.groups())
            return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError, OSError):  # malformed, or beyond the years 1-9999
        raise UnreadableValue(msg("not a date: {value}", value=repr(value[:80]))) from None


def day_text(moment: dt.datetime) -> str:
    """A moment for evidence, in UTC (PowerShell 5.1 converts local times to UTC)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- SIDs -------------------------------------------------------------------------------


def sid_of(value: Any) -> str:
    """A SID as text: a string, or the ``{"Value": "S-1-..."}`` object of PowerShell 5.1."""
    if isinstance(value, dict):
        value = value.get("Value")
    if isinstance(value, str) and value.upper().startswith("S-1-"):
        return value.upper()
    raise WindowsDataError(msg("expected a SID, got {value}", value=repr(value)))


def relative_id(sid: str) -> int | None:
    """The last part of a SID (500 for the built-in Administrator), None if not numeric."""
    last = sid.rsplit("-", 1)[-1]
    return int(last) if re.fullmatch("[0-9]{1,10}", last) else None


def is_account_sid(sid: str) -> bool:
    """A machine or domain account (S-1-5-21-...), as opposed to a well-known SID."""
    return re.fullmatch(r"S-1-5-21-\d+-\d+-\d+-\d+", sid) is not None


# --- Windows Security Center -----------------------------------------------------------


@dataclass(frozen=True)
class SecurityProduct:
    """An antivirus registered with Windows Security Center (``root/SecurityCenter2``).

    ``productState`` packs three fields (wscapi.h): bits 12-15 the product state
    (1 on, 0 off, 2 snoozed, 3 expired), bits 8-11 the owner (1 Microsoft,
    0 another vendor) and bits 4-7 the signature status (0 up to date, 1 out of date).
    """

    name: str
    state: int

    @property
    def enabled(self) -> bool:
        """Real-time protection is on (not off, snoozed or expired)."""
        return self.state & 0xF000 == 0x1000

    @property
    def up_to_date(self) -> bool:
        """The product reports current signatures."""
        return self.state & 0x00F0 == 0

    @property
    def by_microsoft(self) -> bool:
        """Microsoft Defender itself rather than a third-party product."""
        return self.state & 0x0F00 == 0x0100

    def describe(self) -> Message:
        """Evidence text: the raw state and what it means."""
        return msg(
            "{name}: productState={state} ({power}, signatures {signatures}, {vendor})",
            name=self.name,
            state=f"0x{self.state:06X}",
            power=msg("on") if self.enabled else msg("off"),
            signatures=msg("up to date") if self.up_to_date else msg("out of date"),
            vendor="Microsoft" if self.by_microsoft else msg("third-party"),
        )


def security_products(value: Any) -> list[SecurityProduct]:
    """The ``AntiVirusProduct`` instances of ``Select-Object displayName,productState``."""
    return [
        SecurityProduct(
            str(item.get("displayName") or "?"), to_int(item.get("productState"), "productState")
        )
        for item in as_list(value)
    ]


# --- registry ---------------------------------------------------------------------------


def registry(ctx: CheckContext) -> RegistryReader:
    """The registry reader; :func:`windows_check` turns its absence into not_applicable."""
    reader = ctx.facts.registry
    if reader is None:
        raise WindowsDataError(NO_REGISTRY)
    return reader


def value_source(key: str, name: str) -> str:
    """Evidence source naming a registry value."""
    return f"{key}\\{name}"


def dword(values: Mapping[str, Any], key: str, name: str) -> int | None:
    """A REG_DWORD value, None when not set; decimal text is accepted."""
    if name not in values:
        return None
    try:
        return to_int(values[name], value_source(key, name))
    except WindowsDataError:
        raise WindowsDataError(
            msg(
                "{source}: unexpected value {value}",
                source=value_source(key, name),
                value=repr(values[name]),
            ),
            Evidence(value_source(key, name), repr(values[name]), msg("a number")),
        ) from None


def shown(value: int | None, default: int, meaning: str | Message = "") -> str | Message:
    """Evidence text for a DWORD that may be unset (then the Windows default applies)."""
    if value is None:
        unset = msg("not set (Windows default {default})", default=default)
        return msg("{value} ({meaning})", value=unset, meaning=meaning) if meaning else unset
    return msg("{value} ({meaning})", value=value, meaning=meaning) if meaning else str(value)


def service_start(ctx: CheckContext, service: str) -> tuple[int | None, str]:
    """A service's start type from its registry key (None: not installed) and the source."""
    key = f"HKLM\\SYSTEM\\CurrentControlSet\\Services\\{service}"
    return dword(registry(ctx).values(key), key, "Start"), value_source(key, "Start")


def start_text(start: int | None) -> str | Message:
    """Evidence text for a service start type."""
    if start is None:
        return msg("service not installed")
    kind = START_TYPES.get(start, msg("unknown"))
    return msg("Start={start} ({kind})", start=start, kind=kind)


# --- the guard around every Windows check -----------------------------------------------


def windows_check(
    needs_registry: bool = False,
) -> Callable[[Callable[[CheckContext], Outcome]], Callable[[CheckContext], Outcome]]:
    """Wrap a check: live system required; command and data problems become ``error``."""

    def wrap(function: Callable[[CheckContext], Outcome]) -> Callable[[CheckContext], Outcome]:
        @functools.wraps(function)
        def run(ctx: CheckContext) -> Outcome:
            if not ctx.live:
                return not_applicable(NOT_LIVE)
            if needs_registry and ctx.access.registry is None:
                return not_applicable(NO_REGISTRY)
            try:
                return function(ctx)
            except CommandError as exc:
                return error(exc.message)
            except WindowsDataError as exc:
                return error(exc.message, *exc.evidence)

        return run

    return wrap


def registry_value(ctx: CheckContext, key: str, name: str) -> Any:
    """A value of ``key`` by case-insensitive name; None when not set."""
    values = registry(ctx).values(key)
    return next((data for found, data in values.items() if found.lower() == name.lower()), None)


def registry_dword(ctx: CheckContext, key: str, name: str) -> int | None:
    """A REG_DWORD by case-insensitive name, None when not set."""
    value = registry_value(ctx, key, name)
    return None if value is None else dword({name: value}, key, name)


def signed_in_users(ctx: CheckContext) -> list[str]:
    """SIDs of the user hives loaded now (the people signed in)."""
    return [sid for sid in registry(ctx).subkeys("HKU") if USER_HIVE.fullmatch(sid)]


def one_value_check(
    ctx: CheckContext, key: str, name: str, default: int, good: set[int], expected: str | Message
) -> Outcome:
    """Pass when the value (or its Windows default) is one of ``good``."""
    value = registry_dword(ctx, key, name)
    effective = default if value is None else value
    evidence = Evidence(value_source(key, name), shown(value, default), expected)
    return passed(evidence) if effective in good else failed(evidence)
