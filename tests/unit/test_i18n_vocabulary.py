"""The Vietnamese reads as one voice: the sector's vocabulary and one way of placing tone marks.

Every Vietnamese text a reader sees is scanned: the catalogue (netwatch/i18n/vi/), the checks'
titles, rationale and remediation (netwatch/posture/checks/*/*.yaml), the dashboards and the
alert rules' Vietnamese annotations. Code spans (names to type or look for) are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from netwatch.i18n import catalogue

REPO = Path(__file__).parents[2]
# The sector's words (as in government IT documents), and the variants they replace.
PREFERRED = {
    "chứng chỉ": "chứng thư số",  # a TLS certificate (Law on e-transactions' term)
    "điểm yếu": "lỗ hổng",
    "bản sửa lỗi": "bản vá",
    "người quản trị": "quản trị viên",
    "phần mềm độc hại": "mã độc",
    "mức nghiêm trọng": "mức độ nghiêm trọng",
    "máy tính trạm": "máy trạm",
    "máy phục vụ": "máy chủ",
}
# One placement of tone marks in open syllables: hóa, khóa, tùy (not hoá, khoá, tuỳ).
NEW_STYLE_MARKS = re.compile(r"\w*(?:oà|oá|oả|oã|oạ|oè|oé|oẻ|oẽ|oẹ|uỳ|uý|uỷ|uỹ|uỵ)(?!\w)")
CODE = re.compile(r"`[^`]*`")


def vietnamese_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every Vietnamese text of the product."""
    for (_context, english), text in catalogue("vi").items():
        yield f"catalogue {english!r}", text
    for path in sorted((REPO / "netwatch" / "posture" / "checks").glob("*/*.yaml")):
        for check, entry in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            for field in ("title", "rationale", "remediation"):
                yield f"{path.name} {check}.{field}", entry[field]["vi"]
    for path in sorted((REPO / "dashboards").glob("*.json")):
        yield (
            path.name,
            json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False),
        )
    for path in sorted((REPO / "configs" / "prometheus" / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                for key, text in rule.get("annotations", {}).items():
                    if key.endswith("_vi"):
                        yield f"{path.name} {rule.get('alert')}.{key}", text


TEXTS = [(where, CODE.sub(" ", text)) for where, text in vietnamese_texts()]


def test_the_scan_sees_every_kind_of_text() -> None:
    kinds = {where.split(" ")[0].rsplit(".", 1)[-1] for where, _ in TEXTS}
    assert {"catalogue", "yaml", "json", "yml"} <= kinds


@pytest.mark.parametrize(("variant", "preferred"), sorted(PREFERRED.items()))
def test_the_sector_word_is_used(variant: str, preferred: str) -> None:
    found = [where for where, text in TEXTS if variant in text.lower()]
    assert not found, f"write {preferred!r} instead of {variant!r} in: {found}"


def test_one_placement_of_tone_marks() -> None:
    found = sorted({f"{where}: {word}" for where, text in TEXTS
                    for word in NEW_STYLE_MARKS.findall(text)})  # fmt: skip
    assert not found, (
        "write hóa, khóa, tùy (the marks' older placement, as the rest):\n" + "\n".join(found)
    )
