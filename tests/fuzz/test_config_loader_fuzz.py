"""The agent config loader fed garbage, near-valid YAML and the example file corrupted.

Whatever the text, :func:`parse_config_text` returns a config or raises
:class:`ConfigError` whose every output line names the file, and it answers quickly.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.config.loader import parse_config_text
from netwatch.config.model import config_model
from netwatch.core.yamlfile import ConfigError
from tests.fuzz.strategies import host_text, mutated
from tests.fuzz.yamltext import yaml_documents

SOURCE = "/etc/netwatch/fuzz.yaml"
EXAMPLE = (Path(__file__).parents[2] / "configs" / "netwatch.example.yaml").read_text()
MAX_SECONDS = 5.0


def _property_names(schema: Any) -> set[str]:
    """Every key the config schema names, at any depth."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                found.update(value)
            found |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _property_names(value)
    return found


KEYS = tuple(sorted(_property_names(config_model().model_json_schema())))


def assert_config_or_clear_error(text: str, source: str = SOURCE) -> None:
    """The loader's contract: a config, or one located line per problem, all naming ``source``."""
    started = time.monotonic()
    try:
        config = parse_config_text(text, source)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must say what is wrong"
        lines = str(exc).split("\n")
        assert lines == exc.lines()
        for line in lines:
            assert line.startswith(f"{source}: "), line
            assert line.isprintable(), f"a problem line holds control characters: {line!r}"
    else:
        assert isinstance(config, config_model())
    assert time.monotonic() - started < MAX_SECONDS, "the loader took too long"


@given(st.text(max_size=400) | host_text)
@example("")
@example("\x00")
@example("- a\n- b\n")
@example("!!binary Zm9v\n")
def test_arbitrary_text(text: str) -> None:
    assert_config_or_clear_error(text)


@given(yaml_documents(KEYS))
@example('"a\\nb": 1\n')
@example("server:\n  listen: !!python/object/apply:os.system [true]\n")
@example("server:\n  listen: '127.0.0.1:²'\n")
def test_structured_yaml_with_the_real_keys(text: str) -> None:
    assert_config_or_clear_error(text)


@given(mutated(EXAMPLE))
def test_the_example_file_corrupted(text: str) -> None:
    assert_config_or_clear_error(text)


SECRET_FILE = """probe_modules:
  m:
    prober: http
    allowed_targets: [intranet.example]
    http:
      basic_auth:
        username: u
        password: {value}
      bearer_token: {value}
"""
FAILING_TAGS = ("!!int ", "!!float ", "!!binary ", "!!timestamp ", "!!bool ", "!!null ", "!!set ",
                "!!python/name:os.system ", "!unknown ", "")  # fmt: skip


@given(
    st.sampled_from(FAILING_TAGS), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9!-]{5,39}", fullmatch=True)
)
@example("!!int ", "hunter2hunter2")
@example("!!float ", "correct-horse-battery")
def test_a_secret_value_is_never_echoed(tag: str, secret: str) -> None:
    text = SECRET_FILE.format(value=tag + secret)
    assert_config_or_clear_error(text)
    try:
        parse_config_text(text, SOURCE)
    except ConfigError as exc:
        assert secret not in str(exc), str(exc)
