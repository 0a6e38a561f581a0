"""How netwatch starts another netwatch process (the posture worker, for one)."""

from __future__ import annotations

import sys


def netwatch_argv(*args: str) -> list[str]:
    """argv that runs the netwatch CLI with ``args``, from a venv or a frozen executable."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "netwatch", *args]
