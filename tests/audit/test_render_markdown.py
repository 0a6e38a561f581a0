"""The Markdown reports: same content as HTML, in the chosen language, well-formed GFM tables."""

from __future__ import annotations

import re

import pytest

from netwatch.audit.i18n import SEVERITIES, STRINGS, t
from netwatch.audit.model import EvidenceItem
from netwatch.audit.render_markdown import render_host_markdown, render_office_markdown
from tests.audit.test_render_html import labels, load_host, load_office, offline

CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
STRUCTURE = re.compile(r"\n|\*\*|(?<!\\)\||<br>| — | · |^#+ |^- |^> |^\d+\. ", re.MULTILINE)


def unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def segments(markdown: str) -> set[str]:
    """The text pieces between Markdown structure, code spans left out."""
    pieces = set()
    for piece in STRUCTURE.split(CODE.sub("", markdown)):
        text = " ".join(unescape(piece).split())
        pieces.update({text, text.rstrip(":").strip()} - {""})
    return pieces


def foreign_labels(markdown: str, lang: str) -> set[str]:
    other = "en" if lang == "vi" else "vi"
    plain, templates = labels(other)
    found = set()
    for piece in segments(markdown):
        if piece in plain:
            found.add(plain[piece])
        found.update(key for key, pattern in templates if pattern.fullmatch(piece))
    return {key for key in found if STRINGS[key].get(other) != STRINGS[key].get(lang)}


def all_documents(lang: str) -> list[str]:
    return [render_host_markdown(load_host("weak"), lang),
            render_host_markdown(offline(load_host("hardened")), lang),
            render_office_markdown(load_office(), lang)]  # fmt: skip


def tables(markdown: str) -> list[list[str]]:
    """Each GFM table as its lines."""
    found: list[list[str]] = []
    previous = False
    for line in markdown.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            found.append([])
        if is_row:
            found[-1].append(line)
        previous = is_row
    return found


def cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_label_from_the_other_language(lang: str) -> None:
    for document in all_documents(lang):
        assert foreign_labels(document, lang) == set()


def test_detects_a_foreign_label() -> None:
    document = render_host_markdown(load_host("weak"), "vi")
    tampered = document.replace(f"**{t('finding.evidence', 'vi')}:**", "**Evidence:**")
    assert foreign_labels(tampered, "vi") == {"finding.evidence"}


def test_vietnamese_labels_are_used() -> None:
    pieces = segments(render_host_markdown(load_host("weak"), "vi"))
    for key in (
        "findings.title",
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
        "sign.title",
        "sign.prepared_by",
        "sign.approved_by",
    ):
        assert t(key, "vi") in pieces, key


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_check_title_in_the_report_language(lang: str) -> None:
    report = load_host("weak")
    text = unescape(render_host_markdown(report, lang))
    other = "en" if lang == "vi" else "vi"
    for record in report.results:
        assert getattr(record.title, lang) in text, record.id
        assert getattr(record.title, other) not in text, record.id


def test_findings_ordered_by_severity_then_id() -> None:
    report = load_host("weak")
    document = render_host_markdown(report, "vi")
    findings = document[document.index(f"## {t('findings.title', 'vi')}\n") :]
    found = re.findall(r"^\*\*.+?\*\* · \*\*.+?\*\* · `([\w.]+)`$", findings, re.MULTILINE)
    expected = [r.id for r in sorted(report.results,
                                     key=lambda r: (SEVERITIES.index(r.severity), r.id))
                if r.result in ("fail", "waived", "error")]  # fmt: skip
    assert found == expected


def test_hostile_text_stays_text() -> None:
    report = load_host("weak")
    hostile = EvidenceItem(source="/etc/a|b", observed="<script>alert(1)</script> `x`",
                           expected="**bold** | [link](http://x)")  # fmt: skip
    first = report.results[0].model_copy(update={"evidence": [hostile], "reason": "<b>x</b> |"})
    report = report.model_copy(update={"results": [first, *report.results[1:]],
                                       "office": "<i>UBND</i> *x*"})  # fmt: skip
    document = render_host_markdown(report, "en")
    outside_code = CODE.sub("", document)
    assert "<script" not in outside_code and "<b>" not in outside_code
    assert "<i>" not in outside_code and "](http" not in outside_code
    assert "`` <script>alert(1)</script> `x` ``" in document
    for table in tables(document):
        assert len({cells(row) for row in table}) == 1, table


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tables_are_well_formed(lang: str) -> None:
    for document in all_documents(lang):
        found = tables(document)
        assert found
        for table in found:
            assert re.fullmatch(r"\|( --- \|)+", table[1]), table[:2]
            assert len({cells(row) for row in table}) == 1, table[0]


def test_numbers_and_dates_per_language() -> None:
    report = load_host("weak")
    vi = render_host_markdown(report, "vi")
    en = render_host_markdown(report, "en")
    assert "22/11/2026 08:08 (UTC)" in vi and "22 Nov 2026 08:08 UTC" in en
    assert "**Điểm: 50,5**" in vi and "**Score: 50.5**" in en
    assert "31/03/2027" in vi and "31 Mar 2027" in en
    office = render_office_markdown(load_office(), "vi")
    assert "**Điểm trung bình: 59,8**" in office


def test_offline_label_and_no_inventory() -> None:
    document = unescape(render_host_markdown(offline(load_host("hardened")), "vi"))
    assert t("mode.offline.note", "vi", root="/mnt/disk-srv-vanban") in document
    assert t("inventory.none", "vi") in document
    assert t("changes.title", "vi") not in document


def test_office_report() -> None:
    office = load_office()
    document = render_office_markdown(office, "en")
    hosts = re.findall(r"^\| \*\*([\w-]+)\*\* \|", document, re.MULTILINE)
    assert hosts == ["PC-KETOAN-03", "srv-motcua-01", "PC-VANTHU-01", "srv-vanban-01"]
    assert "| PC-KETOAN-03 | ✗ | ✗ |" in document
    assert f"{len(office.checks)}. " in document
    assert (
        "1. Backup locations exist and are reachable (`common.backup.locations_exist`)" in document
    )
    assert t("office.stale_mark", "en") in document
    assert "audit-srv-motcua-01-20261015.json" in unescape(document)
