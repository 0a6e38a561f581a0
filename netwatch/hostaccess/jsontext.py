"""Text and JSON from other programs (PowerShell, the registry), made safe to parse and show.

UTF-16 text (registry strings, and JSON's ``\\ud800`` escapes) can hold lone surrogates,
which cannot be written as UTF-8: one of them in evidence would break every report
and the metrics exposition. Here they become U+FFFD, and every way JSON fails to
load is one :class:`ValueError` with a one-line reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (the replacement character)."""
    return _SURROGATE.sub("\ufffd", text)


def load_json(text: str) -> Any:
    """Parse JSON text; every string in the result is valid Unicode.

    Raises ValueError saying why: malformed (with the line), nested too deeply,
    or a number too long to convert.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError:  # an integer beyond Python's digit limit for conversions
        raise ValueError("a number too long to read") from None
    return _valid_strings(value)


def _valid_strings(value: Any) -> Any:
    """``value`` with :func:`valid_text` applied to every string, keys included (in place)."""
    if isinstance(value, str):
        return valid_text(value)
    pending = [value]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = valid_text(item)
                elif isinstance(item, list | dict):
                    pending.append(item)
        elif isinstance(container, dict):
            for key in list(container):
                item = container[key]
                if isinstance(item, str):
                    item = container[key] = valid_text(item)
                elif isinstance(item, list | dict):
                    pending.append(item)
                if _SURROGATE.search(key):
                    del container[key]
                    container[valid_text(key)] = item
    return value
