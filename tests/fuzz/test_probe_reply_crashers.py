"""Crashes found in parsers owned by the probes package, kept here as strict xfails.

``str.isdigit()`` is true for ``²`` (and for numbers longer than ``int()`` converts),
so code that checks ``isdigit()`` and then calls ``int()`` raises ValueError instead
of the probe's own :class:`ProbeFailure`. When a fix lands these tests pass, and
``strict=True`` makes the xfail marker fail so that it gets removed.
"""

from __future__ import annotations

import asyncio

import pytest

from netwatch.probes.http import _content_length
from netwatch.probes.netutil import split_host_port
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.smtp import read_reply

ISDIGIT_BUT_NOT_INT = ["²", "9" * 5000]


@pytest.mark.xfail(strict=True, reason="probes/http.py: Content-Length '²' (latin-1 byte 0xB2) "
                   "passes isdigit() and int() raises ValueError")  # fmt: skip
@pytest.mark.parametrize("value", ISDIGIT_BUT_NOT_INT)
def test_http_content_length(value: str) -> None:
    with pytest.raises(ProbeFailure):
        _content_length({"content-length": value})


@pytest.mark.xfail(strict=True, reason="probes/netutil.py: target 'host:²' passes isdigit() "
                   "and int() raises ValueError, not ProbeFailure")  # fmt: skip
@pytest.mark.parametrize("value", ISDIGIT_BUT_NOT_INT)
def test_target_port(value: str) -> None:
    with pytest.raises(ProbeFailure):
        split_host_port(f"example.org:{value}")


async def _reply(data: bytes) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    await read_reply(reader, ProbeResult())


@pytest.mark.xfail(strict=True, reason="probes/smtp.py: reply code '²²²' passes isdigit() "
                   "and int() raises ValueError, not ProbeFailure")  # fmt: skip
def test_smtp_reply_code() -> None:
    with pytest.raises(ProbeFailure):
        asyncio.run(_reply("²²² hello\r\n".encode()))
