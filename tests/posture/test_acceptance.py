"""Issue acceptance: hardened hosts pass every check, weak hosts fail every check, live run is clean."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.core import Metric

from netwatch.collectors.posture import (
    RESULTS,
    PostureCollector,
    PostureSettings,
    PostureWorkerError,
    posture_families,
    run_worker,
)
from netwatch.core.selfcommand import netwatch_argv
from netwatch.hostaccess import HostAccess
from netwatch.posture.model import Status
from netwatch.posture.policy import load_policy
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from netwatch.posture.serialize import posture_document
from tests.helpers.posture_hosts import POSTURE_FIXTURES, recorded_host

REPO = Path(__file__).parents[2]
DAY = 86400.0


@pytest.fixture
def fixture_policy(tmp_path: Path) -> Path:
    """The baseline plus the fixture hosts' backup location, with backup file ages set."""
    now = time.time()
    for fresh in ("srv/backup/daily/files-latest.tar.zst", "mnt/offline-usb/weekly.tar.zst"):
        os.utime(POSTURE_FIXTURES / "linux-hardened" / fresh, (now - DAY, now - DAY))
    stale = POSTURE_FIXTURES / "linux-weak/srv/backup/files-2024-01-01.tar.gz"
    os.utime(stale, (now - 40 * DAY, now - 40 * DAY))
    path = tmp_path / "fixture-policy.yaml"
    path.write_text(
        "name: fixture\nextends: builtin:baseline\nchecks:\n"
        "  common.backup.locations_exist: {params: {paths: [/srv/backup, /mnt/offline-usb]}}\n"
        "  common.backup.recent: {params: {paths: [/srv/backup, /mnt/offline-usb]}}\n"
    )
    return path


def linux_ids() -> set[str]:
    return {c.meta.id for c in all_checks() if "linux" in c.meta.platforms}


def windows_ids() -> set[str]:
    return {c.meta.id for c in all_checks() if "windows" in c.meta.platforms}


def test_enough_checks_on_both_platforms() -> None:
    assert len(all_checks()) >= 30
    assert len(linux_ids()) >= 15 and len(windows_ids()) >= 15


@pytest.mark.parametrize(("host", "expected"), [("linux-hardened", Status.passed),
                                                ("linux-weak", Status.failed)])  # fmt: skip
def test_linux_fixture_hosts(fixture_policy: Path, host: str, expected: Status) -> None:
    results = run_policy(load_policy(fixture_policy), recorded_host(host), platform="linux")
    assert {r.meta.id for r in results} == linux_ids()
    wrong = {r.meta.id: (r.status.value, r.outcome.reason) for r in results
             if r.status is not expected}  # fmt: skip
    assert wrong == {}
    for result in results:
        assert result.outcome.evidence, f"{result.meta.id} gave no evidence"
        assert all(e.source and e.observed for e in result.outcome.evidence), result.meta.id


@pytest.mark.parametrize(("host", "expected"), [("windows-hardened", Status.passed),
                                                ("windows-weak", Status.failed),
                                                ("windows-weak-vi", Status.failed)])  # fmt: skip
def test_windows_recorded_hosts(fixture_policy: Path, host: str, expected: Status) -> None:
    access = recorded_host(host)
    results = run_policy(load_policy(fixture_policy), access, platform="windows")
    windows = {r.meta.id: r for r in results if r.meta.id.startswith("windows.")}
    assert set(windows) == windows_ids() - {"common.backup.locations_exist", "common.backup.recent"}
    wrong = {i: (r.status.value, r.outcome.reason) for i, r in windows.items()
             if r.status is not expected}  # fmt: skip
    assert wrong == {}


def test_windows_verdicts_do_not_depend_on_display_language(fixture_policy: Path) -> None:
    policy = load_policy(fixture_policy)
    english = run_policy(policy, recorded_host("windows-weak"), platform="windows")
    vietnamese = run_policy(policy, recorded_host("windows-weak-vi"), platform="windows")
    assert [(r.meta.id, r.status) for r in english] == [(r.meta.id, r.status) for r in vietnamese]


def samples(families: list[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def test_posture_metrics_for_the_weak_host(fixture_policy: Path) -> None:
    policy = load_policy(fixture_policy)
    results = run_policy(policy, recorded_host("linux-weak"), platform="linux")
    found = samples(posture_families(posture_document(policy.name, results), 1_790_000_000.0))
    key = (("category", "network"), ("check", "linux.ssh.root_login"), ("result", "fail"),
           ("severity", "high"))  # fmt: skip
    assert found[("netwatch_posture_check_result", key)] == 1.0
    assert (("netwatch_posture_check_result", key[:2] + (("result", "pass"),) + key[3:])
            not in found), "only the current result's series is exported"  # fmt: skip
    results = [k for k in found if k[0] == "netwatch_posture_check_result"]
    assert len(results) == len({dict(k[1])["check"] for k in results}), "one series per check"
    assert found[("netwatch_posture_score_ratio", ())] == 0.0, "every check failed"
    assert found[("netwatch_posture_checks", (("result", "fail"),))] == len(linux_ids())
    assert found[("netwatch_posture_last_run_timestamp_seconds", ())] == 1_790_000_000.0
    assert found[("netwatch_posture_policy_info", (("policy", "fixture"),))] == 1.0


def test_every_shipped_policy_loads() -> None:
    for path in sorted((REPO / "configs" / "policies").glob("*.yaml")):
        policy = load_policy(path)
        assert policy.selected, path


def test_all_checks_on_this_machine() -> None:
    """The live run: pass, fail or not_applicable with a reason; an error only with a cause."""
    results = run_policy(load_policy(None), HostAccess())
    assert results
    for result in results:
        if result.status is Status.not_applicable:
            assert result.outcome.reason, result.meta.id
        if result.status is Status.error:
            pytest.fail(f"{result.meta.id}: error: {result.outcome.reason}")
        if result.status in (Status.passed, Status.failed):
            assert result.outcome.evidence or result.outcome.reason, result.meta.id


def test_the_collector_runs_the_checks_in_a_child_process(fixture_policy: Path) -> None:
    settings = PostureSettings.model_validate({"policy": str(fixture_policy), "concurrency": 2})
    root = POSTURE_FIXTURES / "linux-weak"
    collector = PostureCollector(settings, HostAccess.for_root(root))
    assert collector.argv()[-2:] == ["--root", str(root)]
    found = samples(list(collector.collect()))
    key = (("category", "network"), ("check", "linux.ssh.root_login"), ("result", "fail"),
           ("severity", "high"))  # fmt: skip
    assert found[("netwatch_posture_check_result", key)] == 1.0
    counted = sum(found[("netwatch_posture_checks", (("result", r),))] for r in RESULTS)
    assert counted == len(linux_ids())


def test_a_failing_child_is_a_collector_error(tmp_path: Path) -> None:
    with pytest.raises(PostureWorkerError, match="exited with 2: .*not-there.yaml"):
        run_worker(netwatch_argv("posture", "--format", "json", "--policy",
                                 str(tmp_path / "not-there.yaml")), 60)  # fmt: skip
    with pytest.raises(PostureWorkerError, match="did not finish within 1s"):
        run_worker([sys.executable, "-c", "import time; time.sleep(10)"], 1)
    with pytest.raises(PostureWorkerError, match="printed no JSON document"):
        run_worker([sys.executable, "-c", "print('hello')"], 10)
