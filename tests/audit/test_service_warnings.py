"""A certificate about to expire in the report: the service is up, with the warning beside it.

A real TLS server on 127.0.0.1 presents a certificate with 5 days left; ``probe_services``
probes it as ``netwatch audit --services`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from netwatch.audit.build import probe_services
from netwatch.audit.i18n import t
from netwatch.audit.model import AuditReport, ServiceRecord
from netwatch.audit.output import report_json
from netwatch.audit.render_html import render_host_html
from netwatch.audit.render_markdown import render_host_markdown
from netwatch.config.loader import parse_config_text
from tests.helpers.audit_reports import assert_valid, fixture_report
from tests.helpers.certs import TestCA
from tests.probes.tcp_servers import ServerThread, banner, server_context

WARNING = {
    "en": r"certificate expires in [45](\.\d)? days \(warning below 14 days\)",
    "vi": r"chứng thư số hết hạn sau [45](,\d)? ngày \(ngưỡng cảnh báo 14 ngày\)",
}


@pytest.fixture(scope="module")
def expiring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceRecord]:
    """The record of a TLS service whose certificate has 5 days left."""
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    cert = ca.issue("soon", days_valid=5)
    with ServerThread() as servers:
        port = servers.serve(banner(b"hi\r\n"), server_context(cert))
        config = (
            "services:\n"
            f"  - {{name: portal-cert, prober: tls, target: '127.0.0.1:{port}', timeout: 2s,"
            f" tls: {{tls: {{ca_file: '{ca.cert_path}'}}}}}}\n"
        )
        (record,) = probe_services(parse_config_text(config, "test-config"))
    yield record


def test_the_record_carries_the_warning(expiring: ServiceRecord) -> None:
    assert expiring.success and expiring.status == "warning"
    assert expiring.cert_expiring is True and expiring.cert_warning_days == 14
    assert expiring.cert_days_left is not None and 4 < expiring.cert_days_left <= 5
    (warning,) = expiring.warnings
    assert warning.kind == "cert_expiring" and re.fullmatch(WARNING["en"], warning.detail)
    assert warning.detail_message is not None


def test_the_json_report_keeps_it(expiring: ServiceRecord) -> None:
    report = fixture_report("linux-weak").model_copy(update={"services": [expiring]})
    document = json.loads(report_json(report))
    assert_valid(document, "audit-report")
    assert AuditReport.model_validate(document) == report
    (service,) = document["services"]
    assert (service["status"], service["cert_expiring"]) == ("warning", True)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_html_and_markdown_show_up_with_the_warning(expiring: ServiceRecord, lang: str) -> None:
    report = fixture_report("linux-weak").model_copy(update={"services": [expiring]})
    up = t("services.up", lang)
    html = render_host_html(report, lang)
    row = re.search(r"<tr><td>portal-cert</td>.*?</tr>", html, re.S)
    assert row is not None, "the service's row"
    assert f"<td>{up}</td>" in row.group(0)
    assert re.search(WARNING[lang], row.group(0)), row.group(0)
    markdown = render_host_markdown(report, lang)
    line = next(line for line in markdown.splitlines() if line.startswith("| portal-cert"))
    assert f"| {up} |" in line and re.search(WARNING[lang], line), line


def test_an_older_report_without_the_fields_still_loads(tmp_path: Path) -> None:
    old = {"service": "dns", "kind": "dns", "target": "127.0.0.1:53", "success": True}
    record = ServiceRecord.model_validate(old)
    assert (record.status, record.warnings, record.cert_expiring) == (None, [], None)
