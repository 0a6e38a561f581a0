"""Crashes once found in the probes' parsers, kept as regression tests.

``str.isdigit()`` is true for ``²`` (and for numbers longer than ``int()`` converts), so
code that checked ``isdigit()`` and then called ``int()`` raised ValueError instead of
the probe's own :class:`ProbeFailure`.
"""

from __future__ import annotations

import asyncio

import pytest

from netwatch.probes.http import _content_length
from netwatch.probes.netutil import split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.smtp import read_reply

ISDIGIT_BUT_NOT_INT = ["²", "9" * 5000, "0080000"]


@pytest.mark.parametrize("value", ISDIGIT_BUT_NOT_INT)
def test_http_content_length(value: str) -> None:
    if value == "0080000":
        assert _content_length({"content-length": value}) == 80000
        return
    with pytest.raises(ProbeFailure, match="invalid Content-Length"):
        _content_length({"content-length": value})


@pytest.mark.parametrize("value", ISDIGIT_BUT_NOT_INT)
def test_target_port(value: str) -> None:
    with pytest.raises(ProbeFailure, match="invalid port"):
        split_host_port(f"example.org:{value}")


async def _reply(data: bytes) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    await read_reply(reader, ProbeResult())


def test_smtp_reply_code() -> None:
    with pytest.raises(ProbeFailure, match="not an SMTP reply"):
        asyncio.run(_reply("²²² hello\r\n".encode()))
