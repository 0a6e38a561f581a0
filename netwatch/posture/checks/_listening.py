"""Listening sockets are the ``listening`` fact (:mod:`netwatch.facts.listening`, read once
per run through ``ctx.facts.listening``); the names below are kept for older importers."""

from __future__ import annotations

from netwatch.facts.listening import SS_SOURCE, Listener, ListeningError, parse_ss

__all__ = ["SS_SOURCE", "Listener", "ListeningError", "parse_ss"]
