"""docs/posture.md is generated from the check metadata."""

from pathlib import Path

from netwatch.posture.docs import render
from netwatch.posture.registry import all_checks

DOCS = Path(__file__).parents[2] / "docs" / "posture.md"


def test_page_is_current() -> None:
    assert DOCS.read_text() == render(), "run: python -m netwatch.devtools regen"


def test_every_check_is_listed() -> None:
    text = DOCS.read_text()
    for check in all_checks():
        assert f"| `{check.meta.id}` |" in text
