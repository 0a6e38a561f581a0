"""The report string catalog, check texts in both languages, and formatting per language."""

from __future__ import annotations

import re
import string

import pytest

from netwatch.audit.i18n import (
    RESULTS,
    SEVERITIES,
    STRINGS,
    band_name,
    check_lang,
    format_bytes,
    format_date,
    format_number,
    format_score,
    result_name,
    severity_name,
    t,
)
from netwatch.posture.model import Check
from netwatch.posture.registry import all_checks

# Letters that only Vietnamese text has (not in plain ASCII English).
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                        re.IGNORECASE)  # fmt: skip
# Vietnamese words that happen to need no diacritic.
PLAIN_VIETNAMESE = {"page": "Trang", "severity.high": "Cao"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_catalog_entry_is_translated(key: str) -> None:
    en, vi = STRINGS[key].get("en"), STRINGS[key].get("vi")
    assert en.strip() and vi.strip()
    assert vi != en, f"{key}: the Vietnamese text is the English one"
    assert VIETNAMESE.search(vi) or PLAIN_VIETNAMESE.get(key) == vi, (
        f"{key}: {vi!r} has no Vietnamese letter"
    )
    assert placeholders(en) == placeholders(vi), key


def test_issue_vocabulary() -> None:
    """The words inspectors expect, spelled with their diacritics."""
    assert t("report.title", "vi") == "Báo cáo đánh giá an toàn thông tin"
    assert t("summary.score", "vi") == "Điểm"
    assert t("col.severity", "vi") == "Mức độ nghiêm trọng"
    assert [severity_name(s, "vi") for s in SEVERITIES] == ["Nghiêm trọng", "Cao", "Trung bình",
                                                            "Thấp"]  # fmt: skip
    assert [result_name(r, "vi") for r in RESULTS] == ["Đạt", "Không đạt", "Được miễn trừ",
                                                       "Không áp dụng", "Lỗi"]  # fmt: skip
    assert t("finding.evidence", "vi") == "Bằng chứng"
    assert t("finding.remediation", "vi") == "Khuyến nghị khắc phục"
    assert t("waivers.title", "vi") == "Miễn trừ"
    assert t("waiver.approver", "vi") == "Người phê duyệt"
    assert t("waiver.expires", "vi") == "Hết hạn"
    assert t("inventory.title", "vi") == "Phụ lục: danh mục tài sản"
    assert t("changes.title", "vi") == "Thay đổi so với lần đánh giá trước"
    assert t("mode.offline", "vi") == "Đánh giá ngoại tuyến (ổ đĩa gắn vào)"
    assert [band_name(b, "vi") for b in ("good", "fair", "weak", "poor")] == ["Tốt", "Khá",
                                                                             "Trung bình", "Kém"]  # fmt: skip
    assert [severity_name(s, "en") for s in SEVERITIES] == ["Critical", "High", "Medium", "Low"]


def test_placeholders_are_filled() -> None:
    assert t("cover.host", "vi", hostname="pc-01") == "Máy pc-01"
    assert t("cover.host", "en", hostname="pc-01") == "Host pc-01"


def test_unknown_language_is_refused() -> None:
    assert check_lang("vi") == "vi"
    with pytest.raises(ValueError, match="fr"):
        check_lang("fr")


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.meta.id)
def test_every_check_text_is_translated(check: Check) -> None:
    """No untranslated check text can reach a Vietnamese report."""
    for field in ("title", "rationale", "remediation"):
        text = getattr(check.meta, field)
        assert text.en.strip() and text.vi.strip(), field
        assert text.vi != text.en, f"{check.meta.id}.{field} is not translated"
        assert VIETNAMESE.search(text.vi), f"{check.meta.id}.{field}: no Vietnamese letter"


@pytest.mark.parametrize(("iso", "lang", "expected"), [
    ("2026-11-22T15:08:00Z", "vi", "22/11/2026 15:08 (UTC)"),
    ("2026-11-22T15:08:00Z", "en", "22 Nov 2026 15:08 UTC"),
    ("2026-03-05T01:02:03+07:00", "vi", "04/03/2026 18:02 (UTC)"),
    ("2027-03-31", "vi", "31/03/2027"),
    ("2027-03-31", "en", "31 Mar 2027"),
    ("not a date", "vi", "not a date"),
])  # fmt: skip
def test_format_date(iso: str, lang: str, expected: str) -> None:
    assert format_date(iso, lang) == expected


@pytest.mark.parametrize(("value", "lang", "decimals", "expected"), [
    (1234.5, "vi", 1, "1.234,5"),
    (1234.5, "en", 1, "1,234.5"),
    (1234567, "vi", 0, "1.234.567"),
    (1234567, "en", 0, "1,234,567"),
    (0.25, "vi", 2, "0,25"),
])  # fmt: skip
def test_format_number(value: float, lang: str, decimals: int, expected: str) -> None:
    assert format_number(value, lang, decimals) == expected


def test_format_bytes_and_score() -> None:
    assert format_bytes(34359738368, "vi") == "32 GiB"
    assert format_bytes(1.5 * 1024**4, "vi") == "1,5 TiB"
    assert format_bytes(1.5 * 1024**4, "en") == "1.5 TiB"
    assert format_bytes(512, "en") == "512 B"
    assert format_score(50.5, "vi") == "50,5"
    assert format_score(100.0, "vi") == "100"
