"""Framework mappings (TCVN 11930:2017 groups, CIS-style ids): data users can edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import (
    ConfigError,
    ConfigProblem,
    parse_yaml,
    read_text_file,
    validation_problems,
)
from netwatch.posture.registry import all_checks


class ControlText(StrictModel):
    """A control's title in both report languages."""

    en: str
    vi: str


class FrameworkFile(StrictModel):
    """The YAML structure of a framework mapping file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    title: ControlText
    controls: dict[str, ControlText] = Field(default_factory=dict)
    mappings: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Framework:
    """A loaded framework: its controls and which controls each check supports."""

    id: str
    title: dict[str, str]
    controls: dict[str, dict[str, str]]
    mappings: dict[str, tuple[str, ...]]


def load_framework(path: Path) -> Framework:
    """Load and validate a framework file; every mapped control must be declared."""
    source = str(path)
    data, lines = parse_yaml(read_text_file(path), source)
    try:
        parsed = FrameworkFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, lines)) from None
    _check_controls(parsed, lines, source)
    return Framework(
        id=parsed.id,
        title=parsed.title.model_dump(),
        controls={key: text.model_dump() for key, text in parsed.controls.items()},
        mappings={check: tuple(controls) for check, controls in parsed.mappings.items()},
    )


def _check_controls(parsed: FrameworkFile, lines: dict[tuple[Any, ...], int], source: str) -> None:
    known = {c.meta.id for c in all_checks()}
    problems = [
        ConfigProblem(
            f"mappings.{check}",
            f"control {control!r} is not declared under controls",
            lines.get(("mappings", check)),
        )  # fmt: skip
        for check, controls in parsed.mappings.items()
        for control in controls
        if control not in parsed.controls
    ]
    problems += [
        ConfigProblem(f"mappings.{check}", "unknown check id", lines.get(("mappings", check)))
        for check in parsed.mappings
        if check not in known
    ]
    if problems:
        raise ConfigError(source, problems)
