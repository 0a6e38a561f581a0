"""Fixtures of the web config tests: a fresh PKI and loopback TLS servers."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.webconfig import PKI, LoopbackTLSServer, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> PKI:
    return make_pki(tmp_path)


@pytest.fixture
def tls_server() -> Iterator[Callable[[ssl.SSLContext], LoopbackTLSServer]]:
    """Start loopback TLS servers; each is closed after the test."""
    started: list[LoopbackTLSServer] = []

    def start(context: ssl.SSLContext) -> LoopbackTLSServer:
        server = LoopbackTLSServer(context)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
