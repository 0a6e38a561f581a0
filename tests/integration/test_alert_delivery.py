"""Alerts end to end: agents -> Prometheus with the shipped rules -> Alertmanager -> receivers.

Two ``netwatch serve`` agents, a real Prometheus and a real Alertmanager run on loopback.
One agent probes a TLS server whose certificate expires in 5 days; the other is killed.
The webhook receiver must get the shipped agent-down alert for the killed agent, and the
SMTP sink an e-mail about the expiring certificate.

The rules are the shipped file with only the ``for:`` durations shortened; the
Alertmanager config is the shipped one with only the receivers' endpoints and the
grouping waits replaced (routes, inhibit rules and templates stay as shipped).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conftest import ServeProcess, free_port, http_get, wait_until
from tests.helpers.certs import TestCA
from tests.helpers.processes import start_process, stop_process
from tests.helpers.smtp_sink import SinkMessage, SmtpSink
from tests.integration.test_prometheus import query
from tests.probes.tcp_servers import ServerThread, banner, server_context

ROOT = Path(__file__).resolve().parents[2]
ALERT_RULES = ROOT / "configs" / "prometheus" / "rules" / "netwatch-alerts.yml"
ALERTMANAGER_DIR = ROOT / "configs" / "alertmanager"
OFFICE = "xa-an-binh"  # has its own e-mail route in the shipped config
OFFICE_MAILBOX = "it@xa-an-binh.example.gov.vn"
WEBHOOK_PASSWORD = "test-webhook-password"
TEST_FOR = "5s"
WAIT = 90.0


def shipped_alert(predicate_text: str) -> str:
    """The name of the one shipped alert whose expression contains ``predicate_text``."""
    rules = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    names = [
        rule["alert"]
        for group in rules["groups"]
        for rule in group["rules"]
        if "alert" in rule and predicate_text in rule["expr"]
    ]
    assert len(names) == 1, names
    return names[0]


AGENT_DOWN = shipped_alert("up{")
CERT_EXPIRING = shipped_alert("< 14 * 86400")


def tool(name: str) -> str:
    binary = shutil.which(name)
    assert binary, f"{name} missing: tests/run.sh installs Debian's prometheus packages"
    return binary


def write_test_rules(path: Path) -> None:
    """The shipped alert rules with every ``for:`` shortened to TEST_FOR.

    Only the ``for:`` durations change (the shipped 3 and 5 minutes are too long for a
    test); expressions, labels and annotations are the shipped ones.
    """
    rules = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = TEST_FOR
    path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_test_alertmanager(folder: Path, webhook_url: str, smtp_port: int) -> Path:
    """The shipped Alertmanager config with loopback endpoints and short group waits."""
    config = yaml.safe_load((ALERTMANAGER_DIR / "alertmanager.yml").read_text(encoding="utf-8"))
    secrets = folder / "secrets"
    secrets.mkdir()
    (secrets / "smtp_password").write_text("unused\n", encoding="utf-8")
    (secrets / "webhook_password").write_text(f"{WEBHOOK_PASSWORD}\n", encoding="utf-8")
    config["global"].update(
        smtp_smarthost=f"127.0.0.1:{smtp_port}",
        smtp_require_tls=False,
        smtp_auth_password_file=str(secrets / "smtp_password"),
    )
    config["route"].update(group_wait="1s", group_interval="5s")
    for route in config["route"]["routes"]:
        if "group_wait" in route:
            route["group_wait"] = "1s"
    for receiver in config["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = webhook_url
            webhook["http_config"]["basic_auth"]["password_file"] = str(
                secrets / "webhook_password"
            )
        for telegram in receiver.get("telegram_configs", []):
            # Nowhere: a loopback port nothing listens on; the sends fail and are logged.
            telegram["api_url"] = f"http://127.0.0.1:{free_port()}"
    path = folder / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(ALERTMANAGER_DIR / "netwatch.tmpl", folder / "netwatch.tmpl")
    return path


@dataclass
class WebhookReceiver:
    """A loopback HTTP server keeping every Alertmanager webhook payload it is sent."""

    payloads: list[dict] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def alerts(self) -> list[dict]:
        with self.lock:
            return [alert for payload in self.payloads for alert in payload["alerts"]]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.payloads.append(json.loads(body))
                    receiver.authorizations.append(self.headers.get("Authorization", ""))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def webhook() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks/alertmanager"
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def servers() -> Iterator[ServerThread]:
    with ServerThread() as thread:
        yield thread


def agent_config(tmp_path: Path, name: str, services: str) -> Path:
    """An agent config: the given services, the slow collectors off."""
    config = tmp_path / f"{name}.yaml"
    config.write_text(
        "collectors:\n"
        "  services:\n    interval: 2s\n"
        "  posture:\n    enabled: false\n"
        "  software:\n    enabled: false\n"
        f"services:{services}\n",
        encoding="utf-8",
    )
    return config


def test_killed_agent_and_expiring_certificate_reach_the_receivers(
    tmp_path: Path,
    serve_factory,
    servers: ServerThread,
    webhook: tuple[WebhookReceiver, str],
) -> None:
    receiver, webhook_url = webhook
    sink = SmtpSink()
    smtp_port = servers.serve(sink.handle)
    ca = TestCA(tmp_path)
    cert = ca.issue("expiring", days_valid=5)
    tls_port = servers.serve(banner(b"hello\r\n"), server_context(cert))
    target = f"127.0.0.1:{tls_port}"
    prober = serve_factory(
        "-c",
        str(
            agent_config(
                tmp_path,
                "prober",
                f"\n  - name: intranet-cert\n    prober: tls\n    target: '{target}'\n"
                f"    tls:\n      tls:\n        ca_file: '{ca.cert_path}'\n",
            )
        ),
    )
    victim: ServeProcess = serve_factory("-c", str(agent_config(tmp_path, "victim", " []")))

    am_port, prom_port = free_port(), free_port()
    am_dir = tmp_path / "alertmanager"
    am_dir.mkdir()
    am_config = write_test_alertmanager(am_dir, webhook_url, smtp_port)
    alertmanager = start_process(
        [
            tool("prometheus-alertmanager"),
            f"--config.file={am_config}",
            f"--storage.path={am_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",  # no gossip port on 0.0.0.0
        ],
        tmp_path / "alertmanager.log",
    )
    rules = tmp_path / "netwatch-alerts.yml"
    write_test_rules(rules)
    prom_config = tmp_path / "prometheus.yml"
    prom_config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        f"  external_labels:\n    office: {OFFICE}\n"
        f"rule_files: ['{rules}']\n"
        "alerting:\n  alertmanagers:\n"
        f"    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n"
        "scrape_configs:\n  - job_name: netwatch\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{prober.port}', '127.0.0.1:{victim.port}']\n",
        encoding="utf-8",
    )
    prometheus = start_process(
        [
            tool("prometheus"),
            f"--config.file={prom_config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        tmp_path / "prometheus.log",
    )
    base = f"http://127.0.0.1:{prom_port}"
    try:

        def am_ready() -> bool:
            try:
                return http_get(f"http://127.0.0.1:{am_port}/-/ready", timeout=2)[0] == 200
            except OSError:
                return False

        assert wait_until(am_ready, WAIT, 0.5), (tmp_path / "alertmanager.log").read_text()
        both_up = 'count(up{job="netwatch"} == 1) == 2'
        assert wait_until(lambda: query(base, both_up), WAIT, 0.5), "agents never scraped"
        victim_instance = f"127.0.0.1:{victim.port}"
        victim.process.kill()
        victim.process.wait(10)

        def agent_down_alerts() -> list[dict]:
            return [
                alert
                for alert in receiver.alerts()
                if alert["labels"]["alertname"] == AGENT_DOWN
                and alert["labels"].get("instance") == victim_instance
            ]

        def cert_mails() -> list[SinkMessage]:
            return [m for m in sink.messages() if CERT_EXPIRING in m.parsed()["Subject"]]

        assert wait_until(agent_down_alerts, WAIT, 0.5), (
            f"no {AGENT_DOWN} webhook; got {receiver.alerts()}\n"
            + (tmp_path / "alertmanager.log").read_text()
        )
        assert wait_until(cert_mails, WAIT, 0.5), (
            f"no {CERT_EXPIRING} e-mail; got {[m.parsed()['Subject'] for m in sink.messages()]}\n"
            + (tmp_path / "alertmanager.log").read_text()
        )
    finally:
        stop_process(prometheus)
        stop_process(alertmanager)

    alert = agent_down_alerts()[0]
    assert alert["status"] == "firing"
    assert alert["labels"]["office"] == OFFICE
    assert alert["labels"]["job"] == "netwatch"
    assert alert["labels"]["severity"] == "critical"
    assert victim_instance in alert["annotations"]["summary"]
    assert {payload["receiver"] for payload in receiver.payloads} == {"ticket-webhook"}
    assert receiver.authorizations[0].startswith("Basic ")
    prober_instance = f"127.0.0.1:{prober.port}"
    assert not [
        a
        for a in receiver.alerts()
        if a["labels"]["alertname"] == AGENT_DOWN and a["labels"].get("instance") == prober_instance
    ]

    assert len(cert_mails()) == 1
    mail = cert_mails()[0]
    assert mail.rcpt_to == (OFFICE_MAILBOX,)
    subject = mail.parsed()["Subject"]
    assert subject == f"[FIRING:1] {OFFICE}: {CERT_EXPIRING}"
    text = mail.text()
    assert target in text
    assert "Certificate of intranet-cert expires in" in text
    assert "Chứng thư số của intranet-cert hết hạn sau" in text
    assert "docs/office-setup.md#certificate" in text
