"""/probe gives the same verdicts as Debian's blackbox_exporter for the same targets."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.exporter.probe_endpoint import ProbeEndpoint, ProbeReply, ProbeRequestError
from netwatch.probes.config import module_model
from netwatch.probes.http import HttpParams
from tests.conftest import free_port, http_get, wait_until
from tests.helpers.certs import TestCA
from tests.probes.dns_servers import DnsServer
from tests.probes.http_servers import (
    PASSWORD,
    USERNAME,
    TestServer,
    recording_server,
    running_server,
)

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
log: {{level: debug}}
probe_modules:
  http_2xx: {{prober: http, timeout: 5s, allowed_targets: [127.0.0.1]}}
  http_default_rules: {{prober: http, timeout: 5s}}
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
        yield {"blackbox": base, "netwatch": serve.url, "log": serve.log}
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
        assert first(nw, "netwatch_probe_dns_answer_records") == answers[0] == 1
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


def test_probe_refuses_loopback_by_default_and_masks_the_log(exporters, lab) -> None:
    base = exporters["netwatch"]
    target = quote(f"{lab['http']}/ok?token={SECRET}", safe="")
    status, _, body = http_get(f"{base}/probe?module=http_default_rules&target={target}")
    assert status == 400, body
    assert b"loopback addresses (127.0.0.0/8, ::1/128) are refused unless " \
        b"probe_modules.http_default_rules.allowed_targets lists them" in body  # fmt: skip
    with_user = quote(lab["http"].replace("//", f"//monitor:{SECRET}@") + "/ok", safe="")
    status, _, body = http_get(f"{base}/probe?module=http_2xx&target={with_user}")
    assert status == 200 and SECRET.encode() not in body
    status, headers, body = http_get(f"{base}/probe?module=http_2xx&debug=true&target={target}")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"Logs for the probe:" in body and b"token=<redacted>" in body
    assert SECRET.encode() not in body
    log = exporters["log"]()
    assert "target=http://127.0.0.1" in log and "?token=<redacted>" in log  # --debug log
    assert SECRET not in log


SECRET = "s3cr3t-Vq9-planted"


def run(endpoint: ProbeEndpoint, query: str, budget: float = 5.0) -> ProbeReply:
    return asyncio.run(endpoint.handle(query, budget))


def endpoint_with(**modules: dict) -> ProbeEndpoint:
    model = module_model()
    return ProbeEndpoint({name: model(**spec) for name, spec in modules.items()}, 5.0)


def probe_query(target: str, module: str = "m", debug: bool = False) -> str:
    return f"module={module}&target={quote(target, safe='')}" + ("&debug=true" if debug else "")


def success(reply: ProbeReply) -> float:
    return next(s.value for f in reply.families for s in f.samples
                if s.name == "netwatch_probe_success")  # fmt: skip


def value(reply: ProbeReply, name: str) -> float | None:
    found = [s.value for f in reply.families for s in f.samples if s.name == name]
    return found[0] if found else None


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, TestServer, str, TestServer]]:
    """Two recording HTTP servers: A on 127.0.0.1 and B on 127.0.0.2 (another origin)."""
    with recording_server() as (url_a, a), recording_server("127.0.0.2") as (url_b, b):
        yield url_a, a, url_b, b


@pytest.mark.parametrize(
    ("module", "target", "rule"),
    [("http", "http://127.0.0.1:{port}/ok", "loopback"),
     ("http", "http://localhost:{port}/ok", "localhost resolves to"),
     ("http", "http://[::1]:{port}/ok", "loopback"),
     ("http", "http://169.254.169.254/latest/meta-data/", "cloud metadata"),
     ("http", "http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
     ("http", "http://100.100.100.200/latest/meta-data/", "cloud metadata"),
     ("http", "http://[::ffff:127.0.0.1]:{port}/ok", "loopback"),
     ("http", "http://0.0.0.0:{port}/ok", "unspecified"),
     ("tcp", "127.0.0.1:22", "loopback"),
     ("tcp", "169.254.1.1:22", "link-local"),
     ("icmp", "127.0.0.1", "loopback"),
     ("dns", "127.0.0.53", "loopback"),
     ("ntp", "[ff02::101]:123", "multicast"),
     ("smtp", "127.0.0.1:25", "loopback")],
)  # fmt: skip
def test_denied_targets_are_bad_requests_naming_the_rule(servers, module, target, rule) -> None:
    url_a, server_a, _, _ = servers
    before = len(server_a.received)
    endpoint = endpoint_with(m={"prober": module, "timeout": "2s"})
    port = url_a.rsplit(":", 1)[1]
    with pytest.raises(ProbeRequestError, match=rule) as caught:
        run(endpoint, probe_query(target.format(port=port)))
    assert "probe_modules.m.allowed_targets" in str(caught.value)
    assert len(server_a.received) == before, "a denied target was contacted"


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "127.1",
                                  "0x7f000001", "0177.0.0.1"])  # fmt: skip
def test_numeric_host_tricks_are_refused_even_where_loopback_is_allowed(servers, host) -> None:
    url_a, server_a, _, _ = servers
    before = len(server_a.received)
    port = url_a.rsplit(":", 1)[1]
    endpoint = endpoint_with(
        http={"prober": "http", "allowed_targets": ["127.0.0.0/8"]},
        tcp={"prober": "tcp", "allowed_targets": ["127.0.0.0/8"]},
        icmp={"prober": "icmp", "allowed_targets": ["127.0.0.0/8"]},
    )
    for module, target in (("http", f"http://{host}:{port}/ok"), ("tcp", f"{host}:{port}"),
                           ("icmp", host)):  # fmt: skip
        with pytest.raises(ProbeRequestError, match="non-canonical form"):
            run(endpoint, probe_query(target, module))
    assert len(server_a.received) == before
    # The canonical form of the same address is probed.
    assert success(run(endpoint, probe_query(f"http://127.0.0.1:{port}/ok", "http"))) == 1


def test_cross_origin_redirect_drops_secret_headers(servers) -> None:
    url_a, server_a, url_b, server_b = servers
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1", "127.0.0.2"],
           "http": {"bearer_token": SECRET, "headers": {
               "X-Api-Key": "key-" + SECRET, "Cookie": "sid=" + SECRET,
               "X-Session-Id": "sess-" + SECRET, "Accept-Language": "vi"}}},
    )  # fmt: skip
    server_a.received.clear()
    server_b.received.clear()
    reply = run(endpoint, probe_query(f"{url_a}/goto?to={quote(url_b + '/ok', safe='')}"))
    assert success(reply) == 1 and value(reply, "netwatch_probe_http_redirects") == 1
    (_, first), (_, second) = server_a.received[0], server_b.received[0]
    assert first["Authorization"] == f"Bearer {SECRET}" and first["X-Api-Key"] == "key-" + SECRET
    assert first["Cookie"] == "sid=" + SECRET and first["X-Session-Id"] == "sess-" + SECRET
    assert second["Accept-Language"] == "vi"
    assert not {"Authorization", "X-Api-Key", "Cookie", "X-Session-Id"} & set(second)
    assert not any(SECRET in header for header in second.values())


def test_same_origin_redirect_keeps_credentials_and_a_port_change_drops_them(servers) -> None:
    url_a, server_a, _, _ = servers
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1"],
           "http": {"headers": {"X-Api-Key": SECRET}}},
    )  # fmt: skip
    with recording_server() as (url_c, server_c):
        server_a.received.clear()
        assert success(run(endpoint, probe_query(f"{url_a}/redirect"))) == 1
        assert [h.get("X-Api-Key") for _, h in server_a.received] == [SECRET, SECRET]
        to_c = quote(f"{url_c}/ok", safe="")  # same host, other port: another origin
        assert success(run(endpoint, probe_query(f"{url_a}/goto?to={to_c}"))) == 1
        assert "X-Api-Key" not in server_c.received[0][1]


def test_max_redirects(servers) -> None:
    url_a, server_a, _, _ = servers
    twice = f"{url_a}/goto?to={quote('/redirect', safe='')}"  # -> /redirect -> /ok
    endpoint = endpoint_with(
        one={"prober": "http", "allowed_targets": ["127.0.0.1"], "http": {"max_redirects": 1}},
        none={"prober": "http", "allowed_targets": ["127.0.0.1"], "http": {"max_redirects": 0}},
        two={"prober": "http", "allowed_targets": ["127.0.0.1"], "http": {"max_redirects": 2}},
    )
    reply = run(endpoint, probe_query(twice, "one", debug=True))
    assert success(reply) == 0 and "more than 1 redirects" in (reply.debug_text or "")
    server_a.received.clear()
    reply = run(endpoint, probe_query(twice, "none"))
    assert success(reply) == 0 and value(reply, "netwatch_probe_http_status_code") == 302
    assert len(server_a.received) == 1, "max_redirects 0 follows nothing"
    assert success(run(endpoint, probe_query(twice, "two"))) == 1


def test_redirect_to_a_denied_address_is_refused(servers) -> None:
    url_a, _, url_b, server_b = servers
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1"],
           "http": {"basic_auth": {"username": "u", "password": SECRET}}},
        wide={"prober": "http", "allowed_targets": ["127.0.0.1", "0.0.0.0/0"]},
    )  # fmt: skip
    server_b.received.clear()
    reply = run(endpoint, probe_query(f"{url_a}/goto?to={quote(url_b + '/ok', safe='')}",
                                      debug=True))  # fmt: skip
    assert success(reply) == 0 and server_b.received == []
    text = reply.debug_text or ""
    assert f"redirect to {url_b}/ok refused: target 127.0.0.2 is not in " \
        "probe_modules.m.allowed_targets" in text  # fmt: skip
    assert "Probe failed (denied) after" in text and SECRET not in text
    metadata = quote("http://169.254.169.254/latest/meta-data/", safe="")
    reply = run(endpoint, probe_query(f"{url_a}/goto?to={metadata}", "wide", debug=True))
    assert success(reply) == 0 and "cloud metadata addresses" in (reply.debug_text or "")


def test_credentials_go_only_to_allowed_targets(servers) -> None:
    url_a, server_a, url_b, server_b = servers
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1"],
           "http": {"basic_auth": {"username": USERNAME, "password": PASSWORD}}},
    )  # fmt: skip
    server_b.received.clear()
    with pytest.raises(ProbeRequestError, match="127.0.0.2 is not in probe_modules.m"):
        run(endpoint, probe_query(f"{url_b}/auth"))
    assert server_b.received == []
    assert success(run(endpoint, probe_query(f"{url_a}/auth"))) == 1
    # A module whose validation was bypassed is still refused at /probe.
    model = module_model()
    loose = model.model_construct(
        prober="http", timeout=None, allowed_targets=None,
        http=HttpParams(basic_auth={"username": USERNAME, "password": PASSWORD}),
    )  # fmt: skip
    unsafe = ProbeEndpoint({"loose": loose}, 5.0)
    with pytest.raises(ProbeRequestError, match="sends credentials .basic_auth. and has no"):
        run(unsafe, probe_query(f"{url_a}/auth", "loose"))


def test_debug_view_explains_the_probe_with_secrets_masked(servers) -> None:
    url_a, _, _, _ = servers
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1"],
           "http": {"method": "POST", "body": f"password={SECRET}", "bearer_token": SECRET,
                    "headers": {"X-Api-Key": SECRET}}},
    )  # fmt: skip
    plain = run(endpoint, probe_query(f"{url_a}/notfound?api_key={SECRET}"))
    assert plain.debug_text is None
    reply = run(endpoint, probe_query(f"{url_a}/notfound?api_key={SECRET}", debug=True))
    text = reply.debug_text or ""
    port = url_a.rsplit(":", 1)[1]
    for expected in (
        "with module m (prober http)", "Allowed targets: 127.0.0.1",
        f"probing {url_a}/notfound?api_key=<redacted>", f"connecting to 127.0.0.1:{port}",
        f"request: POST {url_a}/notfound", "response: HTTP/1.1 404",
        "Probe failed (status) after", "s: status 404, expected 2xx",
        'netwatch_probe_http_status_code{kind="http",service="' + url_a + '/notfound"} 404.0',
        "Module configuration:", "bearer_token: <redacted>", "body: <redacted>",
        "X-Api-Key: <redacted>",
    ):  # fmt: skip
        assert expected in text, f"{expected!r} missing from:\n{text}"
    assert SECRET not in text
    with pytest.raises(ProbeRequestError, match="'debug' must be true or false"):
        run(endpoint, probe_query(f"{url_a}/ok") + "&debug=maybe")


def test_a_request_body_is_a_credential_and_stays_with_its_origin(servers) -> None:
    url_a, server_a, _, _ = servers
    with pytest.raises(ValueError, match="allowed_targets"):
        module_model()(prober="http", http={"method": "POST", "body": "password=" + SECRET})
    endpoint = endpoint_with(
        m={"prober": "http", "allowed_targets": ["127.0.0.1"],
           "http": {"method": "POST", "body": "password=" + SECRET}},
    )  # fmt: skip
    with recording_server() as (url_c, server_c):
        server_a.received.clear()
        same = quote(f"{url_a}/ok", safe="")
        assert success(run(endpoint, probe_query(f"{url_a}/goto?to={same}&code=307"))) == 1
        length = str(len("password=" + SECRET))
        assert [h.get("Content-Length") for _, h in server_a.received] == [length, length]
        other = quote(f"{url_c}/ok", safe="")  # another origin: the body is not sent there
        assert success(run(endpoint, probe_query(f"{url_a}/goto?to={other}&code=307"))) == 1
        assert "Content-Length" not in server_c.received[0][1]
