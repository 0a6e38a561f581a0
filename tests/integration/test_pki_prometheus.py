"""Go's TLS stack accepts ``netwatch tls`` certificates: a real Prometheus scrapes an HTTPS
server on loopback that requires the office client certificate and basic auth, and fails
to scrape with no client certificate or against a server of another office CA."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import free_port, http_get, wait_until
from tests.pki.conftest import tls

PASSWORD = "mật-khẩu-prometheus"
METRICS = b"# TYPE netwatch_pki_oracle gauge\nnetwatch_pki_oracle 1\n"


class MetricsHandler(BaseHTTPRequestHandler):
    """``/metrics`` for a request with the right basic-auth password, 401 otherwise."""

    expected = "Basic " + base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(METRICS)))
        self.end_headers()
        self.wfile.write(METRICS)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the hook's name
        return


@contextmanager
def https_server(directory: Path) -> Iterator[int]:
    """An mTLS HTTPS server on 127.0.0.1 with the ``localhost`` certificate of ``directory``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "localhost.crt", directory / "localhost.key")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(directory / "ca.crt")
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetricsHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def issue_all(tmp_path: Path) -> tuple[Path, Path]:
    office, other = tmp_path / "office", tmp_path / "other"
    for directory in (office, other):
        for args in (
            ["init"],
            ["issue", "localhost", "127.0.0.1"],
            ["issue", "--client", "prometheus"],
        ):
            result = tls(*args, "--dir", str(directory))
            assert result.exit_code == 0, result.output
    return office, other


def job(name: str, target: str, tls_config: str, password_file: Path) -> str:
    return (
        f"  - job_name: {name}\n"
        "    scheme: https\n"
        f"    tls_config: {tls_config}\n"
        f"    basic_auth: {{username: prometheus, password_file: {password_file}}}\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )


@pytest.fixture
def prometheus_targets(tmp_path: Path) -> Iterator[dict[str, dict]]:
    """Prometheus's view of the scrape jobs, once every job was scraped at least once."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus missing: tests/run.sh installs Debian's prometheus package"
    office, other = issue_all(tmp_path)
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    ours = f"{{ca_file: {office}/ca.crt}}"
    with_client = (
        f"{{ca_file: {office}/ca.crt, cert_file: {office}/prometheus.crt, "
        f"key_file: {office}/prometheus.key}}"
    )
    with ExitStack() as servers:
        office_port = servers.enter_context(https_server(office))
        other_port = servers.enter_context(https_server(other))
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n"
            + job("by-ip", f"127.0.0.1:{office_port}", with_client, password_file)
            + job("by-name", f"localhost:{office_port}", with_client, password_file)
            + job("no-client-cert", f"127.0.0.1:{office_port}", ours, password_file)
            + job("other-ca-server", f"127.0.0.1:{other_port}", with_client, password_file)
        )
        port = free_port()
        log = servers.enter_context((tmp_path / "prometheus.log").open("wb"))
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            scraped = wait_until(lambda: len(scrape_targets(port)) == 4, timeout=60)
            assert scraped, (tmp_path / "prometheus.log").read_text(errors="replace")
            yield scrape_targets(port)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def scrape_targets(port: int) -> dict[str, dict]:
    """The targets Prometheus on ``port`` has scraped, by job name."""
    try:
        status, _, body = http_get(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2)
    except OSError:
        return {}
    if status != 200:
        return {}
    active = json.loads(body)["data"]["activeTargets"]
    return {t["labels"]["job"]: t for t in active if t["health"] != "unknown"}


def test_go_tls_accepts_office_certificates_and_rejects_the_rest(
    prometheus_targets: dict[str, dict],
) -> None:
    for name in ("by-ip", "by-name"):
        target = prometheus_targets[name]
        assert target["health"] == "up" and target["lastError"] == "", (name, target)
    no_client = prometheus_targets["no-client-cert"]
    assert no_client["health"] == "down"
    assert "certificate required" in no_client["lastError"], no_client["lastError"]
    other = prometheus_targets["other-ca-server"]
    assert other["health"] == "down"
    assert "x509: certificate signed by unknown authority" in other["lastError"], other["lastError"]
