"""Which Linux release a host runs (os-release) and when its support ends (data/eol.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import Field, Strict, TypeAdapter, ValidationError, model_validator

from netwatch.core.settings import StrictModel
from netwatch.hostaccess import Files

OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")
EOL_TABLE = "netwatch/posture/data/eol.yaml"
_EOL_RESOURCE = "data/eol.yaml"

DEBIAN_LIKE = frozenset({"debian", "ubuntu"})
RHEL_LIKE = frozenset({"rhel", "centos", "fedora", "rocky", "almalinux", "ol"})


@dataclass(frozen=True)
class OsRelease:
    """The fields of an os-release file and the line each was read from."""

    path: str
    fields: dict[str, str]
    lines: dict[str, int]

    def get(self, key: str) -> str:
        """The value of ``key``, empty when absent."""
        return self.fields.get(key, "")

    def source(self, key: str) -> str:
        """Where ``key`` was read (``/etc/os-release:3``), or the file when absent."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else self.path

    @property
    def family(self) -> str | None:
        """``debian`` or ``rhel`` for the package tooling of the distribution, else None."""
        ids = {self.get("ID").lower(), *self.get("ID_LIKE").lower().split()}
        if ids & DEBIAN_LIKE:
            return "debian"
        if ids & RHEL_LIKE:
            return "rhel"
        return None


def parse_os_release(text: str, path: str) -> OsRelease:
    """Parse ``KEY=value`` lines (values optionally quoted, shell style)."""
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        key, sep, value = line.partition("=")
        if line.startswith("#") or not sep or not key.isidentifier():
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = re.sub(r"\\(.)", r"\1", value)
        fields[key] = value
        lines[key] = number
    return OsRelease(path, fields, lines)


def read_os_release(files: Files) -> OsRelease | None:
    """The host's os-release (``/etc`` first, then ``/usr/lib``); None when neither exists."""
    for path in OS_RELEASE_PATHS:
        text = files.read_text_or_none(path)
        if text is not None:
            return parse_os_release(text, path)
    return None


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
