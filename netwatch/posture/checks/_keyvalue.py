"""``key = value`` configuration files of the account checks (pwquality.conf, faillock.conf).

Malformed lines are skipped, never fatal: the checks decide on what the programs
reading these files would understand.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """A value read from a configuration file, with where it was read."""

    value: str
    source: str


def parse_settings(text: str, path: str, spaced: bool = False) -> dict[str, Setting]:
    """``key = value`` settings (``KEY value`` when ``spaced``, as in login.defs); last wins.

    ``=`` keys are lower-cased (pwquality.conf, faillock.conf); spaced keys are kept
    as written. A bare word is a flag with the value "".
    """
    settings: dict[str, Setting] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if spaced:
            key, value = (line.split(None, 1) + [""])[:2]
        else:
            key, _, value = line.partition("=")
            key = key.strip().lower()
        if key and not any(char.isspace() for char in key):
            settings[key] = Setting(value.strip().strip('"'), f"{path}:{number}")
    return settings
