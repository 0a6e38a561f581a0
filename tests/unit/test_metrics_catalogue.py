"""The metrics references (README, docs/metrics.vi.md) and the metrics the agent really emits
agree."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from netwatch.agent import build_collectors
from netwatch.collectors.catalogue import catalogue, render_markdown
from netwatch.collectors.registry import builtin_specs
from netwatch.devtools import metrics_docs
from netwatch.engine import Engine
from netwatch.hostaccess import HostAccess
from tests.conftest import offline_config
from tests.probes.ntp_servers import NtpResponder

README = Path(__file__).parents[2] / "README.md"
VIETNAMESE = Path(__file__).parents[2] / "docs" / "metrics.vi.md"


def test_readme_reference_is_generated_from_code() -> None:
    text = README.read_text()
    match = re.search(r"<!-- metrics:start -->\n(.*?)<!-- metrics:end -->", text, re.S)
    assert match, "README lacks the metrics markers"
    assert match.group(1) == render_markdown(), (
        "README metrics table is stale: run python -m netwatch.devtools regen"
    )


def test_vietnamese_reference_is_generated_from_code() -> None:
    assert VIETNAMESE.read_text(encoding="utf-8") == metrics_docs.render(), (
        "docs/metrics.vi.md is stale: run python -m netwatch.devtools regen"
    )


@pytest.mark.integration  # runs the whole engine on this host, an SNTP server on loopback
def test_every_emitted_family_is_catalogued_and_vice_versa() -> None:
    with NtpResponder() as time_source:
        config = offline_config(
            f"collectors:\n  clock:\n    server: 127.0.0.1:{time_source.port}\n"
        )
        families = _gather_everything(config)
    emitted = {
        f.name + ("_total" if f.type == "counter" else "_info" if f.type == "info" else "")
        for f in families
    }
    catalogued = {spec.name for _, spec in catalogue()}
    # Collectors off by default (lan) check their own families in their tests; so does the
    # hardware collector, whose families depend on the machine (a VM has no DMI identity, no
    # TPM, no activation): tests/assets/test_hardware_collector.py sees each on a fixture.
    off = {spec.name for c in builtin_specs() if not c.default_enabled or c.name == "hardware"
           for spec in c.metrics}  # fmt: skip
    assert emitted - catalogued == set(), "emitted but not in the catalogue"
    assert catalogued - emitted - off == set(), "catalogued but never emitted on Linux"


def _gather_everything(config: object) -> list:
    """A scrape once every scheduled collector has a snapshot."""
    engine = Engine(build_collectors(config, HostAccess()))  # type: ignore[arg-type]
    engine.start()
    try:
        deadline = time.monotonic() + 120
        families = engine.gather(budget=10)
        wanted = {"netwatch_software_installed_packages", "netwatch_posture_score_ratio",
                  "netwatch_clock_offset_seconds"}  # fmt: skip
        while not wanted <= {f.name for f in families}:
            assert time.monotonic() < deadline, "scheduled collectors never produced a snapshot"
            time.sleep(0.1)
            families = engine.gather(budget=10)
    finally:
        engine.stop()
    return families


def test_names_follow_conventions() -> None:
    for _, spec in catalogue():
        assert spec.name.startswith("netwatch_")
        assert spec.help.strip(), spec.name
        assert "type" not in spec.labels
        assert not re.search(r"_(milliseconds|kilobytes|megabytes|percent)", spec.name)
