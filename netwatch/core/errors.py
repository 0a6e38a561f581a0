"""Errors every layer may raise for the CLI to report."""

from __future__ import annotations


class UsageError(Exception):
    """The requested setup cannot run as asked; the message says how to proceed."""
