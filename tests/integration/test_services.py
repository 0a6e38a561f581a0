"""Service probes end to end: a real ``netwatch serve`` probing real loopback servers."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, http_get, netwatch_argv, wait_until
from tests.probes.http_servers import PASSWORD, TOKEN, running_server

CONFIG_SECRET = "cfg-literal-Secret-4411"


def metrics(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    _, _, body = http_get(f"{url}/metrics")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get(name, {}).get(tuple(sorted(labels.items())))


@pytest.fixture
def web() -> Iterator[str]:
    with running_server() as base:
        yield base


def write_config(tmp_path: Path, base: str, black_hole_port: int) -> Path:
    config = tmp_path / "services.yaml"
    config.write_text(
        f"""\
collectors:
  services:
    interval: 1s
    probe_timeout: 3s
services:
  - name: portal
    prober: http
    target: {base}/ok
  - name: missing-page
    prober: http
    target: {base}/notfound
  - name: qlvb-basic
    prober: http
    target: {base}/auth
    http:
      basic_auth: {{username: officeadmin, password_env: TEST_QLVB_PASSWORD}}
  - name: api-token
    prober: http
    target: {base}/bearer
    http:
      bearer_token_env: TEST_API_TOKEN
  - name: literal-secret
    prober: http
    target: {base}/ok
    http:
      basic_auth: {{username: someone, password: {CONFIG_SECRET}}}
  - name: black-hole
    prober: tcp
    target: 127.0.0.1:{black_hole_port}
    timeout: 3s
    tcp:
      expect: "^220"
  - name: closed-port
    prober: tcp
    target: 127.0.0.1:{free_port()}
    labels: {{site: annex}}
"""
    )
    return config


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP server that accepts connections and never says anything."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def secrets_env() -> Iterator[dict[str, str]]:
    env = {"TEST_QLVB_PASSWORD": PASSWORD, "TEST_API_TOKEN": TOKEN}
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield env
    for key, previous in old.items():
        if previous is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = previous


def test_probes_through_metrics(tmp_path, web, black_hole, secrets_env, serve_factory) -> None:
    config = write_config(tmp_path, web, black_hole)
    serve = serve_factory("-c", str(config))

    def all_reported() -> bool:
        return len(metrics(serve.url).get("netwatch_probe_success", {})) == 7

    assert wait_until(all_reported, timeout=20), serve.log()
    found = metrics(serve.url)
    success = {dict(k)["service"]: v for k, v in found["netwatch_probe_success"].items()}
    assert success == {
        "portal": 1, "missing-page": 0, "qlvb-basic": 1, "api-token": 1,
        "literal-secret": 1, "black-hole": 0, "closed-port": 0,
    }  # fmt: skip
    assert value(found, "netwatch_probe_http_status_code", service="portal", kind="http") == 200
    assert value(found, "netwatch_probe_http_status_code", service="missing-page",
                 kind="http") == 404  # fmt: skip
    failures = "netwatch_probe_failures_total"
    assert value(found, failures, service="missing-page", kind="http", reason="status") >= 1
    assert value(found, failures, service="black-hole", kind="tcp", reason="timeout") >= 1
    assert value(found, failures, service="closed-port", kind="tcp", reason="refused") >= 1
    phases = {dict(k)["phase"] for k in found["netwatch_probe_duration_seconds"]
              if dict(k)["service"] == "portal"}  # fmt: skip
    assert {"total", "resolve", "connect", "first_byte"} <= phases
    info = {dict(k)["service"]: dict(k) for k in found["netwatch_probe_info"]}
    assert info["closed-port"]["site"] == "annex"
    assert info["portal"]["target"] == f"{web}/ok"
    assert value(found, "netwatch_collector_success", collector="services") == 1


def test_black_hole_delays_neither_other_probes_nor_scrapes(
    tmp_path, web, black_hole, secrets_env, serve_factory
) -> None:
    config = write_config(tmp_path, web, black_hole)
    serve = serve_factory("-c", str(config))
    last_run = "netwatch_probe_last_run_timestamp_seconds"
    assert wait_until(lambda: value(metrics(serve.url), last_run, service="portal", kind="http"))
    seen: set[float] = set()
    latencies = []
    deadline = time.monotonic() + 4.5  # spans a whole black-hole timeout (3 s)
    while time.monotonic() < deadline:
        start = time.monotonic()
        found = metrics(serve.url)
        latencies.append(time.monotonic() - start)
        seen.add(value(found, last_run, service="portal", kind="http") or 0)
        time.sleep(0.2)
    assert len(seen) >= 3, "portal is probed every second while the black hole hangs"
    assert max(latencies) < 1.0, f"slowest scrape {max(latencies):.2f}s"
    duration = value(metrics(serve.url), "netwatch_probe_duration_seconds", service="black-hole",
                     kind="tcp", phase="total")  # fmt: skip
    assert duration is not None and 2.9 < duration < 4.0, duration


def test_secrets_never_leave_the_agent(
    tmp_path, web, black_hole, secrets_env, serve_factory, monkeypatch
) -> None:
    config = write_config(tmp_path, web, black_hole)
    monkeypatch.setenv("NETWATCH_DEBUG", "1")  # the most verbose logs
    serve = serve_factory("-c", str(config))
    assert wait_until(
        lambda: len(metrics(serve.url).get("netwatch_probe_success", {})) == 7, timeout=20
    )
    time.sleep(1.5)  # a few rounds of probes and log lines
    outputs = {
        "/metrics": http_get(f"{serve.url}/metrics")[2].decode(),
        "/metrics (OpenMetrics)": http_get(
            f"{serve.url}/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"}
        )[2].decode(),
        "serve log": serve.log(),
    }
    for command in (["config", "show", "-c", str(config)],
                    ["check", "-c", str(config), "--format", "json"],
                    ["check", "-c", str(config)]):  # fmt: skip
        result = subprocess.run(netwatch_argv(*command), capture_output=True, text=True,
                                timeout=60, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
        outputs[" ".join(command[:2])] = result.stdout + result.stderr
    for where, text in outputs.items():
        for secret in (PASSWORD, TOKEN, CONFIG_SECRET):
            assert secret not in text, f"secret leaked into {where}"
    assert "qlvb-basic" in outputs["check -c"] and "<redacted>" in outputs["config show"]


def test_check_exit_codes_and_json(tmp_path, web) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(f"services:\n  - {{name: portal, prober: http, target: '{web}/ok'}}\n")
    result = subprocess.run(netwatch_argv("check", "-c", str(good), "--format", "json"),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["up"], document["down"]) == (1, 0)
    record = document["results"][0]
    assert record["service"] == "portal" and record["values"]["http_status_code"] == 200

    down = subprocess.run(
        netwatch_argv("check", "--url", f"{web}/notfound", "--tcp", f"127.0.0.1:{free_port()}"),
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert down.returncode == 1
    assert "DOWN (status)" in down.stdout and "DOWN (refused)" in down.stdout
    assert "0 up, 2 down" in down.stdout

    up = subprocess.run(netwatch_argv("check", "--url", f"{web}/ok"), capture_output=True,
                        text=True, timeout=60)  # fmt: skip
    assert up.returncode == 0 and "1 up, 0 down" in up.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nosuch", "-c", "{good}"], "unknown service(s): nosuch; configured: portal"),
        (["check", "--url", "ftp://x/"], "--url ftp://x/: use an http:// or https:// URL"),
        (["check", "--tcp", "no-port-here"], "--tcp no-port-here: expected HOST:PORT"),
        (["check", "-c", "{bad}"], "services.0.prober: unknown prober 'htp'"),
        (["check", "portal", "--url", "http://127.0.0.1/"], "not both"),
    ],
)
def test_check_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("services:\n  - {name: portal, prober: http, target: 'http://127.0.0.1:9/'}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  - {name: portal, prober: htp, target: 'http://127.0.0.1:9/'}\n")
    argv = [a.format(good=good, bad=bad) for a in args]
    result = subprocess.run(netwatch_argv(*argv), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
