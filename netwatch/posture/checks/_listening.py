"""Listening sockets are the ``listening`` fact (:mod:`netwatch.facts.listening`, read once
per run through ``ctx.facts.listening``).

Only tests/posture/test_linux_firewall.py still imports ``parse_ss`` from here: delete this
module once that import names :mod:`netwatch.facts.listening`.
"""

from __future__ import annotations

from netwatch.facts.listening import parse_ss

__all__ = ["parse_ss"]
