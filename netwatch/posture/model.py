"""The vocabulary of posture checks: metadata, evidence, outcomes and results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from netwatch.i18n import Message


class Severity(str, Enum):
    """How much a failure matters; weights drive the score."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


SEVERITY_WEIGHTS = {Severity.critical: 10, Severity.high: 5, Severity.medium: 3, Severity.low: 1}


class Status(str, Enum):
    """What a check concluded."""

    passed = "pass"
    failed = "fail"
    not_applicable = "not_applicable"
    error = "error"


CATEGORIES = (
    "network",  # firewall, exposed services, SMB/RDP/SSH settings
    "host",  # OS hardening, file permissions, encryption, UAC, screen lock
    "accounts",  # users, passwords, admin rights
    "updates",  # patching and supported OS releases
    "logging",  # audit daemon, time sync (log integrity)
    "malware",  # anti-malware
    "data",  # encryption of data at rest
    "backup",  # backup readiness
    "application",  # application-level settings
)
PLATFORMS = ("linux", "windows")


@dataclass(frozen=True)
class Text:
    """A string a reader sees, in English and Vietnamese (with diacritics)."""

    en: str
    vi: str

    def __post_init__(self) -> None:
        if not self.en.strip() or not self.vi.strip():
            raise ValueError("both the English and the Vietnamese text are required")

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en`` or ``vi``)."""
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Evidence:
    """One observation behind a verdict: where it was read and what was found there.

    ``source`` is a file and line (``/etc/ssh/sshd_config:12``), a registry value
    (``HKLM\\...\\EnableLUA``), a command (``command: nft list ruleset``) or, where the
    observation has no one place, prose for a reader (``msg("PATH lookup: {tools}", ...)``).
    ``observed`` and ``expected`` are values read from the machine (plain text, shown as read)
    or prose for a reader (``msg(...)``, shown in the reader's language).
    """

    source: str | Message
    observed: str | Message
    expected: str | Message = ""


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; ``reason`` is prose for a reader, ideally ``msg(...)``."""

    status: Status
    evidence: tuple[Evidence, ...] = ()
    reason: str | Message = ""

    def __post_init__(self) -> None:
        if self.status in (Status.not_applicable, Status.error) and not self.reason:
            raise ValueError(f"a {self.status.value} outcome needs a reason")


def passed(*evidence: Evidence, reason: str | Message = "") -> Outcome:
    """The machine meets the check; ``evidence`` shows why."""
    return Outcome(Status.passed, tuple(evidence), reason)


def failed(*evidence: Evidence, reason: str | Message = "") -> Outcome:
    """The machine does not meet the check; ``evidence`` shows what was found."""
    return Outcome(Status.failed, tuple(evidence), reason)


def not_applicable(reason: str | Message, *evidence: Evidence) -> Outcome:
    """The check does not apply here (e.g. no SSH server installed); ``reason`` says why."""
    return Outcome(Status.not_applicable, tuple(evidence), reason)


def error(reason: str | Message, *evidence: Evidence) -> Outcome:
    """The check could not decide; ``reason`` names the real cause."""
    return Outcome(Status.error, tuple(evidence), reason)


@dataclass(frozen=True)
class CheckMeta:
    """Everything about a check except its code."""

    id: str
    title: Text
    rationale: Text
    remediation: Text
    category: str
    severity: Severity
    platforms: tuple[str, ...]
    params_model: type[BaseModel] | None = None
    timeout: float = 20.0

    def __post_init__(self) -> None:
        parts = self.id.split(".")
        if len(parts) < 3 or not all(p.replace("_", "").isalnum() and p.islower() for p in parts):
            raise ValueError(
                f"check id {self.id!r}: use dotted lower-case, e.g. linux.ssh.root_login"
            )
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.id}: unknown category {self.category!r}")
        if not self.platforms or any(p not in PLATFORMS for p in self.platforms):
            raise ValueError(f"{self.id}: platforms must be among {PLATFORMS}")


CheckFunction = Callable[[Any], Outcome]


@dataclass(frozen=True)
class Check:
    """A registered check: metadata and the function that decides."""

    meta: CheckMeta
    run: CheckFunction


@dataclass(frozen=True)
class Waiver:
    """An accepted exception: a failing check that is known and approved until a date."""

    check: str
    reason: str
    approver: str
    expires: str  # ISO date
    expired: bool


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict on one host, after the policy applied severity and waivers."""

    meta: CheckMeta
    severity: Severity
    outcome: Outcome
    duration: float
    waiver: Waiver | None = None
    frameworks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """The raw status of the check."""
        return self.outcome.status

    @property
    def waived(self) -> bool:
        """True when a valid (unexpired) waiver covers this failure."""
        return (
            self.outcome.status is Status.failed
            and self.waiver is not None
            and not self.waiver.expired
        )
