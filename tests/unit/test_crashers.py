"""Regression corpus: every input that once crashed netwatch, replayed through the real CLI.

Each file in tests/fixtures/crashers/ is named for what it is; ``config-*`` files go to
``netwatch config check``, ``report-*`` files to ``netwatch report render`` and
``lan-state-*`` files to the LAN state store. Each must give exit 2 (or, for state, a
fresh state and the file set aside) with one clear message and never a traceback.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from netwatch.lan.state import LanState, state_store
from tests.conftest import netwatch_argv

CORPUS = Path(__file__).parents[1] / "fixtures" / "crashers"
EXPECTED = {
    "config-billion-laughs.yaml": "line 6: f: aliases expand this value to more than 250,000",
    "config-binary-listen-address.yaml": "line 2: server.listen: invalid listen address 'ABC'",
    "config-ca-file-is-a-directory.yaml": "ca_file: CA file '/etc' does not exist or is not a",
    "config-ca-file-name-300-chars.yaml": "cannot be read: File name too long",
    "config-ca-file-not-pem.yaml": "ca_file: CA file '/etc/passwd' holds no usable PEM",
    "config-ca-file-path-5000-chars.yaml": "ca_file: CA file path is 5000 characters long; the",
    "config-duplicate-nested-key.yaml": "line 3: server.listen: duplicate key (first given at",
    "config-duplicate-top-level-key.yaml": "line 5: server: duplicate key (first given at line 1",
    "config-float-infinity.yaml": "line 4: collectors.lan.sweep.backoff: Input should be a finite",
    "config-float-tag-abc.yaml": "line 1: server: invalid value 'abc' for the tag !!float",
    "config-integer-5000-digits.yaml": "line 2: server.max_concurrent_requests: invalid value",
    "config-interval-999999d.yaml": "line 3: collectors.software.interval: invalid duration "
    "'999999d': longer than the 30d maximum",
    "config-nesting-10000-brackets.yaml": "line 1: invalid YAML: exceeded maximum nesting depth",
    "config-recursive-alias.yaml": "line 1: server: an alias refers to a value that contains it",
    "config-regex-2000-nested-groups.yaml": "is 4000 characters long; the limit is 1000",
    "config-regex-499-nested-groups.yaml": "is too complex to compile (maximum recursion depth",
    "config-regex-repeat-99999999999.yaml": "is too complex to compile (the repetition number",
    "report-inventory-addresses-are-text.json": "inventory.network_interfaces[0].addresses: ",
    "report-inventory-collected-at-is-a-number.json": "inventory.collected_at: Input should be",
    "report-inventory-cpu-is-a-list.json": "invalid report at inventory.cpu: Input should be",
    "report-inventory-disk-is-text.json": "invalid report at inventory.filesystems[0]: Input",
    "report-inventory-errors-is-text.json": "invalid report at inventory.errors: Input should",
    "report-inventory-packages-are-numbers.json": "invalid report at inventory.software[0]: ",
    "report-inventory-size-is-text.json": "inventory.filesystems[0].size: Input should be a valid "
    "integer (got 'abc')",
    "report-lone-surrogate.json": "invalid JSON: a string holds a lone surrogate",
    "report-nesting-10000-brackets.json": "invalid JSON: maximum recursion depth exceeded",
    "report-not-utf8.json": "not UTF-8 text (byte 0xff at offset",
    "lan-state-lone-surrogate.json": "holds text that is not valid Unicode",
    "lan-state-nan.json": "not valid JSON: NaN is not a JSON number",
    "lan-state-nesting-10000-brackets.json": "not valid JSON: nested too deeply",
    "lan-state-not-utf8.json": "not UTF-8 text (byte 0xff at offset",
    "lan-state-truncated.json": "not valid JSON: Unterminated string",
    "lan-state-wrong-types.json": "first_seen: Input should be a valid number",
}


def corpus(prefix: str) -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.name.startswith(prefix))


def test_every_corpus_file_has_an_expected_message() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir())


@pytest.mark.parametrize("name", corpus("config-") + corpus("report-"))
def test_the_cli_exits_2_with_one_clear_message(tmp_path: Path, name: str) -> None:
    source = CORPUS / name
    if name.startswith("config-"):
        argv = netwatch_argv("config", "check", str(source))
    else:
        argv = netwatch_argv("report", "render", str(source), "--output", str(tmp_path / "out"))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    [line] = output.strip().splitlines()
    assert line.startswith("netwatch: ") and str(source) in line
    assert EXPECTED[name] in line


@pytest.mark.parametrize("name", corpus("lan-state-"))
def test_a_broken_state_is_set_aside_and_the_store_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    path = tmp_path / "lan-state.json"
    shutil.copyfile(CORPUS / name, path)
    store = state_store(path)
    with caplog.at_level(logging.WARNING, logger="netwatch.lan"):
        assert store.load() == LanState()
        assert store.save()
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"LAN state file {path} is unreadable (" in warning and EXPECTED[name] in warning
    [aside] = tmp_path.glob("lan-state.json.corrupt-*")
    assert aside.read_bytes() == (CORPUS / name).read_bytes()
