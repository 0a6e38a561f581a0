"""With ``--lang vi`` no English word reaches the reader (issue 15's acceptance).

Each Vietnamese output of the hardened and weak fixture hosts (Linux and Windows) is rendered:
``posture --details``, the ``audit`` summary, the HTML and Markdown reports, ``report merge``
(terminal, HTML, Markdown), ``scan`` and ``check``. What was read from the machine (the
evidence's values, a message's parameters, names, addresses) and code spans are data, taken
out first; every word left must be Vietnamese, or on the list of docs/language.md.
"""

from __future__ import annotations

import html
import http.server
import io
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from rich.console import Console

from netwatch.audit.build import build_report
from netwatch.audit.i18n import COMMAND_SOURCE
from netwatch.audit.merge import merge_reports
from netwatch.audit.model import AuditReport, HostIdentity, MessageRecord
from netwatch.audit.render_html import render_host_html, render_office_html
from netwatch.audit.render_markdown import render_host_markdown, render_office_markdown
from netwatch.cli.audit_view import print_office, print_summary
from netwatch.cli.check_render import print_table as print_checks
from netwatch.cli.posture_cmd import print_results
from netwatch.cli.scan_cmd import print_table as print_scan
from netwatch.collectors.services import build_jobs
from netwatch.config.loader import load_config
from netwatch.i18n import Message
from netwatch.lan.devices import DeviceRegistry
from netwatch.lan.fallback import CONFLICT_NOTE
from netwatch.lan.known import parse_known_devices
from netwatch.lan.model import Observation, SweepResult
from netwatch.lan.report import scan_report
from netwatch.lan.state import LanState
from netwatch.posture.model import CheckResult
from netwatch.posture.runner import run_policy
from netwatch.posture.score import compute_score
from netwatch.probes.check import run_once, select_services
from tests.helpers.audit_reports import fixture_policy
from tests.helpers.posture_hosts import recorded_host

REPO = Path(__file__).parents[2]
HOSTS = ("linux-hardened", "linux-weak", "windows-hardened", "windows-weak", "windows-weak-vi")
NOW = 1781924400.0  # 2026-06-20 03:00 UTC
WIDE = 1000  # no wrapping: a value read from the machine stays whole
OFFICE = "UBND xã Thanh Bình"
# Vietnamese syllables a text writes without marks (an, cho, theo ...): never English here.
VIETNAMESE_UNMARKED = frozenset(
    (  # noqa: SIM905 (a paragraph of words reads better than a list)
        "ai an ba ban bao cao che chi chia cho chu chung con cung danh di do dung duy ghi gia gian "
        "giao hai hay khai khay khe khi kho kinh ly ma mang minh mong mua nay ngay nghe nhau ninh "
        "qua quan quen quy ra ro sai sang sao sau sinh so song suy tay tham thanh thao thay theo "
        "thi thu tin tra trang trao trong trung truy xa xem xung giai"
    ).split()
)  # fmt: skip
# An English term in parentheses right after the Vietnamese it glosses: "chuyển hướng (redirect)".
GLOSS = re.compile(r"(\S*[^\x00-\x7f]\S*(?: [A-Z]+)?) \([A-Za-z][A-Za-z -]{0,30}\)")
# Vietnamese words spelled as English ones, in the phrase that shows it (máy in: printer).
VIETNAMESE_PHRASES = re.compile(r"\b(máy chủ|máy|để|lệnh|bản|hàng đợi|cần|được) in\b", re.I)
PUNCTUATION = "()[]{}.,;:!?\"'«»“”‘’*|·—–…"


@dataclass
class Output:
    """One rendered output and the values in it that were read, not written by netwatch."""

    name: str
    text: str
    data: set[str]


def allowed_words() -> frozenset[str]:
    """The list of docs/language.md (between the allowed-words markers), lower-cased."""
    doc = (REPO / "docs" / "language.md").read_text(encoding="utf-8")
    block = doc.split("<!-- allowed-words -->")[1].split("<!-- /allowed-words -->")[0]
    words = set()
    for item in block.split("\n- ")[1:]:
        words.update(w.strip().lower() for w in item.split(":", 1)[1].split(","))
    return frozenset(words)


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=WIDE, color_system=None, highlight=False, emoji=False), out


def message_data(record: Message | MessageRecord | None) -> Iterator[str]:
    """The parameters of a message that are values, not messages, recursively."""
    if record is None:
        return
    for value in record.params.values():
        if isinstance(value, (Message, MessageRecord)):
            yield from message_data(value)
        else:
            yield str(value)


def source_data(source: str | Message) -> list[str]:
    """An evidence source: a message's values; a command's text without its label (shown
    translated)."""
    if isinstance(source, Message):
        return list(message_data(source))
    return [source, source.removeprefix(COMMAND_SOURCE)]


def result_data(results: Iterable[CheckResult]) -> set[str]:
    data: set[str] = set()
    for result in results:
        outcome = result.outcome
        if isinstance(outcome.reason, Message):
            data.update(message_data(outcome.reason))
        for item in outcome.evidence:
            data.update(source_data(item.source))
            for value in (item.observed, item.expected):
                data.update(message_data(value) if isinstance(value, Message) else [value])
    return data


def report_data(report: AuditReport) -> set[str]:
    host = report.host
    data = {
        host.hostname,
        host.fqdn,
        host.os_name,
        host.os_version,
        report.policy.name,
        report.office,
        report.preparer,
        report.approver,
    }
    data.update(report.policy.sources)
    for record in report.results:
        data.update(message_data(record.reason_message) if record.reason_message else
                    [record.reason])  # fmt: skip
        for item in record.evidence:
            data.update(message_data(item.source_message) if item.source_message else
                        source_data(item.source))  # fmt: skip
            for text, message in ((item.observed, item.observed_message),
                                  (item.expected, item.expected_message)):  # fmt: skip
                data.update(message_data(message) if message else [text])
        if record.waiver:
            data.update((record.waiver.reason, record.waiver.approver))
    return data


@cache
def host_report(host: str) -> AuditReport:
    platform = host.split("-")[0]
    identity = HostIdentity(hostname=f"pc-{host}", os_family=platform,
                            os_name="Windows 11" if platform == "windows" else "Debian GNU/Linux",
                            os_version="12")  # fmt: skip
    # the audit's platform is the running machine's; a recorded Windows host is audited as one
    with mock.patch("netwatch.audit.build.audit_platform", return_value=platform):
        return build_report(fixture_policy(), recorded_host(host), identity, office=OFFICE)


def outputs() -> Iterator[Output]:
    for host in HOSTS:
        platform = host.split("-")[0]
        results = run_policy(fixture_policy(), recorded_host(host), platform, now=NOW)
        out, buffer = console()
        print_results(out, results, compute_score(results), "vi", details=True)
        yield Output(f"posture {host}", buffer.getvalue(), result_data(results))
        report = host_report(host)
        out, buffer = console()
        print_summary(report, "vi", [], out)
        data = report_data(report)
        yield Output(f"audit {host}", buffer.getvalue(), data)
        yield Output(f"HTML report {host}", visible_html(render_host_html(report, "vi")), data)
        markdown = visible_markdown(render_host_markdown(report, "vi"))
        yield Output(f"Markdown report {host}", markdown, data)
    reports = [(host, host_report(host)) for host in HOSTS]
    office = merge_reports(reports, office=OFFICE, now=NOW)
    data = set().union(*(report_data(r) for _, r in reports), [OFFICE])
    out, buffer = console()
    print_office(office, "vi", [], out)
    yield Output("report merge", buffer.getvalue(), data)
    yield Output("report merge HTML", visible_html(render_office_html(office, "vi")), data)
    markdown = visible_markdown(render_office_markdown(office, "vi"))
    yield Output("report merge Markdown", markdown, data)
    yield scan_output()
    yield check_output()


class _Vendors:
    def vendor(self, mac: str) -> str:
        return "Lab Vendor, Inc."


def scan_output() -> Output:
    """Two sweeps through the real device registry: a changed MAC, an IP conflict, a note."""
    ip, other = "198.18.0.30", "198.18.0.31"
    macs = "02:00:c6:12:00:0a", "02:00:c6:12:00:0b", "02:00:c6:12:00:0c"
    registry = DeviceRegistry(LanState(), parse_known_devices("devices: []\n", "known.yaml"),
                              _Vendors(), 3600.0)  # fmt: skip

    def sweep(*pairs: tuple[str, str], at: float) -> SweepResult:
        seen = tuple(Observation(i, m, "lan0", at, "neighbour") for i, m in pairs)
        return SweepResult(seen, ("198.18.0.0/24",), ("lan0",), "neighbour", at, 2.0,
                           (CONFLICT_NOTE,))  # fmt: skip

    registry.apply(sweep((ip, macs[0]), (other, macs[2]), at=NOW - 60))
    result = sweep((ip, macs[0]), (ip, macs[1]), (other, macs[1]), at=NOW)
    report = scan_report(registry, result, registry.apply(result), "vi")
    out, buffer = console()
    print_scan(report, "vi", out)
    return Output("scan", buffer.getvalue(), {ip, other, *macs, "Lab Vendor, Inc."})


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.send_error(503)

    def log_message(self, *args: Any) -> None:
        pass


def check_output() -> Output:
    """``check`` of real probes on loopback: a refused port, a 503, an unresolvable name."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused = f"127.0.0.1:{closed.getsockname()[1]}"
    urls = [f"http://127.0.0.1:{server.server_address[1]}/", "http://no-such-host.invalid/"]
    try:
        settings = load_config(None)
        jobs = build_jobs(
            select_services(settings, [], urls, [refused]), settings.collectors.services
        )
        outcomes = run_once(jobs, 4)
    finally:
        server.shutdown()
        server.server_close()
    out, buffer = console()
    print_checks(outcomes, "vi", out)
    data = {*urls, refused, *(job.service for job, _ in outcomes)}
    for _, result in outcomes:
        data.update(message_data(result.detail_message))
    return Output("check", buffer.getvalue(), data)


def visible_markdown(document: str) -> str:
    """The text a Markdown reader shows: escapes undone outside code spans."""
    return re.sub(r"\\(.)|(`+).*?\2", lambda m: m.group(1) or m.group(0), document, flags=re.S)


def visible_html(document: str) -> str:
    """The text a browser shows: no style sheet, no tags; code kept in backticks."""
    document = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", document)
    document = re.sub(r"<code\b[^>]*>", "`", document).replace("</code>", "`")
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


def without_data(text: str, data: set[str]) -> str:
    """``text`` without the values read from the machine (whole, or cut short by '…'), the
    code spans and the allowed phrases of docs/language.md."""
    for value in sorted((d for d in data if d.strip()), key=len, reverse=True):
        cut = "|".join(re.escape(value[:n].rstrip()) + "…" for n in range(12, len(value)))
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)" + (f"|{cut}" if cut else "")
        text = re.sub(pattern, " ", text)
    text = VIETNAMESE_PHRASES.sub(" ", re.sub(r"`[^`]*`", " ", text))
    return GLOSS.sub(r"\1", text)


def english_words(text: str, allowed: frozenset[str]) -> list[str]:
    """The words of ``text`` that are neither Vietnamese, nor names, nor on the list."""
    found = []
    for token in text.split():
        word = token.strip(PUNCTUATION)
        if not re.fullmatch(r"[A-Za-z]+", word):
            continue  # Vietnamese (marks), a path, an id, a number, an option
        if word.lower() in VIETNAMESE_UNMARKED or word.lower() in allowed:
            continue
        found.append(word)
    return found


OUTPUTS = {output.name: output for output in outputs()}


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_no_english_word_in_the_vietnamese_output(name: str) -> None:
    output = OUTPUTS[name]
    allowed = allowed_words()
    text = without_data(output.text, output.data)
    words = english_words(text, allowed)
    shown = []
    for word in dict.fromkeys(words):
        line = next(row for row in text.splitlines() if re.search(rf"\b{word}\b", row))
        shown.append(f"{word!r} in: {line.strip()[:160]}")
    assert not words, f"{len(set(words))} English words:\n" + "\n".join(shown)
