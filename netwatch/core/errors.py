"""Errors every layer may raise for the CLI to report."""

from __future__ import annotations


class UsageError(Exception):
    """The requested setup cannot run as asked; the message says how to proceed."""


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (the type alone when there is no message)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__
