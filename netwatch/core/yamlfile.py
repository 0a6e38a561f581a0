"""Read small YAML files and turn validation errors into clear, located messages.

Used by every YAML file netwatch reads: the agent config, posture policies and
framework mappings, the known-devices list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

MAX_CONFIG_BYTES = 4 * 1024 * 1024
# libyaml's loader when available: ten times faster on large service lists.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file."""

    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.location}: {self.message}" if self.location else where + self.message


class ConfigError(Exception):
    """A config file is unreadable or invalid; ``problems`` lists every issue found."""

    def __init__(self, source: str, problems: Iterable[ConfigProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, each naming the file."""
        return [f"{self.source}: {problem}" for problem in self.problems]


def _key_lines(node: yaml.Node, path: tuple[Any, ...], found: dict[tuple[Any, ...], int]) -> None:
    """Record the 1-based line of every mapping key and sequence item below ``node``."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            found[path + (key,)] = key_node.start_mark.line + 1
            _key_lines(value_node, path + (key,), found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found[path + (index,)] = item.start_mark.line + 1
            _key_lines(item, path + (index,), found)


def _line_for(location: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """The line of the deepest known part of ``location``."""
    for end in range(len(location), 0, -1):
        line = lines.get(tuple(location[:end]))
        if line is not None:
            return line
    return None


def _problem(error: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> ConfigProblem:
    location = tuple(error["loc"])
    dotted = ".".join(str(part) for part in location)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "value_error":
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    else:
        message = f"{error['msg']} (got {error['input']!r})" if "input" in error else error["msg"]
    return ConfigProblem(dotted, message, _line_for(location, lines))


def parse_yaml(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """A YAML mapping and the line of each key in it; :class:`ConfigError` when malformed."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [ConfigProblem("", f"invalid YAML: {problem}", line)]) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigProblem("", "the file must be a mapping of settings", 1)])
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _key_lines(node, (), lines)
    return data, lines


def validation_problems(
    error: ValidationError, lines: dict[tuple[Any, ...], int], prefix: tuple[Any, ...] = ()
) -> list[ConfigProblem]:
    """One located problem per pydantic error; ``prefix`` is where the validated data sits."""
    problems = []
    for item in error.errors():
        located = {**item, "loc": (*prefix, *item["loc"])}
        problems.append(_problem(located, lines))
    return sorted(problems, key=lambda p: p.line or 0)


def read_text_file(path: str | Path) -> str:
    """A small UTF-8 config file's text; :class:`ConfigError` naming the file otherwise."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(source, [ConfigProblem("", f"cannot read file: {reason}")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(source, [ConfigProblem("", "file is larger than 4 MiB")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [ConfigProblem("", f"not UTF-8 text ({exc.reason})")]) from None
