"""Fuzz and property tests (hypothesis) for every parser of command output and config files."""
