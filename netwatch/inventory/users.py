"""Logged-in user sessions."""

from __future__ import annotations

from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Session:
    """One login session (console, terminal or remote)."""

    user: str
    terminal: str
    host: str
    started: float


def gather_sessions() -> list[Session]:
    """Current login sessions."""
    return [
        Session(user=u.name, terminal=u.terminal or "", host=u.host or "", started=u.started)
        for u in psutil.users()
    ]
