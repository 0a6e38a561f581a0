"""Hypothesis strategies for hostile input: garbage, and real input with random corruptions.

Text reaches the parsers through the host-access layer, which decodes files and
command output as UTF-8 with undecodable bytes replaced, so parser input is never
a lone surrogate; :func:`host_text` produces text the same way. PowerShell JSON and
registry values can carry lone surrogates (JSON ``\\ud800`` escapes, UTF-16 registry
strings), and :func:`json_texts` and :func:`registry_values` produce them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

VIETNAMESE = "Tiếng Việt có dấu: Đường dẫn, mật khẩu, tường lửa, người dùng ắ ẵ ổ ữ ỹ"

# Tokens that break naive parsers: separators, quotes, brackets, digits that str.isdigit()
# accepts but int() refuses, numbers beyond int()'s 4300-digit limit, odd whitespace.
EVIL_TOKENS = (
    "",
    " ",
    "\t",
    "\x00",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\u2028",
    "\u0085",
    "\ufeff",
    "\ufffd",
    "-1",
    "0",
    "-0",
    "00",
    "²",
    "١٢٣",
    "𝟗",
    "9" * 5000,
    "1e999",
    "nan",
    "0x1F",
    "1_000",
    '"',
    "'",
    "\\",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "#",
    ";",
    ":",
    "=",
    ",",
    "*",
    "%",
    "/",
    "..",
    "ALL",
    "NOPASSWD:",
    "Include",
    "Match",
    "/Date(99999999999999999)/",
    VIETNAMESE,
)

# Numbers as a parser expecting digits may meet them.
EVIL_NUMBERS = (
    "²", "١٢٣", "𝟗", "9" * 5000, "99999999999999999999", "-1", "-0", "+1", "", "0x10",
    "1.5", "1e3", "1_0", "0777777777777777777777",
)  # fmt: skip

MAX_REPEATED = 300_000

_LONG = ("A" * 200_000, "a b " * 20_000, "=" * 50_000, "{" * 5000, "(" * 5000, "\\" * 4000)

decoded_bytes = st.binary(max_size=400).map(lambda raw: raw.decode("utf-8", errors="replace"))
"""Arbitrary bytes as the host-access layer decodes them."""

plain_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
"""Arbitrary Unicode text without surrogates (what a UTF-8 decode can give)."""

line_endings = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\x00\n", "\u2028"])


@st.composite
def _lines_of_tokens(draw: st.DrawFn) -> str:
    """Lines made of evil tokens and words, joined with mixed line endings."""
    lines = draw(
        st.lists(
            st.lists(st.sampled_from(EVIL_TOKENS) | st.from_regex(r"\w{1,8}", fullmatch=True)),
            max_size=8,
        )
    )
    ending = draw(line_endings)
    return ending.join(" ".join(words) for words in lines)


host_text = st.one_of(
    plain_text,
    decoded_bytes,
    _lines_of_tokens(),
    st.sampled_from(EVIL_TOKENS + _LONG),
)
"""Garbage text of every kind a file or a command may hold."""


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    """``original`` (real input) with a few random corruptions: near-valid input."""
    lines = original.splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, max(0, len(lines) - 1)))
        line = lines[index] if lines else ""
        operation = draw(
            st.sampled_from(
                [
                    "delete",
                    "duplicate",
                    "insert",
                    "replace",
                    "truncate",
                    "number",
                    "numbers",
                    "field",
                    "token",
                    "ending",
                    "repeat",
                ]
            )  # fmt: skip
        )
        if operation == "delete" and lines:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, line)
        elif operation == "insert":
            lines.insert(index, draw(host_text) + "\n")
        elif operation == "replace":
            lines[index : index + 1] = [draw(host_text) + "\n"]
        elif operation == "truncate" and line:
            lines[index : index + 1] = [line[: draw(st.integers(0, len(line)))]]
        elif operation == "number":
            lines[index : index + 1] = [_replace_one(draw, r"\d+", line, EVIL_NUMBERS)]
        elif operation == "numbers":
            lines[index : index + 1] = [re.sub(r"\d+", draw(st.sampled_from(EVIL_NUMBERS)), line)]
        elif operation == "field":
            lines[index : index + 1] = [_replace_field(draw, line)]
        elif operation == "token":
            lines[index : index + 1] = [_replace_one(draw, r"[^\s]+", line, EVIL_TOKENS)]
        elif operation == "ending":
            lines[index : index + 1] = [line.rstrip("\r\n") + draw(line_endings)]
        elif operation == "repeat":  # up to ~300 kB: long, yet quick to parse
            most = max(2, MAX_REPEATED // max(1, len(line)))
            lines[index : index + 1] = [line * draw(st.integers(2, min(2000, most)))]
    return "".join(lines)


def _replace_one(draw: st.DrawFn, pattern: str, line: str, tokens: tuple[str, ...]) -> str:
    spans = [m.span() for m in re.finditer(pattern, line)]
    if not spans:
        return line + draw(st.sampled_from(tokens))
    start, end = draw(st.sampled_from(spans))
    return line[:start] + draw(st.sampled_from(tokens)) + line[end:]


def _replace_field(draw: st.DrawFn, line: str) -> str:
    """One field of a separated line (``a:b:c``, ``k = v``, ``a b c``) made evil."""
    ending = line[len(line.rstrip("\r\n")) :]
    separator = draw(st.sampled_from([":", " ", "=", ",", "\t", ";", "/"]))
    fields = line[: len(line) - len(ending)].split(separator)
    index = draw(st.integers(0, len(fields) - 1))
    fields[index] = draw(st.sampled_from(EVIL_NUMBERS + EVIL_TOKENS))
    return separator.join(fields) + ending


def near(original: str) -> st.SearchStrategy[str]:
    """Mostly corrupted real input, sometimes plain garbage."""
    return st.one_of(mutated(original), mutated(original), host_text)


# --- JSON -----------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),  # lone surrogates included: JSON can escape them
    st.sampled_from(EVIL_TOKENS),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=25,
)

DEEP_JSON = ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 3000)
HUGE_NUMBER_JSON = ("9" * 5000, '{"productState": ' + "9" * 5000 + "}")


def json_text(value: Any) -> str:
    """``value`` as JSON text (lone surrogates escaped, as PowerShell may write them)."""
    return json.dumps(value)


@st.composite
def mutated_json(draw: st.DrawFn, original: Any) -> Any:
    """A real JSON document with one value replaced, removed or retyped somewhere inside."""
    if isinstance(original, dict) and original and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(original)))
        changed = dict(original)
        if draw(st.booleans()):
            changed[key] = draw(json_values)
        elif draw(st.booleans()):
            del changed[key]
        else:
            changed[key] = draw(mutated_json(original[key]))
        return changed
    if isinstance(original, list) and original and draw(st.booleans()):
        index = draw(st.integers(0, len(original) - 1))
        changed_list = list(original)
        changed_list[index] = draw(mutated_json(original[index]))
        return changed_list
    return draw(json_values)


def json_texts(original: Any) -> st.SearchStrategy[str]:
    """JSON text near ``original``, JSON of any shape, and text that is not JSON at all."""
    return st.one_of(
        mutated_json(original).map(json_text),
        mutated_json(original).map(json_text),
        json_values.map(json_text),
        st.sampled_from(DEEP_JSON + HUGE_NUMBER_JSON),
        st.text(max_size=200),
        host_text,
    )


# --- registry -------------------------------------------------------------------------

registry_scalars = st.one_of(
    st.integers(min_value=0, max_value=2**32 - 1),  # REG_DWORD
    st.integers(min_value=-(2**63), max_value=2**64),  # REG_QWORD and worse
    st.text(max_size=40),  # REG_SZ: UTF-16, may hold lone surrogates
    st.sampled_from(EVIL_TOKENS),
    st.binary(max_size=16),  # REG_BINARY
    st.lists(st.text(max_size=10), max_size=3),  # REG_MULTI_SZ
    st.none(),  # REG_NONE
)


def registry_values(original: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The values of a registry key with some replaced by values of any registry type."""
    names = sorted(original) or ["Value"]
    return st.dictionaries(st.sampled_from(names) | st.text(max_size=10), registry_scalars).map(
        lambda changes: {**original, **changes}
    )
