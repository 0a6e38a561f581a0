"""Go's TLS stack accepts ``netwatch tls`` certificates. A real Prometheus scrapes, over
mutual TLS with basic auth: an HTTPS server of Python's ssl module, and a real
``netwatch serve --web-config``. Each way in without the right credentials fails: no
client certificate, an expired one, one of another office CA, a wrong password, a server
of another CA, plaintext to the TLS port."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from netwatch.pki.ca import create_ca, save_ca
from netwatch.pki.issue import issue_client, save_issued
from tests.conftest import free_port, http_get, netwatch_argv, wait_until
from tests.helpers.processes import stop_process
from tests.pki.conftest import tls

PASSWORD = "mật-khẩu-prometheus"
METRICS = b"# TYPE netwatch_pki_oracle gauge\nnetwatch_pki_oracle 1\n"

Targets = dict[str, dict]


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


def run(*args: str) -> None:
    result = tls(*args)
    assert result.exit_code == 0, result.output


def office_files(directory: Path) -> Path:
    """An office CA with a server certificate for localhost/127.0.0.1 and the Prometheus
    client certificate, all made by ``netwatch tls``."""
    run("init", "--dir", str(directory))
    run("issue", "localhost", "127.0.0.1", "--dir", str(directory))
    run("issue", "--client", "prometheus", "--dir", str(directory))
    return directory


def passwords(directory: Path) -> tuple[str, Path, Path]:
    """The agent's hash from ``netwatch hash-password``, and Prometheus's right and wrong
    password files."""
    hashed = subprocess.run(
        netwatch_argv("hash-password"), input=PASSWORD + "\n", capture_output=True,
        text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    password, wrong = directory / "password", directory / "wrong"
    password.write_text(PASSWORD + "\n")
    wrong.write_text("mật-khẩu-sai\n")
    return hashed, password, wrong


def tls_config(ca: Path, client: Path | None = None) -> str:
    if client is None:
        return f"{{ca_file: {ca}}}"
    return f"{{ca_file: {ca}, cert_file: {client}.crt, key_file: {client}.key}}"


def job(name: str, target: str, tls: str, password_file: Path, scheme: str = "https") -> str:
    return (
        f"  - job_name: {name}\n"
        f"    scheme: {scheme}\n"
        f"    tls_config: {tls}\n"
        f"    basic_auth: {{username: prometheus, password_file: {password_file}}}\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )


def scrape_targets(port: int) -> Targets:
    """The targets Prometheus on ``port`` has scraped, by job name."""
    try:
        status, _, body = http_get(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2)
    except OSError:
        return {}
    if status != 200:
        return {}
    active = json.loads(body)["data"]["activeTargets"]
    return {t["labels"]["job"]: t for t in active if t["health"] != "unknown"}


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Callable[[str], Targets]]:
    """Run Prometheus with some scrape jobs; Prometheus's view once each was scraped."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus missing: tests/run.sh installs Debian's prometheus package"
    with ExitStack() as stack:

        def scrape(jobs: str) -> Targets:
            config = tmp_path / "prometheus.yml"
            config.write_text(
                "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n" + jobs
            )
            port = free_port()
            log = stack.enter_context((tmp_path / "prometheus.log").open("wb"))
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
            stack.callback(stop_process, process)
            expected = jobs.count("job_name:")
            scraped = wait_until(lambda: len(scrape_targets(port)) == expected, timeout=60)
            assert scraped, (tmp_path / "prometheus.log").read_text(errors="replace")
            return scrape_targets(port)

        yield scrape


def assert_up(targets: Targets, *names: str) -> None:
    for name in names:
        target = targets[name]
        assert target["health"] == "up" and target["lastError"] == "", (name, target)


def assert_down(targets: Targets, name: str, reason: str) -> None:
    target = targets[name]
    assert target["health"] == "down", (name, target)
    assert reason in target["lastError"], (name, target["lastError"])


def test_go_tls_accepts_office_certificates_and_rejects_the_rest(
    tmp_path: Path, prometheus: Callable[[str], Targets]
) -> None:
    office = office_files(tmp_path / "office")
    other = office_files(tmp_path / "other")
    password = tmp_path / "password"
    password.write_text(PASSWORD + "\n")
    with https_server(office) as ours, https_server(other) as theirs:
        ca, client = office / "ca.crt", office / "prometheus"
        targets = prometheus(
            job("by-ip", f"127.0.0.1:{ours}", tls_config(ca, client), password)
            + job("by-name", f"localhost:{ours}", tls_config(ca, client), password)
            + job("no-client-cert", f"127.0.0.1:{ours}", tls_config(ca), password)
            + job("other-ca-server", f"127.0.0.1:{theirs}", tls_config(ca, client), password)
        )
    assert_up(targets, "by-ip", "by-name")
    assert_down(targets, "no-client-cert", "certificate required")
    assert_down(targets, "other-ca-server", "x509: certificate signed by unknown authority")


@contextmanager
def agent(tmp_path: Path, office: Path, password_hash: str, mtls: bool = True) -> Iterator[int]:
    """``netwatch serve`` on 127.0.0.1 with the office's certificates and basic auth, and
    client certificates required unless ``mtls`` is False."""
    web = tmp_path / "web.yml"
    client_auth = (
        f"  client_ca_file: {office / 'ca.crt'}\n  client_auth_type: RequireAndVerifyClientCert\n"
        if mtls
        else ""
    )
    web.write_text(
        "tls_server_config:\n"
        f"  cert_file: {office / 'localhost.crt'}\n"
        f"  key_file: {office / 'localhost.key'}\n"
        f"{client_auth}"
        "  min_version: TLS12\n"
        f"basic_auth_users:\n  prometheus: {password_hash}\n"
    )
    check = subprocess.run(
        netwatch_argv("web-config", "check", str(web)), capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    config = tmp_path / "agent.yaml"
    config.write_text("services: []\n")
    port = free_port()
    log_path = tmp_path / "agent.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            netwatch_argv(
                "serve",
                "-c",
                str(config),
                "--listen",
                f"127.0.0.1:{port}",
                "--web-config",
                str(web),
            ),  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    context = ssl.create_default_context(cafile=str(office / "ca.crt"))
    context.load_cert_chain(office / "prometheus.crt", office / "prometheus.key")
    request = urllib.request.Request(
        f"https://127.0.0.1:{port}/-/healthy",
        headers={"Authorization": MetricsHandler.expected},
    )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(request, context=context, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return process.poll() is not None

    try:
        assert wait_until(healthy, timeout=30) and process.poll() is None, log_path.read_text()
        yield port
    finally:
        stop_process(process)


def test_prometheus_scrapes_the_agent_with_office_certificates(
    tmp_path: Path, prometheus: Callable[[str], Targets]
) -> None:
    # The office CA started 60 days ago, so it can have issued a client certificate that
    # has since expired.
    office = tmp_path / "office"
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)
    old_ca = create_ca("Văn phòng UBND xã Thử", 3650, now=past)
    office.mkdir()
    save_ca(old_ca, office, None, force=False)
    save_issued(issue_client(old_ca, "expired", 30, now=past), office, "expired", force=False)
    run("issue", "localhost", "127.0.0.1", "--dir", str(office))
    run("issue", "--client", "prometheus", "--dir", str(office))
    other = office_files(tmp_path / "other")
    hashed, password, wrong = passwords(tmp_path)
    ca, client = office / "ca.crt", office / "prometheus"
    wrong_name = tls_config(ca, client).replace("}", ", server_name: pc-ketoan-02}")
    with agent(tmp_path, office, hashed) as port:
        target = f"127.0.0.1:{port}"
        targets = prometheus(
            job("mtls", target, tls_config(ca, client), password)
            + job("by-name", f"localhost:{port}", tls_config(ca, client), password)
            + job("wrong-password", target, tls_config(ca, client), wrong)
            + job("no-client-cert", target, tls_config(ca), password)
            + job("expired-client-cert", target, tls_config(ca, office / "expired"), password)
            + job("other-ca-client", target, tls_config(ca, other / "prometheus"), password)
            + job("other-ca-trusted", target, tls_config(other / "ca.crt", client), password)
            + job("plaintext", target, tls_config(ca, client), password, scheme="http")
            + job("server-cert-as-client", target, tls_config(ca, office / "localhost"), password)
            + job("name-not-in-cert", target, wrong_name, password)
        )
    assert_up(targets, "mtls", "by-name")
    assert_down(targets, "wrong-password", "401 Unauthorized")
    assert_down(targets, "name-not-in-cert", "x509: certificate is valid for localhost")
    refused = ("no-client-cert", "expired-client-cert", "other-ca-client", "plaintext",
               "server-cert-as-client")  # fmt: skip
    for name in refused:
        assert targets[name]["health"] == "down", (name, targets[name])
    assert_down(targets, "other-ca-trusted", "x509: certificate signed by unknown authority")


def test_prometheus_scrapes_the_agent_over_tls_with_basic_auth_alone(
    tmp_path: Path, prometheus: Callable[[str], Targets]
) -> None:
    office = office_files(tmp_path / "office")
    hashed, password, wrong = passwords(tmp_path)
    ca = office / "ca.crt"
    with agent(tmp_path, office, hashed, mtls=False) as port:
        target = f"127.0.0.1:{port}"
        targets = prometheus(
            job("tls-basic-auth", target, tls_config(ca), password)
            + job("wrong-password", target, tls_config(ca), wrong)
            + job("plaintext", target, tls_config(ca), password, scheme="http")
        )
    assert_up(targets, "tls-basic-auth")
    assert_down(targets, "wrong-password", "401 Unauthorized")
    assert targets["plaintext"]["health"] == "down", targets["plaintext"]
