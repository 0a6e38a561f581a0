"""``netwatch serve`` as a real subprocess: start-up, refusals, reload and shutdown."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, http_get, netwatch_argv, wait_until
from tests.helpers.webconfig import cheap_hash

BAD_CONFIG = """\
server:
  colour: blue
collectors:
  cpu:
    enabled: maybe
  software:
    interval: 5 minutes
"""


def collectors_reported(body: bytes) -> dict[str, float]:
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "netwatch_collector_success":
            return {s.labels["collector"]: s.value for s in family.samples}
    return {}


def test_metrics_within_two_seconds_of_start(tmp_path: Path) -> None:
    port = free_port()
    start = time.monotonic()
    process = subprocess.Popen(
        # Default config, but no probing of the real gateway and resolvers from a test.
        netwatch_argv("serve", "--listen", f"127.0.0.1:{port}", "--disable", "services"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    body = b""
    try:

        def scraped() -> bool:
            nonlocal body
            try:
                status, _, body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=1)
            except OSError:
                return False
            return status == 200 and b"netwatch_host_info{" in body

        assert wait_until(scraped, timeout=10, interval=0.02)
        elapsed = time.monotonic() - start
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert elapsed < 2.0, f"first host metrics after {elapsed:.2f}s"
    assert b"netwatch_memory_total_bytes" in body
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr


def test_bad_config_exits_2_without_starting(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(BAD_CONFIG)
    port = free_port()
    result = subprocess.run(
        netwatch_argv("serve", "-c", str(config), "--listen", f"127.0.0.1:{port}"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"netwatch: config error: {config}: line 2: server.colour: unknown key",
        f"netwatch: config error: {config}: line 5: collectors.cpu.enabled: Input should be a "
        "valid boolean, unable to interpret input (got 'maybe')",
        f"netwatch: config error: {config}: line 7: collectors.software.interval: invalid "
        "duration '5 minutes': use a number with a unit, e.g. 500ms, 30s, 5m, 1h, 1h30m",
    ]
    assert result.stdout == ""


def test_config_check_same_file_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(BAD_CONFIG)
    result = subprocess.run(
        netwatch_argv("config", "check", str(config)), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 3
    assert "Traceback" not in result.stderr


def test_non_loopback_listen_refused_without_opt_in() -> None:
    result = subprocess.run(
        netwatch_argv("serve", "--listen", f"0.0.0.0:{free_port()}"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0" in result.stderr
    assert "--insecure" in result.stderr and "127.0.0.1" in result.stderr
    assert "--web-config" in result.stderr


def test_lan_listen_with_basic_auth_needs_no_insecure(tmp_path: Path) -> None:
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  prometheus: '{cheap_hash('s3cret')}'\n")
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\nserver:\n  web_config: web.yml\n")  # relative to the file
    port = free_port()
    process = subprocess.Popen(
        netwatch_argv("serve", "-c", str(config), "--listen", f"0.0.0.0:{port}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/-/healthy"
    token = base64.b64encode(b"prometheus:s3cret").decode()
    try:
        assert wait_until(lambda: _status(url, token) == 200, timeout=20)
        assert _status(url, None) == 401
        assert _status(url, base64.b64encode(b"prometheus:nope").decode()) == 401
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0 and b"Traceback" not in err


def _status(url: str, token: str | None) -> int:
    headers = {"Authorization": f"Basic {token}"} if token else {}
    try:
        return http_get(url, headers, timeout=2)[0]
    except OSError:
        return 0


def test_port_in_use_is_a_runtime_error(serve_factory) -> None:
    running = serve_factory()
    result = subprocess.run(
        netwatch_argv("serve", "--listen", f"127.0.0.1:{running.port}"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 3
    assert f"cannot listen on 127.0.0.1:{running.port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_collector_flag_is_a_usage_error() -> None:
    result = subprocess.run(
        netwatch_argv("serve", "--disable", "nosuch"), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unknown collector(s): nosuch" in result.stderr


def test_flags_enable_and_disable_collectors(serve_factory) -> None:
    serve = serve_factory("--disable", "software", "--disable", "network")
    _, _, body = http_get(f"{serve.url}/metrics")
    reported = collectors_reported(body)
    assert "software" not in reported and "network" not in reported
    assert reported["cpu"] == 1
    assert b"netwatch_network_up" not in body


def test_sighup_reloads_and_rejects_a_bad_config(serve_factory, tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\ncollectors:\n  software:\n    enabled: false\n")
    serve = serve_factory("-c", str(config))
    assert "software" not in collectors_reported(http_get(f"{serve.url}/metrics")[2])

    config.write_text("services: []\ncollectors:\n  users:\n    enabled: false\n")
    serve.process.send_signal(signal.SIGHUP)
    assert wait_until(
        lambda: "users" not in collectors_reported(http_get(f"{serve.url}/metrics")[2]), timeout=10
    ), serve.log()
    # software is scheduled: it reports once its first run in the background is done
    assert wait_until(
        lambda: "software" in collectors_reported(http_get(f"{serve.url}/metrics")[2]), timeout=10
    ), serve.log()

    config.write_text(BAD_CONFIG)
    serve.process.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "reload rejected" in serve.log(), timeout=10)
    assert serve.process.poll() is None, "a bad config on reload must not stop the agent"
    reported = collectors_reported(http_get(f"{serve.url}/metrics")[2])
    assert "users" not in reported and reported["cpu"] == 1
    assert "line 5: collectors.cpu.enabled" in serve.log()
    assert serve.stop() == 0
    assert "Traceback" not in serve.log()


def test_sigint_shuts_down_cleanly(serve_factory) -> None:
    serve = serve_factory()
    serve.process.send_signal(signal.SIGINT)
    assert serve.process.wait(10) == 0
    assert "shutting down" in serve.log()


def test_sighup_with_every_crashing_config_keeps_the_agent_serving(
    serve_factory, tmp_path: Path
) -> None:
    corpus = sorted((Path(__file__).parents[1] / "fixtures" / "crashers").glob("config-*"))
    assert len(corpus) >= 15
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\ncollectors:\n  software:\n    enabled: false\n")
    serve = serve_factory("-c", str(config))
    for rejected, crasher in enumerate(corpus, start=1):
        config.write_bytes(crasher.read_bytes())
        serve.process.send_signal(signal.SIGHUP)
        assert wait_until(
            lambda n=rejected: (
                serve.log().count("reload rejected, keeping the running config") >= n
            ),
            timeout=20,
        ), f"{crasher.name}:\n{serve.log()}"
        assert serve.process.poll() is None, f"{crasher.name} stopped the agent"
        status, _, body = http_get(f"{serve.url}/metrics")
        assert status == 200 and "software" not in collectors_reported(body), crasher.name
    assert serve.stop() == 0
    assert "Traceback" not in serve.log()


def test_config_check_reads_the_web_config_it_names(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("server:\n  listen: 0.0.0.0:8934\n  web_config: web.yml\n")
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  prometheus: '{cheap_hash('s3cret')}'\n")
    ok = subprocess.run(netwatch_argv("config", "check", str(config)), capture_output=True,
                        text=True, timeout=30)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    web.write_text("basic_auth_users:\n  prometheus: not-a-hash\n")
    bad = subprocess.run(netwatch_argv("config", "check", str(config)), capture_output=True,
                         text=True, timeout=30)  # fmt: skip
    assert bad.returncode == 2 and "web.yml: line 2: basic_auth_users.prometheus" in bad.stderr
    assert "not-a-hash" not in bad.stderr and "Traceback" not in bad.stderr


def test_serve_lifts_the_soft_open_files_limit(tmp_path: Path) -> None:
    import resource

    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\n")
    process = subprocess.Popen(
        netwatch_argv("serve", "-c", str(config), "--listen", f"127.0.0.1:{free_port()}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Lowering both limits is always allowed: soft 256, hard 4096.
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096)),
    )
    limits = Path(f"/proc/{process.pid}/limits")

    def soft_limit() -> int:
        line = next(x for x in limits.read_text().splitlines() if x.startswith("Max open files"))
        return int(line.split()[3])

    try:
        assert wait_until(lambda: soft_limit() == 4096, timeout=20)
    finally:
        process.terminate()
        process.wait(10)
