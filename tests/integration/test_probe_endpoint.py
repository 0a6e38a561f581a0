"""/probe gives the same verdicts as Debian's blackbox_exporter for the same targets."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, http_get, wait_until
from tests.helpers.certs import TestCA
from tests.probes.dns_servers import DnsServer
from tests.probes.http_servers import running_server

BLACKBOX = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def first(found: dict, name: str) -> float | None:
    values = [v for (n, _), v in found.items() if n == name]
    return values[0] if values else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """HTTP, HTTPS (valid and expired certificates) and DNS servers on loopback."""
    directory = tmp_path_factory.mktemp("lab")
    ca = TestCA(directory)
    valid = ca.issue("valid", hostnames=("127.0.0.1",), days_valid=40)
    expired = ca.issue("expired", hostnames=("127.0.0.1",), days_valid=-2)
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(running_server())
        https = stack.enter_context(running_server(valid.cert, valid.key))
        https_expired = stack.enter_context(running_server(expired.cert, expired.key))
        dns = stack.enter_context(DnsServer())
        yield {
            "http": http,
            "https": https,
            "https_expired": https_expired,
            "dns": dns.target,
            "ca": str(ca.cert_path),
        }


@pytest.fixture(scope="module")
def exporters(lab: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    assert BLACKBOX, "blackbox_exporter missing: tests/run.sh installs it"
    directory = tmp_path_factory.mktemp("exporters")
    blackbox_config = directory / "blackbox.yml"
    blackbox_config.write_text(
        f"""\
modules:
  http_2xx: {{prober: http, timeout: 5s, http: {{preferred_ip_protocol: ip4}}}}
  https_ca:
    prober: http
    timeout: 5s
    http: {{preferred_ip_protocol: ip4, tls_config: {{ca_file: "{lab["ca"]}"}}}}
  tcp_connect: {{prober: tcp, timeout: 5s, tcp: {{preferred_ip_protocol: ip4}}}}
  dns_portal:
    prober: dns
    timeout: 5s
    dns: {{query_name: portal.ubnd.local, query_type: A, preferred_ip_protocol: ip4}}
"""
    )
    netwatch_config = directory / "netwatch.yaml"
    netwatch_config.write_text(
        f"""\
services: []
probe_modules:
  http_2xx: {{prober: http, timeout: 5s, allowed_targets: [127.0.0.1]}}
  https_ca:
    prober: http
    timeout: 5s
    allowed_targets: [127.0.0.1]
    http: {{tls: {{ca_file: "{lab["ca"]}"}}}}
  tcp_connect: {{prober: tcp, timeout: 5s, allowed_targets: [127.0.0.1]}}
  dns_portal:
    prober: dns
    timeout: 5s
    allowed_targets: [127.0.0.1]
    dns: {{query_name: portal.ubnd.local, query_type: A}}
"""
    )
    port = free_port()
    blackbox = subprocess.Popen(
        [BLACKBOX, f"--config.file={blackbox_config}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from tests.conftest import start_serve

    serve = start_serve(directory, "-c", str(netwatch_config))
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return http_get(f"{base}/-/healthy", timeout=1)[0] == 200
        except OSError:
            return False

    try:
        assert wait_until(up, timeout=20), "blackbox_exporter did not start"
        yield {"blackbox": base, "netwatch": serve.url}
    finally:
        serve.stop()
        blackbox.terminate()
        blackbox.wait(10)


CASES = [
    ("http_2xx", "{http}/ok", True),
    ("http_2xx", "{http}/notfound", False),
    ("http_2xx", "{http}/redirect", True),
    ("https_ca", "{https}/ok", True),
    ("https_ca", "{https_expired}/ok", False),
    ("http_2xx", "{https}/ok", False),  # our CA is not in the system store
    ("tcp_connect", "127.0.0.1:{port}", True),
    ("tcp_connect", "127.0.0.1:{closed}", False),
    ("dns_portal", "{dns}", True),
]


@pytest.mark.parametrize(("module", "target_template", "expected"), CASES)
def test_same_verdict_as_blackbox(lab, exporters, module, target_template, expected) -> None:
    http_port = lab["http"].rsplit(":", 1)[1]
    target = target_template.format(**lab, port=http_port, closed=free_port())
    query = f"/probe?module={module}&target={quote(target, safe='')}"
    _, _, bb_body = http_get(exporters["blackbox"] + query, timeout=15)
    status, _, nw_body = http_get(exporters["netwatch"] + query, timeout=15)
    assert status == 200
    bb, nw = samples(bb_body), samples(nw_body)
    assert first(bb, "probe_success") == (1 if expected else 0), bb_body.decode()[-600:]
    assert first(nw, "netwatch_probe_success") == first(bb, "probe_success")
    if module.startswith("http"):
        # blackbox says 0 when no HTTP response arrived; netwatch leaves the series out.
        status_code = first(nw, "netwatch_probe_http_status_code") or 0
        assert status_code == first(bb, "probe_http_status_code")
    bb_expiry = first(bb, "probe_ssl_earliest_cert_expiry")
    if bb_expiry is not None:
        assert first(nw, "netwatch_probe_tls_cert_expiry_timestamp_seconds") == bb_expiry
    if module == "dns_portal":
        answers = [v for (n, labels), v in bb.items()
                   if n == "probe_dns_answer_rrs" or (n == "probe_dns_rrs" and
                                                      ("section", "answer") in labels)]  # fmt: skip
        assert first(nw, "netwatch_probe_dns_answer_count") == answers[0] == 1
    assert {labels for name, labels in nw if name == "netwatch_probe_success"} == {
        (("kind", module.split("_")[0].replace("https", "http")), ("service", target))
    }


def test_probe_bad_requests(exporters) -> None:
    base = exporters["netwatch"]
    status, _, body = http_get(f"{base}/probe?module=http_2xx")
    assert status == 400 and b"missing parameter 'target'" in body
    status, _, body = http_get(f"{base}/probe?target=127.0.0.1:1&module=nope")
    assert status == 400 and b"unknown module 'nope'" in body
    status, _, body = http_get(f"{base}/probe?target=a&target=b")
    assert status == 400 and b"given 2 times" in body


def test_probe_honours_scrape_timeout(exporters, lab) -> None:
    import time

    target = quote(f"{lab['http']}/slow", safe="")
    start = time.monotonic()
    status, _, body = http_get(
        f"{exporters['netwatch']}/probe?module=http_2xx&target={target}",
        {"X-Prometheus-Scrape-Timeout-Seconds": "1.5"},
    )
    elapsed = time.monotonic() - start
    assert status == 200 and 0.8 < elapsed < 1.6, elapsed
    found = samples(body)
    assert first(found, "netwatch_probe_success") == 0
    assert first(found, "netwatch_probe_failures_total") is None
