"""A running agent: posture's watchdog metrics move, and its finished children are reaped."""

from __future__ import annotations

from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import http_get, wait_until

LAST_RUN = "netwatch_collector_last_run_timestamp_seconds"
NEXT_RUN = "netwatch_collector_next_run_timestamp_seconds"


def posture_times(url: str) -> tuple[float | None, float | None]:
    _, _, body = http_get(f"{url}/metrics", timeout=10)
    found = {
        s.name: s.value
        for f in text_string_to_metric_families(body.decode())
        for s in f.samples
        if s.labels.get("collector") == "posture"
    }
    return found.get(LAST_RUN), found.get(NEXT_RUN)


def test_posture_runs_are_watched_and_reaped(tmp_path: Path, serve_factory) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(
        "services: []\ncollectors:\n  software:\n    enabled: false\n  posture:\n    interval: 1s\n"
    )
    serve = serve_factory("-c", str(config))
    agent = psutil.Process(serve.process.pid)
    seen: list[float] = []

    def another_run() -> bool:
        last, following = posture_times(serve.url)
        if last is not None and last not in seen:
            assert following is not None and following >= last + 1
            seen.append(last)
        return len(seen) >= 3

    assert wait_until(another_run, timeout=90, interval=0.5), serve.log()
    assert seen == sorted(seen)
    # Every posture child that ended was waited for: no zombie among the agent's children.
    assert [c for c in agent.children() if c.status() == psutil.STATUS_ZOMBIE] == []
    children = agent.children(recursive=True)
    assert serve.stop() == 0
    assert wait_until(lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE
                                      for c in children), timeout=10)  # fmt: skip
