"""Read small YAML files and turn validation errors into clear, located messages.

Used by every YAML file netwatch reads: the agent config, posture policies and
framework mappings, the known-devices list. Nothing in a file can make the
reader raise anything but :class:`ConfigError`: aliases that expand beyond
``MAX_YAML_NODES`` values (a "billion laughs" file) or refer to themselves,
duplicate keys, values a tag cannot build and too deep nesting are all
refused with the line they are on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor

from netwatch.core.errors import one_line
from netwatch.core.secrets import is_secret_name, mask_text

MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_YAML_NODES = 250_000
"""Most values a file may hold once its aliases are expanded."""
MAX_SHOWN_INPUT = 60
_MERGE_TAG = "tag:yaml.org,2002:merge"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
M = TypeVar("M", bound=BaseModel)
# libyaml's loader when available: ten times faster on large service lists.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file."""

    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        """One printable line: control characters of keys and values are shown escaped."""
        where = f"line {self.line}: " if self.line else ""
        text = f"{where}{self.location}: {self.message}" if self.location else where + self.message
        return printable(text)


def printable(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped: one clean line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class ConfigError(Exception):
    """A config file is unreadable or invalid; ``problems`` lists every issue found."""

    def __init__(self, source: str, problems: Iterable[ConfigProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, each naming the file."""
        return [f"{self.source}: {problem}" for problem in self.problems]


KeyPath = tuple[Any, ...]


@dataclass
class _Shape:
    """What a walk over the composed YAML nodes found."""

    lines: dict[KeyPath, int] = field(default_factory=dict)
    paths: dict[int, tuple[yaml.Node, KeyPath]] = field(default_factory=dict)
    duplicates: list[ConfigProblem] = field(default_factory=list)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _path_to(root: yaml.Node, target: yaml.Node) -> KeyPath:
    """Where ``target`` first occurs below ``root``, visiting each distinct node once."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*path, _key(key))) for key, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in reversed(list(enumerate(node.value))))
    return ()


def _key(node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else "?"


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Refuse aliases that expand past ``MAX_YAML_NODES`` values or refer to themselves.

    Sizes are counted once per distinct node (aliases share nodes), so a nine-line
    alias bomb is refused in microseconds, before anything is built from it.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    message = ""
    while stack and not message:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_YAML_NODES:
                message = (f"aliases expand this value to more than {MAX_YAML_NODES:,} values "
                           "(a YAML alias bomb?)")  # fmt: skip
        elif key in open_nodes:
            message = "an alias refers to a value that contains it (recursive alias)"
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    if message:
        where = _dotted(_path_to(root, node))
        raise ConfigError(source, [ConfigProblem(where, message, _line(node))])


def _duplicate_keys(node: yaml.MappingNode, path: KeyPath) -> list[ConfigProblem]:
    """Keys given twice in one mapping (YAML would silently keep the last one)."""
    first: dict[tuple[str, str], int] = {}
    problems = []
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        ident = (key_node.tag, key_node.value)
        if ident in first:
            message = f"duplicate key (first given at line {first[ident]}; only one is allowed)"
            problems.append(
                ConfigProblem(_dotted((*path, key_node.value)), message, _line(key_node))
            )
        else:
            first[ident] = _line(key_node)
    return problems


def _walk(root: yaml.Node) -> _Shape:
    """Record the line of every key and item, where each node first occurs, and duplicates."""
    shape = _Shape()
    checked: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        shape.paths.setdefault(id(node), (node, path))
        entries: list[tuple[Any, yaml.Node, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            if id(node) not in checked:
                checked.add(id(node))
                shape.duplicates.extend(_duplicate_keys(node, path))
            entries = [(_key(key_node), key_node, value) for key_node, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            entries = [(index, item, item) for index, item in enumerate(node.value)]
        for key, mark_node, value_node in reversed(entries):
            child = (*path, key)
            shape.lines[child] = _line(mark_node)
            stack.append((value_node, child))
    return shape


def _construct_problem(exc: Exception, shape: _Shape) -> ConfigProblem:
    """Locate the value that could not be built: the first scalar that fails on its own."""
    for node, path in shape.paths.values():
        if not isinstance(node, yaml.ScalarNode):
            continue
        try:
            SafeConstructor().construct_object(node)
        except Exception as scalar_exc:  # noqa: BLE001 - any failure is the answer sought
            message = _tag_message(node, path, scalar_exc)
            return ConfigProblem(_dotted(path), message, _line(node))
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or one_line(exc)
    return ConfigProblem("", f"invalid YAML: {problem}", line)


def _tag_message(node: yaml.ScalarNode, path: KeyPath, exc: Exception) -> str:
    """Why a tagged value cannot be built, showing the value only when its key is not secret.

    The reason loses any quote of the whole value (``could not convert string to float:
    '...'``): the value is shown once, shortened and masked, or not at all.
    """
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    reason = getattr(exc, "problem", None) or str(exc) or one_line(exc)
    reason = reason.replace(f": {node.value!r}", "")
    if repr(node.value) in reason or (node.value and node.value in reason):
        reason = ""
    secret = any(is_secret_name(str(part)) for part in path)
    shown = "" if secret else f" {_shown(node.value)}"
    return f"invalid value{shown} for the tag {tag}" + (f": {reason}" if reason else "")


def _shown(value: Any) -> str:
    shown = mask_text(repr(value))
    return shown if len(shown) <= MAX_SHOWN_INPUT else shown[: MAX_SHOWN_INPUT - 3] + "..."


def _line_for(location: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """The line of the deepest known part of ``location``."""
    for end in range(len(location), 0, -1):
        line = lines.get(tuple(location[:end]))
        if line is not None:
            return line
    return None


def _problem(error: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> ConfigProblem:
    location = tuple(error["loc"])
    dotted = _dotted(location)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "value_error":
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    elif "input" not in error or any(is_secret_name(str(part)) for part in location):
        message = error["msg"]  # the input of a secret setting is never echoed
    else:
        message = f"{error['msg']} (got {_shown(error['input'])})"
    return ConfigProblem(dotted, message, _line_for(location, lines))


def _reader_problem(exc: yaml.reader.ReaderError, text: str) -> ConfigProblem:
    """A character YAML does not allow, located by line (the reader knows only its offset)."""
    line = len(_LINE_BREAK.findall(text, 0, exc.position)) + 1
    message = f"invalid YAML: character U+{exc.character:04X} is not allowed ({exc.reason})"
    return ConfigProblem("", message, line)


def _too_deep(source: str) -> ConfigError:
    return ConfigError(source, [ConfigProblem("", "nested too deeply")])


def parse_yaml(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """A YAML mapping and the line of each key in it; :class:`ConfigError` when malformed."""
    try:
        loader = _LOADER(text)
    except yaml.reader.ReaderError as exc:  # the pure-Python reader checks the text at once
        raise ConfigError(source, [_reader_problem(exc, text)]) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise ConfigError(source, [_reader_problem(exc, text)]) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or one_line(exc)
            raise ConfigError(
                source, [ConfigProblem("", f"invalid YAML: {problem}", line)]
            ) from None
        except RecursionError:
            raise _too_deep(source) from None
        if node is None:
            return {}, {}
        _check_expansion(node, source)
        shape = _walk(node)
        if shape.duplicates:
            raise ConfigError(source, shape.duplicates)
        try:
            data = loader.construct_document(node)
        except RecursionError:
            raise _too_deep(source) from None
        except Exception as exc:  # noqa: BLE001 - a tag's constructor may raise anything
            raise ConfigError(source, [_construct_problem(exc, shape)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigProblem("", "the file must be a mapping of settings", 1)])
    return data, shape.lines


def validation_problems(
    error: ValidationError, lines: dict[tuple[Any, ...], int], prefix: tuple[Any, ...] = ()
) -> list[ConfigProblem]:
    """One located problem per pydantic error; ``prefix`` is where the validated data sits."""
    problems = []
    for item in error.errors():
        located = {**item, "loc": (*prefix, *item["loc"])}
        problems.append(_problem(located, lines))
    return sorted(problems, key=lambda p: p.line or 0)


def validate_model(
    model: type[M],
    data: Any,
    lines: dict[tuple[Any, ...], int],
    source: str,
    prefix: tuple[Any, ...] = (),
) -> M:
    """``data`` validated as ``model``; any failure, foreseen or not, is a :class:`ConfigError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, lines, prefix)) from None
    except RecursionError:
        raise _too_deep(source) from None
    except Exception as exc:  # noqa: BLE001 - a validator's unforeseen failure is a bad file too
        problem = ConfigProblem(_dotted(prefix), f"cannot be validated: {one_line(exc)}")
        raise ConfigError(source, [problem]) from exc


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
