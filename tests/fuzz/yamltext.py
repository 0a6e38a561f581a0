"""Hypothesis strategies for YAML files: near-valid documents built from a file's real keys.

:func:`yaml_documents` writes random nested mappings, sequences and scalars as YAML
text, block and flow style mixed, with anchors, aliases (some undefined, some
recursive), tags (standard, unknown and Python ones), duplicate keys, odd keys and
values that parsers and validators have tripped on: durations, listen addresses,
regexes, file paths, huge numbers, control characters and lone-surrogate escapes.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.fuzz.strategies import VIETNAMESE


def _quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (JSON escapes, astral characters kept as is)."""
    return json.dumps(text, ensure_ascii=False)


ANCHOR = "&@ "
"""Placeholder: :func:`render` numbers anchors &a1, &a2 ... so none is given twice."""
TAGS = (
    "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!!timestamp ",
    "!!set ", "!!omap ", "!!pairs ", "!!map ", "!!seq ", "!unknown ",
    "!!python/object/apply:os.system ", "!!python/name:os.system ",
)  # fmt: skip
SCALARS = (
    "1", "0", "-1", "1.5", "1e999", "-.inf", ".nan", "true", "yes", "off", "null", "~",
    "''", '""', "1h", "30s", "500ms", "0s", "-5s", "999999d", "31d", "1h30m", "1.5.5s",
    "127.0.0.1:8934", "0.0.0.0:0", "[::1]:8934", "localhost:99999", ":80", "host:²",
    "'^(a+)+$'", "'((('", "'a{99999999999}'", "'(?P<x>'", "/etc", "/etc/passwd",
    "/nonexistent/file", "/dev/null", "''", "9" * 5000, "-" + "9" * 400, "0x1F", "0o17",
    "1_000", "2024-01-01", "2024-13-45T99:99:99", "'\\x00'", '"\\0"', '"\\ud800"',
    '"\\udfff\\ud800"', '"\\U0010FFFF"', '"a\\nb"', '"\\x85\\u2028"', "http://[/x",
    "https://user:pass@host/?token=x", "<<", "? x", "*a1", "*a2", "*a3", "*undefined", "|", ">",
    "---", "...", "%YAML 1.1", "@", "`", "!", "&", _quoted(VIETNAMESE),
)  # fmt: skip
DEEP_YAML = (
    "a:\n" + "".join("  " * depth + "a:\n" for depth in range(1, 400)),
    "- " * 3000 + "x\n",
    "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "a: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "&a [*a]\n",
    "a: &a\n  b: *a\n",
    "a: &a [" + ", ".join(["*a"] * 3) + "]\n",
    "a: &a x\nb: &a y\n",
)


@dataclass(frozen=True)
class Node:
    """One YAML node to write: ``kind`` is map, seq or scalar; ``prefix`` an anchor or tag."""

    kind: str
    text: str = ""
    items: tuple[tuple[str, Node], ...] = ()
    prefix: str = ""
    flow: bool = False


def _scalars(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SCALARS),
        st.sampled_from(keys),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=30).map(_quoted),
        st.integers().map(str),
        st.floats().map(repr),
    )


def _keys(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    odd = ("<<", "1", "null", "~", "''", '"a\\nb"', '"\\ud800"', "? k", "[a, b]", "{a: 1}")
    return st.one_of(st.sampled_from(keys), st.sampled_from(keys), st.sampled_from(odd))


def _decorations() -> st.SearchStrategy[str]:
    """Mostly nothing, else an anchor or a tag."""
    return st.sampled_from(["", "", "", "", ANCHOR]) | st.sampled_from(TAGS)


def nodes(keys: tuple[str, ...], values: tuple[str, ...] = ()) -> st.SearchStrategy[Node]:
    """Trees of YAML nodes whose keys are mostly ``keys``; ``values`` are extra scalars."""
    scalar = st.builds(Node, st.just("scalar"), _scalars(keys + values), prefix=_decorations())
    return st.recursive(
        scalar,
        lambda children: st.builds(
            Node,
            st.sampled_from(["map", "seq"]),
            items=st.lists(st.tuples(_keys(keys), children), max_size=5).map(tuple),
            prefix=_decorations(),
            flow=st.booleans(),
        ),
        max_leaves=20,
    )


def _flow(node: Node) -> str:
    if node.kind == "scalar":
        return f"{node.prefix}{node.text}"
    if node.kind == "map":
        pairs = ", ".join(f"{key}: {_flow(value)}" for key, value in node.items)
        return f"{node.prefix}{{{pairs}}}"
    return f"{node.prefix}[{', '.join(_flow(item) for _, item in node.items)}]"


def _block(node: Node, indent: int) -> list[str]:
    """Lines of a map or seq node written in block style at ``indent`` spaces."""
    pad = " " * indent
    lines = []
    for key, child in node.items:
        lead = f"{pad}- " if node.kind == "seq" else f"{pad}{key}: "
        if child.kind == "scalar" or child.flow or not child.items:
            lines.append(lead + _flow(child))
        else:
            lines.append(lead.rstrip() + (" " + child.prefix.strip() if child.prefix else ""))
            lines += _block(child, indent + 2)
    return lines


def render(node: Node) -> str:
    """``node`` as YAML text."""
    if node.kind == "scalar" or node.flow or not node.items:
        text = _flow(node) + "\n"
    else:
        head = [node.prefix.strip()] if node.prefix else []
        text = "\n".join(head + _block(node, 0)) + "\n"
    numbers = itertools.count(1)
    return re.sub("&@", lambda _: f"&a{next(numbers)}", text)


def yaml_documents(keys: tuple[str, ...], values: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """YAML text: mostly mappings at the top, with the given keys, plus deep or cyclic files."""
    entries = st.lists(st.tuples(_keys(keys), nodes(keys, values)), min_size=1, max_size=6)
    top = st.builds(Node, st.just("map"), items=entries.map(tuple))
    return st.one_of(top.map(render), top.map(render), nodes(keys, values).map(render),
                     st.sampled_from(DEEP_YAML))  # fmt: skip
