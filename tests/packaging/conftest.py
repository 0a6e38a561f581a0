"""The Linux artefacts tests/run.sh builds before pytest, and ways to run them.

``NETWATCH_LINUX_DIST``: the folder printed by packaging/linux/build_deb.py (the
single executable, its ``glibc`` file and ``netwatch_<version>-1_<arch>.deb``).
``NETWATCH_DEB_TESTROOT``: the Debian root printed by ``python -m
tests.packaging.testroot``. Both are built with the network before the tests run
without one; a test that needs one that is missing is skipped, saying how to build it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.roots import configured_root

REPO = Path(__file__).resolve().parents[2]
BUILD_DEB = REPO / "packaging" / "linux" / "build_deb.py"
RUN_TIMEOUT = 120


@pytest.fixture(scope="session")
def linux_dist() -> Path:
    """The folder with the built executable and .deb."""
    return configured_root("NETWATCH_LINUX_DIST", "packaging/linux/build_deb.py")


@pytest.fixture(scope="session")
def executable(linux_dist: Path) -> Path:
    """The single executable."""
    return linux_dist / "netwatch"


@pytest.fixture(scope="session")
def cached_testroot() -> Path:
    """The cached Debian root (never changed: tests work on a copy)."""
    if os.geteuid() != 0:
        pytest.skip("installing a .deb into a root needs root")
    return configured_root("NETWATCH_DEB_TESTROOT", "python -m tests.packaging.testroot")


def copy_tree(source: Path, target: Path) -> None:
    """``cp -a``: keeps owners, modes, device nodes and links of a whole root."""
    subprocess.run(["cp", "-a", str(source), str(target)], check=True, timeout=RUN_TIMEOUT)


def build_deb(executable: Path, revision: int, output: Path) -> Path:
    """The .deb of ``executable`` with Debian revision ``revision``, built into ``output``."""
    argv = [sys.executable, str(BUILD_DEB), "--executable", str(executable),
            "--revision", str(revision), "--output", str(output)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=RUN_TIMEOUT)
    (package,) = output.glob(f"netwatch_*-{revision}_*.deb")
    return package
