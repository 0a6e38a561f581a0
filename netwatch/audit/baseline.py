"""Compare an audit with a previous report of the same host (``--baseline``)."""

from __future__ import annotations

from netwatch.assets.fingerprint import HardwareChange, hardware_changes
from netwatch.audit.model import AuditReport, ChangeItem, Changes, CheckRecord, HostIdentity
from netwatch.core.errors import UsageError

ABSENT = "absent"


class BaselineError(UsageError):
    """The baseline report cannot be compared with this audit."""


def same_host(first: HostIdentity, second: HostIdentity) -> bool:
    """Same hostname (any case), and the same machine id when both reports know it."""
    if first.hostname.casefold() != second.hostname.casefold():
        return False
    return not (first.machine_id and second.machine_id) or first.machine_id == second.machine_id


def _describe(host: HostIdentity) -> str:
    machine = f" (machine id {host.machine_id})" if host.machine_id else ""
    return f"{host.hostname!r}{machine}"


def check_same_host(baseline: AuditReport, identity: HostIdentity, source: str) -> None:
    """Raise :class:`BaselineError` naming ``source`` when the baseline is another host's."""
    if not same_host(baseline.host, identity):
        raise BaselineError(
            f"{source}: the baseline is a report of host {_describe(baseline.host)}, not of "
            f"this host {_describe(identity)}; give a previous report of the same host"
        )


def _item(record: CheckRecord, before: str) -> ChangeItem:
    return ChangeItem(id=record.id, title=record.title, severity=record.severity,
                      before=before, after=record.result)  # fmt: skip


def compare(baseline: AuditReport, report: AuditReport) -> Changes:
    """What changed from ``baseline`` to ``report`` (both of the same host)."""
    previous = {r.id: r for r in baseline.results}
    fixed, new_failures, regressions, expired = [], [], [], []
    for record in report.results:
        old = previous.get(record.id)
        before = old.result if old is not None else ABSENT
        if record.result == "pass" and before in ("fail", "error"):
            fixed.append(_item(record, before))
        elif record.result == "fail" and before == "pass":
            regressions.append(_item(record, before))
        elif record.result == "fail" and before in (ABSENT, "not_applicable"):
            new_failures.append(_item(record, before))
        elif (record.result == "fail" and before == "waived"
              and record.waiver is not None and record.waiver.expired):  # fmt: skip
            expired.append(_item(record, before))
    return Changes(
        hardware=_hardware_changes(baseline, report),
        baseline_generated_at=baseline.generated_at,
        baseline_score=baseline.score.value,
        fixed=fixed,
        new_failures=new_failures,
        regressions=regressions,
        waivers_expired=expired,
    )


def _hardware_changes(baseline: AuditReport, report: AuditReport) -> list[HardwareChange]:
    """Parts changed between the two inventories' hardware (none when either lacks it)."""
    before = baseline.inventory.hardware if baseline.inventory else None
    after = report.inventory.hardware if report.inventory else None
    if before is None or after is None:
        return []
    return hardware_changes(before, after)


def with_changes(report: AuditReport, baseline: AuditReport, source: str) -> AuditReport:
    """``report`` with its "changes since" section from ``baseline`` (read from ``source``)."""
    check_same_host(baseline, report.host, source)
    return report.model_copy(update={"changes": compare(baseline, report)})
