"""The Windows lab for these tests: built by tests/run.sh, or here when missing."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.winlab.build import LabError, build, default_cache
from tests.winlab.lab import WinLab, lab_root


@pytest.fixture(scope="session")
def winlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WinLab]:
    """The lab, its hosts started on first use and stopped at the end of the session."""
    unavailable = os.environ.get("NETWATCH_WINLAB_SKIP")
    if unavailable:
        pytest.skip(f"Windows lab skipped: {unavailable}")
    root = lab_root()
    if root is None:
        try:
            root = build(default_cache())
        except LabError as exc:
            pytest.skip(f"Windows lab skipped: {exc}")
    lab = WinLab(root, tmp_path_factory.mktemp("winlab"))
    yield lab
    lab.stop()
