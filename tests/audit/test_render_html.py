"""The printable HTML reports: language, content, order, escaping and self-containment."""

from __future__ import annotations

import re
import string
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from netwatch.audit.i18n import SEVERITIES, STRINGS, t
from netwatch.audit.inventory import InventoryPackage
from netwatch.audit.model import AuditReport, EvidenceItem, OfficeReport
from netwatch.audit.render_html import render_host_html, render_office_html
from netwatch.audit.view import SOFTWARE_CAP

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"


def load_host(name: str) -> AuditReport:
    """A host report fixture: ``weak`` or ``hardened``."""
    return AuditReport.model_validate_json((FIXTURES / f"host-{name}.json").read_text("utf-8"))


def load_office() -> OfficeReport:
    """The office report fixture (four hosts, one stale, one superseded report)."""
    return OfficeReport.model_validate_json((FIXTURES / "office.json").read_text("utf-8"))


def offline(report: AuditReport) -> AuditReport:
    """The report as a ``--root`` audit of a mounted disk (no inventory)."""
    return report.model_copy(update={"mode": "offline", "root": "/mnt/disk-srv-vanban",
                                     "inventory": None})  # fmt: skip


def labels(lang: str) -> tuple[dict[str, str], list[tuple[str, re.Pattern[str]]]]:
    """Catalog strings in ``lang``: plain ones by text, templates as patterns.

    A template whose fixed text is one short word ("Máy {hostname}") would match
    free text in the fixtures (a waiver reason "Máy chủ cũ ..."): those are left out.
    """
    plain, templates = {}, []
    for key, text in STRINGS.items():
        parsed = list(string.Formatter().parse(text.get(lang)))
        if not any(field for _, field, _, _ in parsed):
            plain[" ".join(text.get(lang).split())] = key
            continue
        if len("".join(literal for literal, _, _, _ in parsed).strip()) < 8:
            continue
        pattern = "".join(re.escape(re.sub(r"\s+", " ", literal)) + (".+?" if field else "")
                          for literal, field, _, _ in parsed)  # fmt: skip
        templates.append((key, re.compile(pattern)))
    return plain, templates


class TextNodes(HTMLParser):
    """The visible text nodes of a document, whitespace-normalised (style skipped)."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._in_style = False
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._in_style:
            self.nodes.append(text)


def foreign_labels(document: str, lang: str) -> set[str]:
    """Catalog keys whose text in the *other* language is a whole text node of ``document``."""
    other = "en" if lang == "vi" else "vi"
    plain, templates = labels(other)
    found = set()
    for node in TextNodes(document).nodes:
        if node in plain:
            found.add(plain[node])
        found.update(key for key, pattern in templates if pattern.fullmatch(node))
    return {key for key in found if STRINGS[key].get(other) != STRINGS[key].get(lang)}


def all_documents(lang: str) -> list[str]:
    return [render_host_html(load_host("weak"), lang),
            render_host_html(offline(load_host("hardened")), lang),
            render_office_html(load_office(), lang)]  # fmt: skip


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_label_from_the_other_language(lang: str) -> None:
    for document in all_documents(lang):
        assert foreign_labels(document, lang) == set()
        assert f'<html lang="{lang}">' in document


def test_vietnamese_labels_are_used() -> None:
    document = render_host_html(load_host("weak"), "vi")
    nodes = set(TextNodes(document).nodes)
    for key in (
        "summary.score",
        "findings.title",
        "finding.found",
        "finding.evidence",
        "finding.remediation",
        "waivers.title",
        "waiver.approver",
        "waiver.expires",
        "inventory.title",
        "changes.title",
        "frameworks.title",
        "col.severity",
        "services.title",
        "sign.prepared_by",
        "sign.approved_by",
        "sign.seal",
    ):
        assert t(key, "vi") in nodes or f"{t(key, 'vi')}:" in nodes, key
    assert 'content:"Trang" " " counter(page)' in document
    assert '"Page"' not in document


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_check_title_in_the_report_language(lang: str) -> None:
    report = load_host("weak")
    document = render_host_html(report, lang)
    other = "en" if lang == "vi" else "vi"
    for record in report.results:
        assert escape(getattr(record.title, lang)) in document, record.id
        assert escape(getattr(record.title, other)) not in document, record.id
    for record in report.results:
        if record.result == "fail":
            remediation = getattr(record.remediation, lang).split("`")[0]
            assert escape(remediation) in document, record.id


def test_findings_ordered_by_severity_then_id() -> None:
    report = load_host("weak")
    document = render_host_html(report, "vi")
    found = re.findall(r'<tr class="sev-(\w+)"><td class="check">.*?<code class="id">([\w.]+)</code>',
                       document)  # fmt: skip
    expected = sorted(((r.severity, r.id) for r in report.results
                       if r.result in ("fail", "waived", "error")),
                      key=lambda item: (SEVERITIES.index(item[0]), item[1]))  # fmt: skip
    assert found == expected
    assert len(found) == 14


def test_evidence_cannot_inject_markup() -> None:
    report = load_host("weak")
    hostile = EvidenceItem(
        source='/etc/x"><img src=x onerror=alert(1)>',
        observed="<script>alert('x')</script>",
        expected="</style>",
    )
    first = report.results[0].model_copy(update={"evidence": [hostile],
                                                 "reason": "<b>bold</b>"})  # fmt: skip
    host = report.host.model_copy(update={"hostname": 'pc"</style><script>alert(2)</script>'})
    report = report.model_copy(update={"results": [first, *report.results[1:]], "host": host,
                                       "office": "<i>UBND</i>"})  # fmt: skip
    for lang in ("vi", "en"):
        document = render_host_html(report, lang)
        lowered = document.lower()
        assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
        assert "<i>" not in lowered
        assert lowered.count("</style>") == 1
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in document


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)|@import|<link\b|<script\b|<iframe\b""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_self_contained_no_network(lang: str) -> None:
    for document in all_documents(lang):
        assert not EXTERNAL.search(document), EXTERNAL.search(document)
        assert "default-src 'none'" in document
        assert not re.search(r"""(?:src|href)\s*=""", document)


def test_numbers_and_dates_per_language() -> None:
    report = load_host("weak")
    vi = render_host_html(report, "vi")
    en = render_host_html(report, "en")
    assert "22/11/2026 08:08 (UTC)" in vi and "22 Nov 2026 08:08 UTC" in en
    assert ">50,5<" in vi and ">50.5<" in en
    assert "15/10/2026 02:30 (UTC), điểm 31,4; lần này 50,5." in vi
    assert "31/03/2027" in vi and "31 Mar 2027" in en
    assert "1,8 TiB" not in en and "2 TiB" in vi
    assert "50.5" not in TextNodes(vi).nodes


def test_software_list_capped_with_formatted_counts() -> None:
    report = load_host("weak")
    assert report.inventory is not None
    many = [InventoryPackage(name=f"pkg{n:04d}", version="1.0", arch="amd64", manager="dpkg")
            for n in range(1500)]  # fmt: skip
    inventory = report.inventory.model_copy(update={"software": many})
    big = report.model_copy(update={"inventory": inventory})
    vi = render_host_html(big, "vi", "full")
    en = render_host_html(big, "en", "full")
    assert t("inventory.software_count", "vi", count="1.500") in vi
    assert t("inventory.software_capped", "en", shown=f"{SOFTWARE_CAP}", total="1,500") in en
    assert vi.count("<li>pkg") == SOFTWARE_CAP
    assert '<ul class="software">' in vi


def test_software_summary_by_default_and_none_leaves_it_out() -> None:
    report = load_host("weak")
    assert report.inventory is not None
    extra = [InventoryPackage(name=n, version="9", manager="windows", vendor="Cốc Cốc Co.")
             for n in ("Cốc Cốc", "UltraViewer 6.6")]  # fmt: skip
    inventory = report.inventory.model_copy(update={"software": [*report.inventory.software,
                                                                 *extra]})  # fmt: skip
    report = report.model_copy(update={"inventory": inventory})
    summary = render_host_html(report, "vi")
    nodes = TextNodes(summary).nodes
    assert '<ul class="software">' not in summary
    assert t("inventory.software_count", "vi", count="422") in " ".join(nodes)
    assert nodes[nodes.index("dpkg") :][:4] == ["dpkg", "420", "windows", "2"]
    assert "Cốc Cốc Co." in nodes and "UltraViewer 6.6" in nodes and "Cốc Cốc" in nodes
    assert t("software.remote", "vi") in nodes and t("software.browser", "vi") in nodes
    none = render_host_html(report, "vi", "none")
    assert t("inventory.software", "vi") not in none and "UltraViewer" not in none
    assert t("inventory.disks", "vi") in none, "the rest of the appendix stays"
    with pytest.raises(ValueError, match="software appendix 'all'"):
        render_host_html(report, "vi", "all")


def test_waivers_valid_and_expired() -> None:
    nodes = TextNodes(render_host_html(load_host("weak"), "vi")).nodes
    assert "Nguyễn Văn Hùng, Chánh Văn phòng" in nodes
    assert "Trần Thị Mai, Phó Chánh Văn phòng" in nodes
    assert t("waiver.valid", "vi") in nodes and t("waiver.expired", "vi") in nodes
    assert t("summary.expired_waivers", "vi", count=1) in nodes


def test_changes_only_with_a_baseline() -> None:
    weak = render_host_html(load_host("weak"), "vi")
    for key in (
        "changes.fixed",
        "changes.new_failures",
        "changes.regressions",
        "changes.waivers_expired",
    ):
        assert t(key, "vi") in weak, key
    assert t("changes.title", "vi") not in render_host_html(load_host("hardened"), "vi")


def test_offline_audit_is_labelled() -> None:
    document = render_host_html(offline(load_host("hardened")), "vi")
    nodes = TextNodes(document).nodes
    assert t("mode.offline", "vi") in nodes
    assert t("mode.offline.note", "vi", root="/mnt/disk-srv-vanban") in nodes
    assert t("inventory.none", "vi") in nodes
    live = TextNodes(render_host_html(load_host("hardened"), "vi")).nodes
    assert t("mode.offline", "vi") not in live and t("mode.live", "vi") in live


def test_hardened_host_has_no_findings_and_no_services_section() -> None:
    document = render_host_html(load_host("hardened"), "en")
    assert t("findings.none", "en") in document
    assert t("services.title", "en") not in document
    assert '<table class="fixed findings">' not in document


def test_services_and_framework_mapping() -> None:
    document = render_host_html(load_host("weak"), "vi")
    for name in ("cong-thong-tin", "mot-cua", "dns-noi-bo", "thu-dien-tu"):
        assert f"<td>{name}</td>" in document
    assert t("services.down", "vi") in document
    assert "TCVN 11930:2017 yêu cầu cơ bản về an toàn hệ thống thông tin theo cấp độ" in document
    assert "Bảo đảm an toàn dữ liệu: sao lưu dự phòng" in document
    assert t("frameworks.unchecked_list", "vi", ids="").split(":")[0] in document


def test_printable_on_a4() -> None:
    document = render_host_html(load_host("weak"), "vi")
    assert "@page{size:A4;" in document
    assert "break-inside:avoid" in document and "box-sizing:border-box" in document
    assert "thead{display:table-header-group}" in document
    assert "-webkit-print-color-adjust:exact" in document
    assert "counter(page)" in document and "counter(pages)" in document
    office = render_office_html(load_office(), "vi")
    assert "@page matrix{size:A4 landscape" in office and "section.matrix{page:matrix}" in office


def test_office_report() -> None:
    office = load_office()
    document = render_office_html(office, "vi")
    rows = re.findall(r"<tr><td><strong>([^<]+)</strong>", document)
    assert rows == ["PC-KETOAN-03", "srv-motcua-01", "PC-VANTHU-01", "srv-vanban-01"]
    matrix = document[document.index('<section class="matrix">') :]
    assert matrix.count('<td class="host">') == len(office.hosts)
    assert '<td class="cell res-fail">✗</td>' in matrix
    assert '<td class="cell res-pass">✓</td>' in matrix
    assert '<td class="cell res-absent">·</td>' in matrix
    assert '<th class="rot"><span>windows.smb.v1_disabled</span></th>' in matrix
    nodes = TextNodes(document).nodes
    assert t("office.stale_mark", "vi") in nodes
    assert "30/09/2026 03:15 (UTC)" in nodes and "53" in nodes
    assert "audit-srv-motcua-01-20261015.json" in nodes
    common = document[document.index(t("office.common", "vi")) :]
    assert common.index("common.backup.locations_exist") < common.index("windows.defender")
    assert ">59,8<" in document
