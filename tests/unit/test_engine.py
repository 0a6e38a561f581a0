"""The engine: failures are data, hung collectors time out, snapshots are served."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from netwatch.engine import Engine, EngineCollector
from netwatch.engine.runner import CollectorRunner
from netwatch.engine.scheduler import ScheduledWorker
from tests.conftest import wait_until


class Constant:
    def __init__(self, name: str, value: float = 1.0) -> None:
        self.name, self.value, self.calls = name, value, 0

    def collect(self) -> Iterator[Metric]:
        self.calls += 1
        yield GaugeMetricFamily(self.name, "test gauge", value=self.value)


class Raising:
    def collect(self) -> Iterator[Metric]:
        raise RuntimeError("disk on fire")


class Forbidden:
    def collect(self) -> Iterator[Metric]:
        raise PermissionError(13, "Permission denied", "/etc/shadow")


class Hanging:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = 0

    def collect(self) -> Iterator[Metric]:
        self.started += 1
        self.release.wait(30)
        yield GaugeMetricFamily("test_late", "too late", value=1)


def samples(families: list[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def value(families: list[Metric], name: str, **labels: str) -> float | None:
    return samples(families).get((name, tuple(sorted(labels.items()))))


def test_failures_are_reported_and_others_still_served() -> None:
    hanging = Hanging()
    engine = Engine(
        [
            EngineCollector("good", Constant("test_good", 7)),
            EngineCollector("boom", Raising()),
            EngineCollector("denied", Forbidden()),
            EngineCollector("slow", hanging, timeout=0.2),
        ]
    )
    start = time.monotonic()
    families = engine.gather(budget=5)
    elapsed = time.monotonic() - start
    hanging.release.set()
    assert elapsed < 2, "a hung collector must not hold the scrape past its timeout"
    assert value(families, "test_good") == 7
    assert value(families, "test_late") is None
    success = {name: value(families, "netwatch_collector_success", collector=name)
               for name in ("good", "boom", "denied", "slow")}  # fmt: skip
    assert success == {"good": 1, "boom": 0, "denied": 0, "slow": 0}
    failures = "netwatch_collector_failures_total"
    assert value(families, failures, collector="boom", reason="error") == 1
    assert value(families, failures, collector="denied", reason="permission") == 1
    assert value(families, failures, collector="slow", reason="timeout") == 1
    assert value(families, "netwatch_collector_last_success_timestamp_seconds", collector="good")
    assert value(families, "netwatch_collector_last_success_timestamp_seconds",
                 collector="boom") is None  # fmt: skip


def test_scrape_budget_caps_collector_timeout() -> None:
    hanging = Hanging()
    engine = Engine([EngineCollector("slow", hanging, timeout=30)])
    start = time.monotonic()
    families = engine.gather(budget=0.3)
    assert time.monotonic() - start < 1.5
    hanging.release.set()
    assert value(families, "netwatch_collector_success", collector="slow") == 0


def test_hung_collector_is_not_started_again_until_it_returns() -> None:
    hanging = Hanging()
    engine = Engine([EngineCollector("slow", hanging, timeout=0.1)])
    engine.gather(budget=5)
    engine.gather(budget=5)
    families = engine.gather(budget=5)
    assert hanging.started == 1, "no thread pile-up behind a hung collector"
    assert value(families, "netwatch_collector_failures_total", collector="slow",
                 reason="timeout") == 3  # fmt: skip
    hanging.release.set()
    time.sleep(0.1)
    engine.gather(budget=5)
    assert hanging.started == 2


def test_failure_is_logged_once_per_reason(caplog) -> None:
    engine = Engine([EngineCollector("boom", Raising())])
    with caplog.at_level("INFO", logger="netwatch.engine"):
        for _ in range(5):
            engine.gather(budget=5)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["collector boom failed (error): RuntimeError: disk on fire"]


def test_scheduled_collector_serves_snapshot_without_waiting() -> None:
    counter = Constant("test_scheduled", 3)
    engine = Engine([EngineCollector("bg", counter, timeout=1, interval=0.05)])
    engine.start()
    try:
        deadline = time.monotonic() + 5
        while counter.calls < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        families = engine.gather(budget=5)
    finally:
        engine.stop()
    assert counter.calls >= 3, "scheduled collector runs on its own interval"
    assert value(families, "test_scheduled") == 3
    assert value(families, "netwatch_collector_success", collector="bg") == 1


class FlakyAfterFirst:
    def __init__(self) -> None:
        self.calls = 0

    def collect(self) -> Iterator[Metric]:
        self.calls += 1
        if self.calls > 1:
            raise OSError("database locked")
        yield GaugeMetricFamily("test_flaky", "first run only", value=42)


def test_scheduled_failure_keeps_last_good_snapshot_and_says_so() -> None:
    flaky = FlakyAfterFirst()
    engine = Engine([EngineCollector("flaky", flaky, timeout=1, interval=0.05)])
    engine.start()
    try:
        deadline = time.monotonic() + 5
        while flaky.calls < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.02)
        families = engine.gather(budget=5)
    finally:
        engine.stop()
    assert value(families, "test_flaky") == 42
    assert value(families, "netwatch_collector_success", collector="flaky") == 0
    assert value(families, "netwatch_collector_failures_total", collector="flaky",
                 reason="error") >= 1  # fmt: skip


def test_hanging_scheduled_collector_never_blocks_scrape() -> None:
    hanging = Hanging()
    engine = Engine(
        [EngineCollector("bg", hanging, timeout=0.2, interval=60),
         EngineCollector("good", Constant("test_good"))]
    )  # fmt: skip
    engine.start()
    try:
        start = time.monotonic()
        families = engine.gather(budget=5)
        assert time.monotonic() - start < 0.5
        assert value(families, "test_good") == 1
        time.sleep(0.4)
        families = engine.gather(budget=5)
        assert value(families, "netwatch_collector_success", collector="bg") == 0
    finally:
        hanging.release.set()
        engine.stop()


def test_a_huge_interval_does_not_kill_the_worker() -> None:
    # 999999d overflowed threading's wait and ended the thread with OverflowError.
    runs: list[int] = []

    class Counting:
        def collect(self) -> list[Metric]:
            runs.append(1)
            return []

    worker = ScheduledWorker(CollectorRunner("huge", Counting()), 999999 * 86400.0, 5.0)
    worker.start()
    assert wait_until(lambda: worker.latest is not None)
    assert worker.latest is not None and worker.latest.success
    time.sleep(0.2)
    assert worker._thread.is_alive(), "the worker must be waiting, not dead"
    worker.stop()
    worker.join(2)
    assert not worker._thread.is_alive() and runs == [1]


def _threads_named(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_collectors_queued_behind_a_hung_one_still_run_in_that_scrape() -> None:
    hanging = Hanging()
    after = Constant("test_after", 3)
    engine = Engine(
        [
            EngineCollector("slow", hanging, timeout=0.2),
            EngineCollector("after", after, timeout=0.2),
        ]
    )
    before = len(_threads_named("collectors-live"))
    try:
        start = time.monotonic()
        families = engine.gather(budget=5)
        elapsed = time.monotonic() - start
        assert value(families, "test_after") == 3, "moved to a new lane thread, not timed out"
        assert value(families, "netwatch_collector_success", collector="after") == 1
        assert value(families, "netwatch_collector_success", collector="slow") == 0
        assert elapsed < 1.5
        for _ in range(5):
            families = engine.gather(budget=5)
            assert value(families, "test_after") == 3
        assert hanging.started == 1
        # The hung run keeps one thread; later scrapes share one more, not one each.
        assert len(_threads_named("collectors-live")) - before == 2
    finally:
        hanging.release.set()
        engine.stop()


def test_concurrent_scrapes_each_get_every_collector() -> None:
    engine = Engine([EngineCollector(f"c{i}", Constant(f"test_c{i}", i)) for i in range(6)])
    results: list[list[Metric]] = []

    def scrape() -> None:
        for _ in range(20):
            results.append(engine.gather(budget=5))

    scrapers = [threading.Thread(target=scrape) for _ in range(4)]
    for scraper in scrapers:
        scraper.start()
    for scraper in scrapers:
        scraper.join(30)
    engine.stop()
    assert len(results) == 80
    for families in results:
        assert [value(families, f"test_c{i}") for i in range(6)] == [0, 1, 2, 3, 4, 5]


def test_stop_ends_the_collector_threads() -> None:
    engine = Engine(
        [
            EngineCollector("live", Constant("test_live")),
            EngineCollector("snap", Constant("test_snap"), interval=60),
        ]
    )
    before = set(_threads_named("collectors-live"))
    engine.start()
    engine.gather(budget=5)
    assert wait_until(lambda: bool(_threads_named("collector-snap")))
    live = set(_threads_named("collectors-live")) - before
    assert len(live) == 1
    engine.stop()
    assert wait_until(lambda: not any(t.is_alive() for t in live))
    assert wait_until(lambda: not _threads_named("collector-snap"))
    engine.gather(budget=5)  # a scrape that was still running when the engine stopped
    assert wait_until(lambda: set(_threads_named("collectors-live")) <= before)
