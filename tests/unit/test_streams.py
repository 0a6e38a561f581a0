"""Output that never crashes on a code page (cp1252, cp1258, ASCII), files in UTF-8."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from netwatch.cli.streams import error_handler, make_output_safe

VIETNAMESE = "Tường lửa đang bật ở mọi hồ sơ: Kiểm tra đạt"


class _Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_a_pipe_or_file_gets_utf8() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1258")
    make_output_safe((stream,))
    stream.write(VIETNAMESE)
    stream.flush()
    assert raw.getvalue().decode("utf-8") == VIETNAMESE


@pytest.mark.parametrize("encoding", ["cp1258", "cp1252", "ascii"])
def test_a_legacy_terminal_never_raises(encoding: str) -> None:
    raw = io.BytesIO()
    stream = _Terminal(raw, encoding=encoding)
    make_output_safe((stream,))
    stream.write(VIETNAMESE)
    stream.flush()
    assert raw.getvalue()


def test_cp1258_shows_vietnamese_with_combining_tone_marks() -> None:
    encoded = VIETNAMESE.encode("cp1258", errors=error_handler("cp1258"))
    assert b"?" not in encoded
    import unicodedata

    assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == VIETNAMESE


def test_cp1252_keeps_what_it_can_and_replaces_the_rest() -> None:
    encoded = "Kiểm tra đạt, Phú".encode("cp1252", errors=error_handler("cp1252"))
    assert encoded.decode("cp1252") == "Kiêm tra ?at, Phú"


def test_pythonioencoding_set_by_the_user_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONIOENCODING", "cp1258")
    stream = io.TextIOWrapper(io.BytesIO(), encoding="cp1258")
    make_output_safe((stream,))
    assert stream.encoding == "cp1258"


@pytest.mark.parametrize(
    ("chosen", "encoding", "errors"),
    [("utf-8", "utf-8", "strict"), ("utf-8:replace", "utf-8", "replace"), (":ignore", "cp1258", "ignore"),
     ("no-such-codec", "cp1258", "strict")],
)  # fmt: skip
def test_a_frozen_netwatch_applies_pythonioencoding_itself(
    monkeypatch: pytest.MonkeyPatch, chosen: str, encoding: str, errors: str
) -> None:
    """PyInstaller's bootloader starts Python ignoring PYTHON* variables (the posture
    worker of netwatch.exe is started with PYTHONIOENCODING=utf-8)."""
    monkeypatch.setenv("PYTHONIOENCODING", chosen)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    stream = io.TextIOWrapper(io.BytesIO(), encoding="cp1258")
    make_output_safe((stream,))
    assert (stream.encoding, stream.errors) == (encoding, errors)


def test_the_cli_writes_utf8_json_to_a_pipe_under_a_legacy_locale() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "netwatch", "posture", "--lang", "vi", "--format", "json"],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr.decode("utf-8", "replace")
    import json

    document = json.loads(result.stdout.decode("utf-8"))
    assert document["results"]
