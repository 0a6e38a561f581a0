"""Posture verdicts against the real programs (sshd, sudo, useradd, apt-config).

``NETWATCH_PROGRAMS_ROOT``: the Debian root printed by ``python -m
tests.differential.programs_root`` (tests/run.sh builds it before pytest, with the
network). Tests copy what they change and run the programs chrooted into a copy, so
the cached root is never changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.roots import configured_root


@pytest.fixture(scope="session")
def programs_root() -> Path:
    """The cached Debian root with openssh-server, sudo, passwd, login and apt."""
    if os.geteuid() != 0:
        pytest.skip("running programs chrooted into a root needs root")
    return configured_root("NETWATCH_PROGRAMS_ROOT", "python -m tests.differential.programs_root")


@pytest.fixture(scope="session")
def openssh84_root() -> Path:
    """The cached Debian 11 root with OpenSSH 8.4's sshd."""
    if os.geteuid() != 0:
        pytest.skip("running programs chrooted into a root needs root")
    return configured_root("NETWATCH_OPENSSH84_ROOT", "python -m tests.differential.openssh84_root")
