"""``netwatch serve`` past its memory ceiling: one error line, a clean stop, exit code 75."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families

from netwatch.cli.errors import ExitCode
from tests.conftest import free_port, http_get, netwatch_argv, wait_until

CEILING = 16 * 2**20


def scrape(port: int) -> dict[str, float]:
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    families = text_string_to_metric_families(body.decode())
    return {s.name: s.value for f in families for s in f.samples if not s.labels}


def test_over_the_ceiling_the_agent_stops_cleanly_for_a_restart(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\nserver:\n  max_rss: 16MiB\n")
    port = free_port()
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as log:
        status = os.fstat(log.fileno())
        # As under systemd: standard error is "the journal".
        env = {**os.environ, "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"}
        process = subprocess.Popen(
            netwatch_argv("serve", "-c", str(config), "--listen", f"127.0.0.1:{port}"),
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )
    try:
        metrics: dict[str, float] = {}

        def over_counted() -> bool:
            nonlocal metrics
            try:
                metrics = scrape(port)
            except OSError:
                return False
            return metrics.get("netwatch_process_max_rss_exceeded_total", 0) >= 1

        assert wait_until(over_counted, timeout=30, interval=0.2), log_path.read_text()
        children = psutil.Process(process.pid).children(recursive=True)
        assert process.wait(60) == ExitCode.RESTART == 75
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert metrics["netwatch_process_max_rss_bytes"] == CEILING
    assert metrics["netwatch_process_resident_memory_bytes"] > CEILING
    lines = log_path.read_text().splitlines()
    errors = [line for line in lines if "ERROR" in line]
    assert len(errors) == 1, lines
    assert errors[0].startswith("<3>ERROR netwatch.agent: memory ceiling exceeded: resident ")
    assert "above server.max_rss 16.0 MiB for 3 checks" in errors[0]
    assert all(line.startswith("<") for line in lines), "journald lines carry a priority"
    assert "Traceback" not in log_path.read_text()
    assert "shutting down" not in log_path.read_text()  # the error line says why it stops
    # The posture run going on (if any) was stopped with the agent.
    assert wait_until(lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE
                                      for c in children), timeout=10)  # fmt: skip


def test_bad_ceilings_are_config_errors(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    for value, message in (
        ("1MiB", "server.max_rss: 1MiB is outside 16MiB-1024GiB"),
        ("lots", "server.max_rss: invalid size 'lots': use a number with a unit, e.g. 256MiB"),
    ):
        config.write_text(f"server:\n  max_rss: {value}\n")
        done = subprocess.run(netwatch_argv("serve", "-c", str(config)), capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == ExitCode.USAGE
        assert done.stderr == f"netwatch: config error: {config}: line 2: {message}" + (
            " (the agent itself needs about 50 MB; null for no ceiling)\n"
            if value == "1MiB"
            else ", 200MB or 1GiB\n"
        )


def run_on_a_thread(service) -> list[str]:
    """Run ``service`` on a thread of its own, as a Windows service does; its stop reason."""
    import threading

    reasons: list[str] = []
    thread = threading.Thread(target=lambda: reasons.append(service.run()))
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    return reasons


def test_the_service_off_the_main_thread(monkeypatch) -> None:
    import threading

    from netwatch.hostaccess import HostAccess
    from netwatch.service import AgentService
    from tests.conftest import offline_config

    monkeypatch.setattr("netwatch.service.MEMORY_CHECK_INTERVAL", 0.1)
    listen = f"server:\n  listen: 127.0.0.1:{free_port()}\n"
    config = offline_config(listen + "  max_rss: 16MiB\n")
    service = AgentService(config, lambda: config, HostAccess())
    assert run_on_a_thread(service) == ["memory"]
    assert service.memory.exceeded == 3

    # no ceiling: this process is pytest, whose memory after thousands of tests (over the
    # default ceiling in a full run) says nothing about the agent's
    config = offline_config(listen + "  max_rss: null\n")
    service = AgentService(config, lambda: config, HostAccess())
    threading.Timer(1.0, service.request_stop).start()
    assert run_on_a_thread(service) == ["asked"]
    assert service.memory.exceeded == 0
