"""Scheduled collectors report when their last run ended and when the next is due."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from netwatch.engine import Engine, EngineCollector
from netwatch.engine.engine import ProcessMemory
from tests.conftest import wait_until

LAST_RUN = "netwatch_collector_last_run_timestamp_seconds"
NEXT_RUN = "netwatch_collector_next_run_timestamp_seconds"


class Counting:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.runs = fail, 0

    def collect(self) -> Iterator[Metric]:
        self.runs += 1
        if self.fail:
            raise RuntimeError("broken")
        yield GaugeMetricFamily("test_value", "a value", value=self.runs)


class Hanging:
    def __init__(self) -> None:
        self.release = threading.Event()

    def collect(self) -> Iterator[Metric]:
        self.release.wait(30)
        yield GaugeMetricFamily("test_late", "too late", value=1)


def values(families: list[Metric], name: str) -> dict[str, float]:
    return {s.labels["collector"]: s.value for f in families for s in f.samples if s.name == name}


def test_last_and_next_run_of_every_scheduled_collector() -> None:
    good, bad = Counting(), Counting(fail=True)
    engine = Engine(
        [
            EngineCollector("live", Counting()),
            EngineCollector("good", good, timeout=5, interval=3600),
            EngineCollector("bad", bad, timeout=5, interval=3600),
        ]
    )
    before = time.time()
    engine.start()
    try:
        assert wait_until(lambda: good.runs and bad.runs and len(
            values(engine.gather(5), LAST_RUN)) == 2)  # fmt: skip
        families = engine.gather(5)
    finally:
        engine.stop()
    last, following = values(families, LAST_RUN), values(families, NEXT_RUN)
    # Live collectors run at every scrape: no watchdog series for them.
    assert set(last) == set(following) == {"good", "bad"}
    # A failed run is a run: its end counts as much as a successful one's.
    for name in ("good", "bad"):
        assert before <= last[name] <= time.time()
        assert last[name] + 3600 <= following[name] <= time.time() + 3600


def test_next_run_is_due_at_start_and_last_run_waits_for_the_end() -> None:
    hanging = Hanging()
    engine = Engine([EngineCollector("slow", hanging, timeout=30, interval=60)])
    before = time.time()
    engine.start()
    try:
        families = engine.gather(5)
        assert values(families, LAST_RUN) == {}
        assert before <= values(families, NEXT_RUN)["slow"] <= time.time()
        hanging.release.set()
        assert wait_until(lambda: "slow" in values(engine.gather(5), LAST_RUN))
        families = engine.gather(5)
    finally:
        engine.stop()
    assert values(families, NEXT_RUN)["slow"] >= values(families, LAST_RUN)["slow"] + 60


def test_a_worker_that_stopped_leaves_its_next_run_in_the_past() -> None:
    counting = Counting()
    engine = Engine([EngineCollector("sched", counting, timeout=5, interval=0.05)])
    engine.start()
    assert wait_until(lambda: counting.runs >= 2)
    engine.stop()  # the worker thread ends, as if it had died
    runs = counting.runs
    due = values(engine.gather(5), NEXT_RUN)["sched"]
    assert wait_until(lambda: time.time() > due + 0.2)
    families = engine.gather(5)
    assert values(families, NEXT_RUN)["sched"] == due
    assert counting.runs == runs


def test_process_memory_metrics() -> None:
    memory = ProcessMemory(16 * 2**20)
    engine = Engine([], memory)
    rss, over = memory.check()
    assert rss > 16 * 2**20 and over  # a Python process with pytest loaded
    samples = {s.name: s.value for f in engine.gather(5) for s in f.samples}
    assert samples["netwatch_process_max_rss_bytes"] == 16 * 2**20
    assert samples["netwatch_process_max_rss_exceeded_total"] == 1
    assert samples["netwatch_process_resident_memory_bytes"] > 16 * 2**20
    unlimited = {s.name: s.value for f in Engine([]).gather(5) for s in f.samples}
    assert unlimited["netwatch_process_max_rss_bytes"] == 0
    assert ProcessMemory(None).check()[1] is False
