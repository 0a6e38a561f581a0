"""The terminal side of ``netwatch audit``: live progress on stderr and the summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from netwatch.audit.i18n import (
    SEVERITIES,
    band_name,
    format_score,
    localized,
    recorded,
    result_name,
    severity_name,
    t,
)
from netwatch.audit.model import AuditReport, Changes, OfficeReport
from netwatch.audit.view import hardware_change_cells
from netwatch.cli.tables import (
    Column,
    output_console,
    packed,
    progress_console,
    records,
    short_time,
)
from netwatch.i18n import label
from netwatch.posture.model import CheckResult
from netwatch.posture.score import result_label

TERMINAL = {
    "progress.inventory": label("Host inventory"),
    "progress.checks": label("Posture checks"),
    "progress.services": label("Service probes"),
    "summary.policy": label("policy {name}"),
    "summary.errors": label("Checks that could not decide"),
    "summary.written": label("Reports written:"),
    "summary.services": label("Services: {up} up, {down} down"),
}
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
BAND_STYLE = {"good": "green", "fair": "yellow", "weak": "dark_orange", "poor": "red"}


def term(key: str, lang: str, **values: object) -> str:
    """A terminal-only string in ``lang``."""
    text = TERMINAL[key].get(lang)
    return text.format(**values) if values else text


class AuditProgress:
    """A transient progress display on stderr (silent when stderr is not a terminal)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        console = progress_console()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[phase]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.description}"),
            console=console,
            transient=True,
            disable=console is None,
        )

    def __enter__(self) -> AuditProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    @contextmanager
    def step(self, key: str) -> Iterator[None]:
        """Show a spinner for a phase without a count (inventory, service probes)."""
        task = self._progress.add_task("", total=None, phase=term(key, self.lang))
        try:
            yield
        finally:
            self._progress.update(task, total=1, completed=1)

    def checks(self, total: int) -> Callable[[CheckResult], None]:
        """A callback for ``run_policy(on_result=...)`` advancing a bar of ``total`` checks."""
        task = self._progress.add_task("", total=total, phase=term("progress.checks", self.lang))

        def advance(result: CheckResult) -> None:
            label = result_name(result_label(result), self.lang)
            self._progress.update(task, advance=1, description=f"{result.meta.id}: {label}")

        return advance


def _counts(values: dict[str, int], name: Callable[[str, str], str], lang: str) -> list[str]:
    return [f"{name(key, lang)} {count}" for key, count in values.items()]


def print_summary(
    report: AuditReport, lang: str, written: list[Path], console: Console | None = None
) -> None:
    """Score, band, failures by severity with their remediation, changes and files written."""
    console = console or output_console()
    host = report.host
    system = " ".join(p for p in (host.os_name, host.os_version) if p)
    policy = term("summary.policy", lang, name=report.policy.name)
    console.print(f"[bold]{escape(t('report.title', lang))}[/]: {escape(host.hostname)}"
                  f"{escape(f' ({system})' if system else '')}, {escape(policy)}")  # fmt: skip
    if report.mode == "offline":
        console.print(f"[yellow]{escape(t('mode.offline.note', lang, root=report.root))}[/]")
    score = report.score
    style = f"bold {BAND_STYLE[score.band]}"
    console.print(
        f"{t('summary.score', lang)}: [{style}]{format_score(score.value, lang)}[/] "
        f"{t('summary.out_of', lang)}, {t('summary.band', lang)}: "
        f"[{style}]{band_name(score.band, lang)}[/]"
    )
    for head, counts in (
        (t("summary.by_result", lang), _counts(score.counts, result_name, lang)),
        (t("summary.by_severity", lang), _counts(score.failed_by_severity, severity_name, lang)),
    ):
        console.print(packed(f"{escape(head)}:", counts, console.width))
    _print_failures(console, report, lang)
    _print_errors(console, report, lang)
    if report.services is not None:
        down = sum(1 for s in report.services if not s.success)
        up = len(report.services) - down
        names = ", ".join(s.service for s in report.services if not s.success)
        console.print(term("summary.services", lang, up=up, down=down)
                      + (f" ({escape(names)})" if names else ""))  # fmt: skip
    if report.changes is not None:
        _print_changes(console, report.changes, report, lang)
    print_written(written, lang, console)


def print_written(written: list[Path], lang: str, console: Console | None = None) -> None:
    """The report files just written, one per line."""
    if not written:
        return
    out = console or output_console()
    out.print(term("summary.written", lang))
    for path in written:
        out.print(f"  {escape(str(path))}", soft_wrap=True)


def print_office(
    office: OfficeReport, lang: str, written: list[Path], console: Console | None = None
) -> None:
    """The merged hosts, worst first, with their failures by severity and audit date."""
    console = console or output_console()
    columns = [
        Column(t("office.host", lang), "key"),
        Column(t("summary.score", lang), justify="right", label=True),
        Column(t("summary.band", lang), label=True),
        *(Column(severity_name(s, lang), justify="right", label=True) for s in SEVERITIES),
        Column(t("office.last_audit", lang), label=True),
    ]
    rows = []
    for host in office.hosts:
        band = f"[{BAND_STYLE[host.band]}]{band_name(host.band, lang)}[/]"
        audited = short_time(host.generated_at)
        if host.stale:
            audited += f" [yellow]({t('office.stale_mark', lang)})[/]"
        failed = [str(host.failed_by_severity.get(s, 0)) for s in SEVERITIES]
        rows.append([escape(host.hostname), format_score(host.score, lang), band, *failed, audited])
    console.print(records(console, t("office.hosts", lang), columns, rows))
    print_written(written, lang, console)


def _print_failures(console: Console, report: AuditReport, lang: str) -> None:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    failures = sorted((r for r in report.results if r.result == "fail"),
                      key=lambda r: (rank[r.severity], r.id))  # fmt: skip
    if not failures:
        console.print(f"[green]{escape(t('findings.none', lang))}[/]")
        return
    columns = (Column(t("col.severity", lang)), Column(t("col.id", lang), "key"),
               Column(t("col.check", lang), "long"),
               Column(t("finding.remediation", lang), "long", label=True))  # fmt: skip
    rows = []
    for record in failures:
        title = escape(localized(record.title, lang))
        if record.waiver is not None and record.waiver.expired:
            title += f" [yellow]({escape(t('changes.waivers_expired', lang))})[/]"
        severity = f"[{SEVERITY_STYLE[record.severity]}]{severity_name(record.severity, lang)}[/]"
        rows.append([severity, record.id, title, escape(localized(record.remediation, lang))])
    console.print(records(console, t("findings.title", lang), columns, rows))
    if report.score.expired_waivers:
        count = report.score.expired_waivers
        console.print(f"[yellow]{escape(t('summary.expired_waivers', lang, count=count))}[/]")


def _print_errors(console: Console, report: AuditReport, lang: str) -> None:
    errors = [r for r in report.results if r.result == "error"]
    if errors:
        console.print(f"[magenta]{term('summary.errors', lang)}[/]:")
        for record in errors:
            reason = recorded(record.reason, record.reason_message, lang)
            console.print(f"  {record.id}: {escape(reason)}")


def _print_changes(console: Console, changes: Changes, report: AuditReport, lang: str) -> None:
    console.print(
        f"[bold]{t('changes.title', lang)}[/]: "
        + t(
            "changes.baseline",
            lang,
            date=short_time(changes.baseline_generated_at),
            before=format_score(changes.baseline_score, lang),
            after=format_score(report.score.value, lang),
        )  # fmt: skip
    )
    for key in ("fixed", "new_failures", "regressions", "waivers_expired"):
        items = getattr(changes, key)
        if items:
            ids = ", ".join(item.id for item in items)
            console.print(f"  {t(f'changes.{key}', lang)} ({len(items)}): {ids}")
    if changes.hardware:
        console.print(f"  {t('changes.hardware', lang)} ({len(changes.hardware)}):")
        for change in changes.hardware:
            part, kind, before, after = hardware_change_cells(change, lang)
            shown = " → ".join(escape(side) for side in (before, after) if side)
            console.print(f"    {part} {kind}: {shown}")
