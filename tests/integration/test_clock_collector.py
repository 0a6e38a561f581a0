"""The clock collector against an SNTP responder on loopback, with this machine's adjtimex."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.collectors.clock import ClockCollector, ClockSettings
from netwatch.exporter.exposition import render
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.inventory.clock import adjtimex_status
from tests.probes.ntp_servers import Behaviour, NtpResponder

SHIFT = 2.5  # the responder's clock is this far ahead of ours


def host_with_chrony(root: Path, responder: NtpResponder) -> HostAccess:
    """A file tree whose chrony.conf names the responder (chrony's ``port`` option)."""
    conf = root / "etc" / "chrony" / "chrony.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f"server {responder.host} port {responder.port} iburst\nmakestep 1 3\n")
    return HostAccess(files=FileReader(root), registry=None, live=True)


def scrape(collector: ClockCollector) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The collector's output rendered by the exporter and parsed back: name -> labels -> value."""
    body, _ = render(list(collector.collect()), None, None)
    if shutil.which("promtool"):
        check = subprocess.run(["promtool", "check", "metrics"], input=body,
                               capture_output=True, timeout=30)  # fmt: skip
        assert check.returncode == 0 and check.stdout + check.stderr == b"", check
    return {
        sample.name: {tuple(sorted(sample.labels.items())): sample.value}
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_offset_sign_and_size_from_the_configured_source(tmp_path: Path) -> None:
    with NtpResponder(shift=SHIFT, stratum=3) as responder:
        collector = ClockCollector(ClockSettings(), host_with_chrony(tmp_path, responder))
        metrics = scrape(collector)
    assert len(responder.requests) == 1
    # Local minus source: the source is ahead, so the offset is negative.
    assert metrics["netwatch_clock_offset_seconds"][()] == pytest.approx(-SHIFT, abs=0.25)
    assert metrics["netwatch_clock_source_info"] == {
        (("source", f"127.0.0.1:{responder.port}"),): 1.0
    }
    assert metrics["netwatch_clock_source_stratum"][()] == 3
    assert metrics["netwatch_clock_source_delay_seconds"][()] >= 0


def test_sync_state_is_this_machines_adjtimex(tmp_path: Path) -> None:
    with NtpResponder() as responder:
        metrics = scrape(ClockCollector(ClockSettings(), host_with_chrony(tmp_path, responder)))
    kernel = adjtimex_status()
    assert metrics["netwatch_clock_synchronized"][()] == (1.0 if kernel.synchronized else 0.0)
    # The kernel caps maxerror at 16 s (NTP_PHASE_LIMIT): a misread struct timex would not.
    max_error = metrics["netwatch_clock_maxerror_seconds"][()]
    assert 0 <= max_error <= 16.0 and max_error == pytest.approx(kernel.max_error, abs=0.01)
    assert 0 <= metrics["netwatch_clock_estimated_error_seconds"][()] <= 16.0


def test_server_setting_overrides_the_configuration(tmp_path: Path) -> None:
    with NtpResponder(shift=-SHIFT) as configured, NtpResponder(shift=SHIFT) as chosen:
        settings = ClockSettings(server=chosen.target)
        metrics = scrape(ClockCollector(settings, host_with_chrony(tmp_path, configured)))
    assert configured.requests == [] and len(chosen.requests) == 1
    assert metrics["netwatch_clock_offset_seconds"][()] == pytest.approx(-SHIFT, abs=0.25)


@pytest.mark.parametrize(
    ("behaviour", "leap", "stratum", "words"),
    [
        ("silent", 0, 2, "no answer within 0.3s"),
        ("wrong_originate", 0, 2, "originate timestamp"),
        ("answer", 3, 2, "leap indicator 3"),
        ("answer", 0, 16, "stratum 16"),
    ],
)
def test_unusable_answer_leaves_the_offset_out_and_says_why_once(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    behaviour: Behaviour,
    leap: int,
    stratum: int,
    words: str,
) -> None:
    responder = NtpResponder(behaviour=behaviour, leap=leap, stratum=stratum)
    with responder, caplog.at_level(logging.WARNING, logger="netwatch.clock"):
        collector = ClockCollector(
            ClockSettings(query_timeout="300ms"), host_with_chrony(tmp_path, responder)
        )
        first, second = scrape(collector), scrape(collector)
    for metrics in (first, second):
        assert "netwatch_clock_offset_seconds" not in metrics
        assert "netwatch_clock_synchronized" in metrics
        assert metrics["netwatch_clock_source_info"] == {
            (("source", f"127.0.0.1:{responder.port}"),): 1.0
        }
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and words in warnings[0], warnings
