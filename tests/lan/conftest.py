"""The ``lab`` fixture: a namespace LAN per test module (see netns_lab.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.lan.netns_lab import Lab


def lab_unavailable() -> str | None:
    """Why a namespace lab cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "the namespace LAN needs root (ip netns add)"
    if shutil.which("ip") is None:
        return "the namespace LAN needs iproute2's ip command"
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    if listed.returncode:
        return f"ip netns is not available: {listed.stderr.strip()}"
    return None


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """55 hosts on 198.18.0.0/24 and a scanner namespace (lan0 = 198.18.0.2)."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    with Lab() as built:
        yield built
