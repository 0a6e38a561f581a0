"""The audit report document (schema version 1), shared by every output format.

The JSON report *is* this model serialised; ``docs/audit-report.schema.json``
is generated from it, and reports read back (``report render``, ``report
merge``, ``--baseline``) are validated against it.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from netwatch.assets.fingerprint import HardwareChange
from netwatch.audit.inventory import Inventory

SCHEMA_ID: Final = "netwatch-audit-report"
SCHEMA_VERSION: Final = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Model):
    """A text in English and Vietnamese."""

    en: str
    vi: str


class MessageRecord(_Model):
    """A translatable text: its English template, parameters (a mapping is a message) and
    context, to show it in the reader's language (``netwatch.i18n``)."""

    template: str
    params: dict[str, str | int | float | MessageRecord] = Field(default_factory=dict)
    context: str = ""


class HostIdentity(_Model):
    """Which machine was audited."""

    hostname: str
    fqdn: str = ""
    os_family: str = ""
    os_name: str = ""
    os_version: str = ""
    kernel: str = ""
    arch: str = ""
    machine_id: str = ""


class EvidenceItem(_Model):
    """An observation: where it was read, what was there, what was expected."""

    source: str
    observed: str
    expected: str = ""
    source_message: MessageRecord | None = Field(
        None, description="A source that is prose (no one file or command); absent otherwise."
    )
    observed_message: MessageRecord | None = None
    expected_message: MessageRecord | None = None


class WaiverInfo(_Model):
    """An accepted exception."""

    check: str
    reason: str
    approver: str
    expires: str = Field(description="ISO date")
    expired: bool


class CheckRecord(_Model):
    """One posture check's verdict with everything a reader needs."""

    id: str
    result: Literal["pass", "fail", "waived", "not_applicable", "error"]
    status: Literal["pass", "fail", "not_applicable", "error"]
    severity: Literal["critical", "high", "medium", "low"]
    category: str
    title: Bilingual
    rationale: Bilingual
    remediation: Bilingual
    reason: str = ""
    reason_message: MessageRecord | None = None
    evidence: list[EvidenceItem] = Field(default_factory=list)
    waiver: WaiverInfo | None = None
    frameworks: dict[str, list[str]] = Field(default_factory=dict)
    duration_seconds: float = 0.0


class ScoreRecord(_Model):
    """The weighted score and its counts."""

    value: float = Field(ge=0, le=100)
    band: Literal["good", "fair", "weak", "poor"]
    counts: dict[str, int]
    failed_by_severity: dict[str, int]
    waived: int = 0
    expired_waivers: int = 0


class PolicyInfo(_Model):
    """The policy the checks ran under."""

    name: str
    description: str = ""
    sources: list[str] = Field(default_factory=list)


class FrameworkInfo(_Model):
    """A framework whose controls the results map to."""

    id: str
    title: Bilingual
    controls: dict[str, Bilingual] = Field(default_factory=dict)


class ServiceWarning(_Model):
    """Something a successful probe flagged (``cert_expiring``: the certificate expires soon)."""

    kind: str
    detail: str
    detail_message: MessageRecord | None = None


class ServiceRecord(_Model):
    """One service probe's outcome (``--services``)."""

    service: str
    kind: str
    target: str
    success: bool
    status: Literal["up", "warning", "down"] | None = Field(
        None, description="up, warning (up with warnings) or down; absent in older reports."
    )
    reason: str | None = None
    detail: str = ""
    detail_message: MessageRecord | None = None
    warnings: list[ServiceWarning] = Field(default_factory=list)
    duration_seconds: float = 0.0
    rtt_seconds: float | None = Field(None, description="An ICMP probe's mean echo round trip.")
    cert_days_left: float | None = None
    cert_warning_days: float | None = Field(
        None, description="Days before expiry from which a certificate is flagged."
    )
    cert_expiring: bool | None = Field(
        None, description="The certificate expires within cert_warning_days (None: no certificate)."
    )


class ChangeItem(_Model):
    """A check whose verdict changed since the baseline report."""

    id: str
    title: Bilingual
    severity: Literal["critical", "high", "medium", "low"]
    before: str = Field(description="Result in the baseline, or 'absent'.")
    after: str


class Changes(_Model):
    """What changed since a baseline report of the same host (``--baseline``)."""

    baseline_generated_at: str
    baseline_score: float
    fixed: list[ChangeItem] = Field(default_factory=list, description="fail/error -> pass")
    new_failures: list[ChangeItem] = Field(
        default_factory=list, description="fail now, absent or not applicable before"
    )
    regressions: list[ChangeItem] = Field(default_factory=list, description="pass -> fail")
    waivers_expired: list[ChangeItem] = Field(
        default_factory=list, description="waived before, failing now because the waiver expired"
    )
    hardware: list[HardwareChange] = Field(
        default_factory=list,
        description="Hardware parts added, removed, replaced or changed since the baseline's "
        "inventory (both reports with a hardware section).",
    )


class AuditReport(_Model):
    """One host's audit."""

    schema_id: Literal["netwatch-audit-report"] = Field(SCHEMA_ID, alias="schema")
    schema_version: Literal[1] = SCHEMA_VERSION
    generated_at: str = Field(description="UTC time the audit ran, ISO 8601 with Z.")
    agent_version: str
    office: str = Field("", description="Office name printed on the cover, if given.")
    preparer: str = Field("", description="Who prepared the report (signature block).")
    approver: str = Field("", description="Who approves the report (signature block).")
    mode: Literal["live", "offline"] = Field(
        "live", description="offline: a mounted disk audited with --root (files only)."
    )
    root: str | None = None
    host: HostIdentity
    policy: PolicyInfo
    score: ScoreRecord
    results: list[CheckRecord]
    frameworks: list[FrameworkInfo] = Field(default_factory=list)
    services: list[ServiceRecord] | None = None
    inventory: Inventory | None = Field(
        None,
        description="The host inventory (netwatch inventory --format json); offline only what "
        "the disk's files tell.",
    )
    changes: Changes | None = Field(None, description="Changes since --baseline, if given.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


OFFICE_SCHEMA_ID: Final = "netwatch-office-report"


class OfficeHost(_Model):
    """One host's line in the office-wide report."""

    hostname: str
    os_name: str = ""
    generated_at: str
    mode: Literal["live", "offline"] = "live"
    score: float
    band: Literal["good", "fair", "weak", "poor"]
    failed_by_severity: dict[str, int]
    results: dict[str, str] = Field(description="check id -> result (pass, fail, waived, ...)")
    stale: bool = Field(False, description="Audited longer ago than the staleness limit.")


class CheckSummary(_Model):
    """A check across the office."""

    id: str
    title: Bilingual
    severity: Literal["critical", "high", "medium", "low"]
    failing_hosts: int = 0


class SupersededReport(_Model):
    """A host report left out of a merge because a newer report of the same host was given."""

    hostname: str
    generated_at: str
    source: str
    kept: str = Field(description="The newer report of the same host, merged instead.")


class OfficeReport(_Model):
    """Reports of many hosts merged into one (``netwatch report merge``)."""

    schema_id: Literal["netwatch-office-report"] = Field(OFFICE_SCHEMA_ID, alias="schema")
    schema_version: Literal[1] = SCHEMA_VERSION
    generated_at: str
    agent_version: str
    office: str = ""
    preparer: str = Field("", description="Who prepared the report (signature block).")
    approver: str = Field("", description="Who approves the report (signature block).")
    stale_days: int = Field(30, description="Hosts audited longer ago than this are listed.")
    hosts: list[OfficeHost] = Field(description="Worst score first.")
    checks: list[CheckSummary] = Field(description="Every check seen, most failing hosts first.")
    sources: list[str] = Field(default_factory=list, description="The merged report files.")
    superseded: list[SupersededReport] = Field(
        default_factory=list, description="Older reports of a host given twice, left out."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
