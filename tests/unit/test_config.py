"""Configuration loading, validation messages, example file, schema and masking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from netwatch.config.loader import load_config, parse_config_text
from netwatch.config.model import DEFAULT_LISTEN, config_model
from netwatch.config.render import MASK, effective, render_schema, render_yaml
from netwatch.core.paths import STATE_DIR_VARIABLE
from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import ConfigError

EXAMPLE = Path(__file__).parents[2] / "configs" / "netwatch.example.yaml"
SERVICES_EXAMPLE = EXAMPLE.with_name("services.example.yaml")

BAD = """\
server:
  listen: "127.0.0.1:8934"
  colour: blue
collectors:
  cpu:
    enabled: maybe
  software:
    interval: 5 minutes
"""


def test_defaults_without_file() -> None:
    config = load_config(None)
    assert config.server.listen == DEFAULT_LISTEN
    assert config.server.insecure is False
    assert config.collectors.software.interval == 3600
    assert config.collectors.cpu.enabled is True


def test_file_overrides_only_what_it_names() -> None:
    config = parse_config_text("collectors:\n  software:\n    interval: 5m\n", "t.yaml")
    assert config.collectors.software.interval == 300
    assert config.collectors.software.timeout == 60
    assert config.server.listen == DEFAULT_LISTEN


def test_each_problem_is_one_line_with_key_path_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_text(BAD, "bad.yaml")
    lines = caught.value.lines()
    assert lines == [
        "bad.yaml: line 3: server.colour: unknown key",
        "bad.yaml: line 6: collectors.cpu.enabled: Input should be a valid boolean, "
        "unable to interpret input (got 'maybe')",
        "bad.yaml: line 8: collectors.software.interval: invalid duration '5 minutes': "
        "use a number with a unit, e.g. 500ms, 30s, 5m, 1h, 1h30m",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server: [1, 2", "invalid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("collectors:\n  nosuch: {}\n", "collectors.nosuch: unknown key"),
        ("server:\n  listen: 'nonsense'\n", "expected HOST:PORT"),
        ("server:\n  listen: '127.0.0.1:99999'\n", "expected 1-65535"),
        ("collectors:\n  cpu:\n    timeout: 30\n", "expected a duration string"),
        ("collectors:\n  network:\n    exclude_interfaces: '('\n", "invalid regular expression"),
        ("server:\n  max_concurrent_requests: 0\n", "greater than or equal to 1"),
    ],
)
def test_invalid_values_are_named(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, "c.yaml")
    assert expected in str(caught.value)
    assert all(line.startswith("c.yaml: ") for line in caught.value.lines())


def test_unreadable_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config(tmp_path / "missing.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing set\n")
    assert load_config(empty) == load_config(None)


def test_example_config_is_valid_and_shows_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATE_DIR_VARIABLE)  # the example shows an agent's state paths
    assert load_config(EXAMPLE) == load_config(None)


def _keys(data: object, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return set()
    found = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        found.add(path)
        found |= _keys(value, path + ".")
    return found


def test_example_config_mentions_every_setting() -> None:
    text = EXAMPLE.read_text()
    example = yaml.safe_load(text)
    defaults = load_config(None).model_dump(mode="json")
    # services and probe_modules are shown commented out: their defaults are computed.
    computed = {"services", "probe_modules"}
    assert {k for k in _keys(defaults) if k.split(".")[0] not in computed} - _keys(example) == set()
    for key in computed:
        assert f"# {key}:" in text


def test_services_example_is_valid() -> None:
    config = load_config(SERVICES_EXAMPLE)
    probers = {service.prober for service in config.services}
    assert probers == {"http", "tcp", "tls", "dns", "icmp", "smtp", "ntp"}
    assert "intranet_2xx" in config.probe_modules


def test_show_round_trips_and_schema_describes_durations() -> None:
    shown = render_yaml(load_config(None))
    assert effective(parse_config_text(shown, "shown")) == effective(load_config(None))
    schema = json.loads(render_schema())
    assert schema["additionalProperties"] is False
    server = schema["$defs"]["ServerSettings"]["properties"]
    assert server["scrape_timeout"]["type"] == "string"
    assert "pattern" in server["scrape_timeout"]


class _Probe(StrictModel):
    name: str
    password: SecretStr


class _WithSecrets(StrictModel):
    token: SecretStr
    probes: list[_Probe]


def test_render_masks_secrets_at_every_depth() -> None:
    model = _WithSecrets(token="s3cret-token", probes=[{"name": "a", "password": "hunter2"}])
    shown = render_yaml(model)
    assert "s3cret-token" not in shown and "hunter2" not in shown
    assert yaml.safe_load(shown) == {"token": MASK, "probes": [{"name": "a", "password": MASK}]}


def test_model_is_cached_and_frozen() -> None:
    assert config_model() is config_model()
    config = load_config(None)
    with pytest.raises(ValueError):
        config.server.insecure = True  # type: ignore[misc]
