"""When a Linux release's support ends (data/eol.yaml).

Which release a host runs is the ``os_release`` fact (:mod:`netwatch.facts.os_release`).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import Field, Strict, TypeAdapter, ValidationError, model_validator

from netwatch.core.settings import StrictModel

EOL_TABLE = "netwatch/posture/data/eol.yaml"
_EOL_RESOURCE = "data/eol.yaml"

Date = Annotated[dt.date, Strict()]


class EolRelease(StrictModel):
    """The support dates of one release."""

    codename: str = ""
    end: Date
    extended: Date | None = None

    @model_validator(mode="after")
    def _extended_after_end(self) -> EolRelease:
        if self.extended is not None and self.extended < self.end:
            raise ValueError("extended must not be earlier than end")
        return self


class EolDistro(StrictModel):
    """A distribution (keyed by its os-release ID) and its releases."""

    name: str = Field(min_length=1)
    end_means: str = Field(min_length=1)
    extended_means: str = ""
    source: str = Field(min_length=1)
    releases: dict[str, EolRelease] = Field(min_length=1)

    @model_validator(mode="after")
    def _extended_explained(self) -> EolDistro:
        if not self.extended_means and any(r.extended for r in self.releases.values()):
            raise ValueError("extended dates are listed: say what they are in extended_means")
        return self

    def release(self, version_id: str) -> tuple[str, EolRelease] | None:
        """The entry for ``version_id``: exact (``22.04``), else its major part (``9.4`` -> 9)."""
        for key in (version_id, version_id.split(".")[0]):
            if key in self.releases:
                return key, self.releases[key]
        return None


class EolTableError(ValueError):
    """The end-of-life table is malformed; the message names the key."""


_TABLE = TypeAdapter(dict[str, EolDistro])


def parse_eol_table(text: str, source: str = EOL_TABLE) -> dict[str, EolDistro]:
    """Validate an end-of-life table (YAML); raise :class:`EolTableError` naming the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EolTableError(f"{source}: not valid YAML: {exc}") from None
    except RecursionError:
        raise EolTableError(f"{source}: not valid YAML: nested too deeply") from None
    except ValueError:  # PyYAML converting an integer beyond Python's digit limit
        raise EolTableError(f"{source}: not valid YAML: a number too long to read") from None
    try:
        return _TABLE.validate_python(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or '(top)'}: {problem['msg']}"
            for problem in exc.errors()
        ]
        hint = " (quote version keys and write dates as YYYY-MM-DD)"
        raise EolTableError(f"{source}: {'; '.join(problems)}{hint}") from None


@cache
def eol_table() -> dict[str, EolDistro]:
    """The built-in end-of-life table shipped with netwatch."""
    text = resources.files("netwatch.posture").joinpath(_EOL_RESOURCE).read_text(encoding="utf-8")
    return parse_eol_table(text)
