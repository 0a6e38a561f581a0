"""Every Windows check, fed hostile PowerShell JSON and registry values on a recorded machine.

PowerShell answers every query in one batch (``{"query": {"out": "<JSON>"}}``): each
query's JSON is replaced by garbage, by JSON of any shape, or by the real answer
with one value changed; then the batch's whole output is replaced. Registry keys get
values of every registry type (numbers past 32 bits, lone surrogates, bytes, lists).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.checks._powershell import batch_argv
from netwatch.posture.model import Check
from tests.fuzz.hosts import (
    WINDOWS_HOSTS,
    assert_sound,
    checks_for,
    inputs_read,
    run_check,
)
from tests.fuzz.strategies import (
    EVIL_TOKENS,
    host_text,
    json_text,
    json_texts,
    json_values,
    registry_values,
)
from tests.helpers.posture_hosts import POSTURE_FIXTURES, merged_recordings
from tests.helpers.powershell import Parts, batch_recording, batch_stdout, load_parts
from tests.helpers.recorded import RecordedCommands

READS = [reads for reads in inputs_read(WINDOWS_HOSTS, "windows") if reads.live]
BATCH = " ".join(batch_argv())
POWERSHELL_CHECKS = sorted(
    {reads.check.meta.id: reads.check for reads in READS if BATCH in reads.commands}.values(),
    key=lambda c: c.meta.id,
)
WINDOWS_CHECKS = checks_for("windows")


def _parts(host: str) -> Parts:
    return load_parts(POSTURE_FIXTURES / f"{host}.windows.powershell.json")


QUERIES = sorted(_parts("windows-weak"))


def _registry_runs() -> dict[str, tuple[Check, ...]]:
    runs: dict[str, dict[str, Check]] = defaultdict(dict)
    for reads in READS:
        for key in reads.registry:
            runs[key][reads.check.meta.id] = reads.check
    return {key: tuple(found.values()) for key, found in sorted(runs.items())}


REGISTRY_RUNS = _registry_runs()


def windows_host(host: str, parts: Parts | None = None, stdout: str | None = None,
                 returncode: int = 0, registry: dict[str, Any] | None = None) -> HostAccess:  # fmt: skip
    """A recorded Windows machine whose batch answers ``parts`` (or prints ``stdout``)."""
    recording = batch_recording(parts if parts is not None else _parts(host), returncode)
    if stdout is not None:
        recording[BATCH]["stdout"] = stdout
    keys = merged_recordings(host, "registry")
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(recording),
        registry=RecordedRegistry({**keys, **(registry or {})}),
        live=True,
    )


def _answer(query: str, host: str) -> st.SearchStrategy[dict[str, Any]]:
    """A query's answer: near the recorded JSON, an error, or a malformed part."""
    recorded = _parts(host)[query].get("out")
    original = json.loads(recorded) if recorded else None
    return st.one_of(
        json_texts(original).map(lambda text: {"out": text}),
        json_texts(original).map(lambda text: {"out": text}),
        st.builds(lambda message: {"error": message}, json_values),
        json_values.map(lambda value: {"out": value}),
        json_values,
    )


@pytest.mark.parametrize("query", QUERIES)
@given(data=st.data())
def test_checks_survive_any_powershell_answer(query: str, data: st.DataObject) -> None:
    host = data.draw(st.sampled_from(WINDOWS_HOSTS), label="host")
    parts = {**_parts(host), query: data.draw(_answer(query, host), label=query)}
    for check in POWERSHELL_CHECKS:
        assert_sound(run_check(check, windows_host(host, parts)), check)


@given(
    stdout=st.one_of(
        host_text,
        json_values.map(json_text),
        st.builds(lambda extra: batch_stdout(_parts("windows-weak")) + extra, host_text),
        st.builds(
            lambda parts: batch_stdout(parts),
            st.dictionaries(st.sampled_from(QUERIES), json_values),
        ),
    ),
    returncode=st.sampled_from([0, 0, 1, -196608, 2**32 - 1]),
)
@example(stdout="[" * 100_000, returncode=0)
@example(stdout='{"defender_status": {"out": ' + "9" * 5000 + "}}", returncode=0)
def test_checks_survive_any_batch_output(stdout: str, returncode: int) -> None:
    for check in POWERSHELL_CHECKS:
        assert_sound(
            run_check(check, windows_host("windows-weak", stdout=stdout, returncode=returncode)),
            check,
        )


@pytest.mark.parametrize("key", sorted(REGISTRY_RUNS))
@given(data=st.data())
def test_checks_survive_any_registry_value(key: str, data: st.DataObject) -> None:
    host = data.draw(st.sampled_from(WINDOWS_HOSTS), label="host")
    original = merged_recordings(host, "registry").get(key, {})
    values = data.draw(registry_values(original), label=key)
    access = windows_host(host, registry={key: values})
    for check in REGISTRY_RUNS[key]:
        assert_sound(run_check(check, access), check)


@given(names=st.lists(st.sampled_from(EVIL_TOKENS) | st.text(max_size=30), max_size=4))
def test_checks_survive_odd_user_hives(names: list[str]) -> None:
    """Loaded user hives (HKU\\<SID>) with names that are not SIDs."""
    hives = {f"HKU\\{name}\\Control Panel\\Desktop": {"ScreenSaveActive": "1"} for name in names}
    for check in WINDOWS_CHECKS:
        assert_sound(run_check(check, windows_host("windows-weak", registry=hives)), check)
