"""The config loader turns every bad file into one located ConfigError, never a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from pydantic import field_validator
from typer.testing import CliRunner

from netwatch.cli.app import app
from netwatch.config.loader import parse_config_text
from netwatch.core import yamlfile
from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import ConfigError, parse_yaml, validate_model
from netwatch.durations import MAX_DURATION, parse_duration
from tests.helpers.certs import TestCA

# The classic nine levels: 9**9 (387 million) "lol"s once the aliases are expanded.
LOL_BOMB = (
    "a: &a ["
    + ", ".join(["lol"] * 9)
    + "]\n"
    + "".join(
        f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


def problems(text: str) -> list[str]:
    """The lines of the ConfigError that loading ``text`` as the agent config raises."""
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, "netwatch.yaml")
    return caught.value.lines()


def tls_module(ca_file: str) -> str:
    return f"probe_modules:\n  web:\n    prober: http\n    http:\n      tls:\n        ca_file: '{ca_file}'\n"


def test_a_billion_laughs_file_is_refused_fast_with_its_line() -> None:
    started = time.monotonic()
    found = problems(LOL_BOMB)
    assert time.monotonic() - started < 2
    assert len(found) == 1
    assert "line 6: f: aliases expand this value to more than 250,000 values" in found[0]


def test_a_recursive_alias_is_refused() -> None:
    assert problems("server: &s\n  listen: *s\n") == [
        "netwatch.yaml: line 1: server: an alias refers to a value that contains it "
        "(recursive alias)"
    ]


def test_ordinary_aliases_and_merge_keys_still_work() -> None:
    config = parse_config_text(
        "collectors:\n"
        "  cpu: &fast\n    enabled: true\n    timeout: 2s\n"
        "  memory:\n    <<: *fast\n    enabled: false\n"
        "  host: *fast\n",
        "netwatch.yaml",
    )
    assert config.collectors.cpu.timeout == 2.0
    assert config.collectors.memory.timeout == 2.0
    assert config.collectors.memory.enabled is False
    assert config.collectors.host.timeout == 2.0


def test_duplicate_keys_name_both_lines_at_any_level() -> None:
    found = problems(
        "server:\n  listen: 127.0.0.1:9000\n  listen: 127.0.0.1:9001\nlog: {}\nserver: {}\n"
    )
    assert found == [
        "netwatch.yaml: line 5: server: duplicate key (first given at line 1; only one is allowed)",
        "netwatch.yaml: line 3: server.listen: duplicate key (first given at line 2; only one is "
        "allowed)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server: !!float abc\n", "line 1: server: invalid value 'abc' for the tag !!float: "
                                  "could not convert string to float"),
        ("server:\n  listen: !!timestamp 2024-99-99\n",
         "line 2: server.listen: invalid value '2024-99-99' for the tag !!timestamp"),
        ("server:\n  max_concurrent_requests: " + "9" * 5000 + "\n",
         "line 2: server.max_concurrent_requests: invalid value '9999"),
        ("server: !!python/object:os.system {}\n", "line 1: invalid YAML: could not determine"),
        ("server:\n  ? [a, b]\n  : c\n", "line 2: invalid YAML: found unhashable key"),
        ("server:\n  listen: !!binary 'QUJD'\n", "line 2: server.listen: invalid listen address"),
    ],
)  # fmt: skip
def test_values_a_tag_cannot_build_are_located(text: str, expected: str) -> None:
    [found] = problems(text)
    assert found.startswith(f"netwatch.yaml: {expected}")


def test_deep_nesting_is_an_error_with_either_yaml_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "server: " + "[" * 10_000 + "]" * 10_000 + "\n"
    assert "nesting depth" in problems(text)[0]
    monkeypatch.setattr(yamlfile, "_LOADER", yaml.SafeLoader)  # the pure-Python one recurses
    assert problems(text) == ["netwatch.yaml: nested too deeply"]


def test_huge_durations_name_the_field_and_the_limit() -> None:
    assert problems("collectors:\n  software:\n    interval: 999999d\n") == [
        "netwatch.yaml: line 3: collectors.software.interval: invalid duration '999999d': "
        "longer than the 30d maximum"
    ]
    assert "shorter than the 1ms minimum" in problems("server:\n  scrape_timeout: 0.5ms\n")[0]
    huge = problems(f"server:\n  scrape_timeout: {'9' * 40}d\n")[0]  # float('9' * 400) is inf
    assert huge.endswith("longer than the 30d maximum")
    assert parse_duration("30d") == MAX_DURATION


@pytest.mark.parametrize("number", [".inf", ".nan", "1e999"])
def test_floats_must_be_finite(number: str) -> None:
    [found] = problems(f"collectors:\n  lan:\n    sweep:\n      backoff: {number}\n")
    assert found.startswith("netwatch.yaml: line 4: collectors.lan.sweep.backoff: Input should be")
    assert "finite" in found


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a{99999999999}", "is too complex to compile (the repetition number is too large)"),
        ("(" * 499 + ")" * 499, "is too complex to compile (maximum recursion depth exceeded"),
        ("(" * 2000 + ")" * 2000, "is 4000 characters long; the limit is 1000"),
        ("a" * 1001, "is 1001 characters long; the limit is 1000"),
        ("(unclosed", "invalid regular expression '(unclosed': missing ), unterminated subpattern"),
    ],
)
def test_regexes_are_bounded(pattern: str, expected: str) -> None:
    [found] = problems(f"collectors:\n  network:\n    exclude_interfaces: '{pattern}'\n")
    assert found.startswith("netwatch.yaml: line 3: collectors.network.exclude_interfaces: ")
    assert expected in found


def test_a_long_regex_within_the_limit_loads() -> None:
    pattern = "(" * 400 + ")" * 400
    config = parse_config_text(
        f"collectors:\n  network:\n    exclude_interfaces: '{pattern}'\n", "x"
    )
    assert config.collectors.network.exclude_interfaces == pattern


def test_ca_files_must_be_readable_pem(tmp_path: Path) -> None:
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    where = "netwatch.yaml: line 6: probe_modules.web.http.tls.ca_file: CA file "
    cases = {
        str(tmp_path): "does not exist or is not a file",
        str(not_pem): "holds no usable PEM certificates (NO_CERTIFICATE_OR_CRL_FOUND)",
        "/tmp/" + "a" * 5000: "path is 5005 characters long; the limit is 4096",
        "/tmp/" + "b" * 300: "cannot be read: File name too long",
    }
    for path, reason in cases.items():
        [found] = problems(tls_module(path))
        assert found.startswith(where) and found.endswith(reason), found
    ca = TestCA(tmp_path)
    config = parse_config_text(tls_module(str(ca.cert_path)), "netwatch.yaml")
    assert config.probe_modules["web"].http.tls.ca_file == str(ca.cert_path)


class _Touchy(StrictModel):
    path: str

    @field_validator("path")
    @classmethod
    def _stat(cls, value: str) -> str:
        Path(value).stat()  # raises OSError, which pydantic does not turn into an error
        return value


def test_an_unforeseen_validator_failure_is_a_config_error() -> None:
    data, lines = parse_yaml("path: /no/such/file\n", "touchy.yaml")
    with pytest.raises(ConfigError) as caught:
        validate_model(_Touchy, data, lines, "touchy.yaml")
    assert caught.value.lines() == [
        "touchy.yaml: cannot be validated: FileNotFoundError: [Errno 2] No such file or "
        "directory: '/no/such/file'"
    ]


def test_config_check_reports_an_unforeseen_failure_as_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import netwatch.agent

    def broken(config: object, secured: bool = False) -> str:
        raise RuntimeError("listen address resolver broke")

    monkeypatch.setattr(netwatch.agent, "listen_address", broken)
    file = tmp_path / "netwatch.yaml"
    file.write_text("log: {}\n")
    result = CliRunner().invoke(app, ["config", "check", str(file)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"netwatch: config error: {file}: cannot be checked: RuntimeError: listen address "
        "resolver broke"
    )
