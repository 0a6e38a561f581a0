"""Standard output that never crashes on a character, whatever the code page.

Windows gives a redirected stdout the ANSI code page: cp1252 on an English
machine, cp1258 on a Vietnamese one, which has no precomposed Vietnamese letters
at all. Printing a Vietnamese report then ends in ``UnicodeEncodeError``.

- A pipe or a file gets UTF-8: files are always UTF-8 and JSON stays valid.
- A Windows console gets Unicode already (Python writes UTF-16 to it), so Windows
  Terminal, PowerShell and cmd show Vietnamese as it is.
- A terminal with a legacy encoding keeps it; a letter it lacks is written
  decomposed where that helps (cp1258 has the base letters and the five tone marks
  as combining characters) and replaced otherwise, never an error.
- ``PYTHONIOENCODING`` set by the user wins. A frozen netwatch (PyInstaller) has it
  applied here: its bootloader starts Python with every ``PYTHON*`` variable ignored.
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import os
import sys
import unicodedata
from typing import TextIO


def error_handler(encoding: str) -> str:
    """Name of a codec error handler for ``encoding`` that retries characters decomposed.

    Each unencodable character is written as the longest precomposed base plus
    combining marks that ``encoding`` has, else ``?``. Per encoding, because a
    charmap codec's errors only say "charmap".
    """
    name = f"netwatch-decompose-{codecs.lookup(encoding).name}"
    try:
        codecs.lookup_error(name)
    except LookupError:
        codecs.register_error(name, functools.partial(_decompose, encoding))
    return name


def _decompose(encoding: str, error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start : error.end]
    return "".join(_encodable_form(char, encoding) for char in chars), error.end


def _encodable_form(char: str, encoding: str) -> str:
    """The letter with as many of its marks as ``encoding`` can carry, else ``?``.

    Vietnamese "ậ" is a + dot below + circumflex; cp1258 has "â" and a combining dot
    below, so it becomes "â" + U+0323. Marks the encoding lacks are dropped ("ạ" in
    cp1252 is "a"), which keeps words readable.
    """
    decomposed = unicodedata.normalize("NFD", char)
    letter, marks = decomposed[:1], decomposed[1:]
    best: tuple[int, str] | None = None
    for size in range(len(marks), -1, -1):
        for composed_marks in itertools.combinations(range(len(marks)), size):
            base = unicodedata.normalize("NFC", letter + "".join(marks[i] for i in composed_marks))
            rest = [m for i, m in enumerate(marks) if i not in composed_marks]
            if not _encodes(base, encoding):
                continue
            kept = [m for m in rest if _encodes(m, encoding)]
            dropped = len(rest) - len(kept)
            if best is None or dropped < best[0]:
                best = (dropped, base + "".join(kept))
    return best[1] if best is not None else "?"


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def make_output_safe(streams: tuple[TextIO, ...] | None = None) -> None:
    """Reconfigure stdout and stderr (or ``streams``) as the module docstring says."""
    chosen = os.environ.get("PYTHONIOENCODING")
    if chosen and not getattr(sys, "frozen", False):
        return  # Python applied it already
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            terminal = stream.isatty()
        except (OSError, ValueError):
            continue
        try:
            if chosen:
                encoding, _, errors = chosen.partition(":")
                stream.reconfigure(encoding=encoding or None, errors=errors or "strict")
            elif terminal:
                stream.reconfigure(errors=error_handler(stream.encoding))
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (OSError, ValueError, LookupError):  # LookupError: an unknown encoding
            continue
