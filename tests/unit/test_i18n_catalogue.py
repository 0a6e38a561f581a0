"""The message catalogue: every translatable text the code writes has Vietnamese, and back.

Templates are found by reading the code (AST): each ``msg("...")`` and ``label("...",
context=...)`` call in netwatch/ must pass a literal English string, which is its key in
netwatch/i18n/vi/*.yaml; so must each ``MetricSpec(name, kind, help)`` for its help text (the
Vietnamese metrics reference, docs/metrics.vi.md). A template with no letters outside its
placeholders (``"{text} ({risk})"``) needs no entry.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from netwatch.i18n import Message, catalogue, placeholders

PACKAGE = Path(__file__).resolve().parents[2] / "netwatch"
CALLS = ("msg", "label")
METRIC = "MetricSpec"
HELP_POSITION = 2  # MetricSpec(name, kind, help, labels)
LEFTOVER = re.compile(r"\{\w*\}")


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _key(node: ast.Call) -> tuple[str, str] | None:
    """``(context, template)`` of a msg()/label() call or a MetricSpec's help; None when it
    is not a literal string."""
    keywords = {k.arg: k.value for k in node.keywords}
    if _called(node) == METRIC:
        given = node.args[HELP_POSITION] if node.args[HELP_POSITION:] else keywords.get("help")
        text = _literal(given)
        return None if text is None else ("", text)
    template = _literal(node.args[0]) if len(node.args) == 1 else None
    context = _literal(keywords["context"]) if "context" in keywords else ""
    return None if template is None or context is None else (context, template)


def scan() -> tuple[dict[tuple[str, str], str], list[str]]:
    """``(context, template) -> where`` for every call, and the calls that are not literal."""
    found: dict[tuple[str, str], str] = {}
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called(node) not in (*CALLS, METRIC):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            key = _key(node)
            if key is None:
                bad.append(where)
            else:
                found[key] = where
    return found, bad


def needs_translation(template: str) -> bool:
    """False for a template of placeholders and punctuation only."""
    return any(c.isalpha() for c in re.sub(r"\{\w+(:[^}]*)?\}", "", template))


USED, NOT_LITERAL = scan()


def test_the_scan_finds_the_known_templates() -> None:
    assert ("", "connection refused") in USED
    assert ("probe failure", "refused") in USED
    assert ("cover", "Security audit report") in USED
    assert ("", "Bytes received.") in USED  # a MetricSpec's help
    assert ("", "15-minute load average.") in USED


def test_every_template_is_a_literal_string() -> None:
    assert NOT_LITERAL == [], (
        "msg()/label() and MetricSpec's help need a literal English text (the catalogue key)"
    )


def test_every_template_the_code_uses_has_vietnamese() -> None:
    vietnamese = catalogue("vi")
    missing = sorted(
        f"{where}: {template!r}" + (f" (context {context!r})" if context else "")
        for (context, template), where in USED.items()
        if needs_translation(template) and (context, template) not in vietnamese
    )
    assert missing == [], "add these to netwatch/i18n/vi/*.yaml"


def test_every_catalogue_entry_is_used_by_the_code() -> None:
    unused = sorted(f"{t!r} (context {c!r})" for c, t in set(catalogue("vi")) - set(USED))
    assert unused == [], "netwatch/i18n/vi/*.yaml has entries no code uses"


@pytest.mark.parametrize(("context", "template"), sorted(USED))
def test_a_vietnamese_render_leaves_no_placeholder(context: str, template: str) -> None:
    values = {name: f"<{name}>" for name in placeholders(template)}
    shown = Message(template, values, context).render("vi")
    assert not LEFTOVER.search(shown), shown
    assert all(value in shown for value in values.values()), shown
    if needs_translation(template) and template.isascii() and len(template) > 3:
        assert shown != Message(template, values, context).render("en")
