"""Running programs inside a Debian root that a test built (tests/packaging/testroot.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def configured_root(variable: str, how: str) -> Path:
    """The folder an environment variable names; the test is skipped, saying how, when unset."""
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} is not set: run {how} first (tests/run.sh does)")
    return Path(value)


def in_root(root: Path, *argv: str) -> list[str]:
    """argv running ``argv`` chrooted into ``root`` with its own /proc (a mount namespace)."""
    unshare = shutil.which("unshare")
    assert unshare, "unshare missing (Debian: util-linux)"
    return [unshare, "--mount", "--mount-proc", f"--root={root}", "--", *argv]
