"""When a Linux release's support ends (data/eol.yaml).

Which release a host runs is the ``os_release`` fact (:mod:`netwatch.facts.os_release`).
What a distribution's ``end`` date means (``end_means``) is one of the wordings of
:data:`END_MEANINGS`, shown in the reader's language; a bad entry is a :class:`ConfigError`
naming the file and line.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field, RootModel, Strict, field_validator, model_validator

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import parse_yaml, validate_model
from netwatch.i18n import Message, msg

EOL_TABLE = "netwatch/posture/data/eol.yaml"
_EOL_RESOURCE = "data/eol.yaml"
# What a release's ``end`` is, as the data file writes it (its English) -> the text for readers
END_MEANINGS: dict[str, Message] = {
    "end of Debian LTS": msg("end of Debian LTS"),
    "end of standard security maintenance": msg("end of standard security maintenance"),
    "end of Maintenance Support": msg("end of Maintenance Support"),
    "end of security support": msg("end of security support"),
    "end of updates": msg("end of updates"),
    "end of General Support": msg("end of General Support"),
    "end of maintenance": msg("end of maintenance"),
}

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

    @field_validator("end_means")
    @classmethod
    def _known_meaning(cls, value: str) -> str:
        if value not in END_MEANINGS:
            raise ValueError(f"{value!r} is not a known wording: use one of {list(END_MEANINGS)}")
        return value

    @model_validator(mode="after")
    def _extended_explained(self) -> EolDistro:
        if not self.extended_means and any(r.extended for r in self.releases.values()):
            raise ValueError("extended dates are listed: say what they are in extended_means")
        return self

    @property
    def end_message(self) -> Message:
        """What ``end`` means, for readers (``end_means`` in their language)."""
        return END_MEANINGS[self.end_means]

    def release(self, version_id: str) -> tuple[str, EolRelease] | None:
        """The entry for ``version_id``: exact (``22.04``), else its major part (``9.4`` -> 9)."""
        for key in (version_id, version_id.split(".")[0]):
            if key in self.releases:
                return key, self.releases[key]
        return None


_TABLE = RootModel[dict[str, EolDistro]]


def parse_eol_table(text: str, source: str = EOL_TABLE) -> dict[str, EolDistro]:
    """Validate an end-of-life table (YAML); a bad one is a ConfigError naming the line."""
    data, lines = parse_yaml(text, source)
    return validate_model(_TABLE, data, lines, source).root


@cache
def eol_table() -> dict[str, EolDistro]:
    """The built-in end-of-life table shipped with netwatch."""
    text = resources.files("netwatch.posture").joinpath(_EOL_RESOURCE).read_text(encoding="utf-8")
    return parse_eol_table(text)
