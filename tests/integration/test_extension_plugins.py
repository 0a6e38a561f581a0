"""Acceptance of plugin discovery: a throwaway extension package adds a prober, a collector
and a check using only its own modules (tests/fixtures/plugins/nwplugin_demo), named in
``NETWATCH_PLUGINS``; they appear in config validation, /metrics, the docs and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port

PLUGINS = Path(__file__).parents[1] / "fixtures" / "plugins"
CONFIG = """\
collectors:
  demo: {enabled: true}
  posture: {interval: 1h}
services:
  - {name: demo-up, prober: demo, target: up}
  - {name: demo-down, prober: demo, target: down, demo: {expected: up}}
"""


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(PLUGINS), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "NETWATCH_PLUGINS": "nwplugin_demo"}


def _netwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netwatch", *args], env=_env(), text=True,
                          capture_output=True, timeout=120, check=False)  # fmt: skip


def test_config_validation_knows_the_extension(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    good = _netwatch("config", "check", str(config))
    assert good.returncode == 0, good.stderr
    config.write_text(CONFIG.replace("expected: up", "expectd: up"), encoding="utf-8")
    bad = _netwatch("config", "check", str(config))
    assert bad.returncode == 2 and "expectd" in bad.stderr
    without = subprocess.run([sys.executable, "-m", "netwatch", "config", "check",
                              str(config)], text=True, capture_output=True, timeout=120,
                             check=False)  # fmt: skip
    assert without.returncode == 2, "without NETWATCH_PLUGINS the prober is unknown"


def test_cli_runs_the_extension_prober_and_check(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    checked = _netwatch("check", "-c", str(config), "--format", "json")
    assert checked.returncode == 1, checked.stderr
    results = {r["service"]: r for r in json.loads(checked.stdout)["results"]}
    assert results["demo-up"]["success"] is True
    assert results["demo-down"]["reason"] == "refused"
    posture = _netwatch("posture", "--format", "json")
    ids = {r["id"]: r["status"] for r in json.loads(posture.stdout)["results"]}
    assert ids["demo.extension.loaded"] == "pass"


def test_docs_generation_includes_the_extension() -> None:
    script = "from netwatch.devtools.probe_docs import render; print(render())"
    docs = subprocess.run([sys.executable, "-c", script], env=_env(), text=True,
                          capture_output=True, timeout=120, check=True).stdout  # fmt: skip
    assert "## `demo`" in docs and "demo-service" in docs
    catalogue = subprocess.run(
        [sys.executable, "-m", "netwatch.collectors.catalogue"], env=_env(), text=True,
        capture_output=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert "`netwatch_demo_answer`" in catalogue


def test_metrics_serve_the_extension(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    port = free_port()
    agent = subprocess.Popen([sys.executable, "-m", "netwatch", "serve", "-c", str(config),
                              "--listen", f"127.0.0.1:{port}"], env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    body = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    body = r.read().decode("utf-8")
            except OSError:
                body = ""
            if 'service="demo-up"' in body and "demo.extension.loaded" in body:
                break
            time.sleep(0.3)
    finally:
        agent.terminate()
        _out, err = agent.communicate(timeout=30)
    assert "netwatch_demo_answer 42.0" in body, err.decode("utf-8", "replace")
    assert 'netwatch_probe_success{kind="demo",service="demo-up"} 1.0' in body
    assert 'netwatch_probe_success{kind="demo",service="demo-down"} 0.0' in body
    assert 'check="demo.extension.loaded"' in body
