"""The http prober against real HTTP and HTTPS servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.exposition import generate_latest
from pydantic import ValidationError

from netwatch import __version__
from netwatch.probes.base import run_probe
from netwatch.probes.http import PROBER, HttpParams
from netwatch.probes.metrics import result_families
from netwatch.probes.result import ProbeResult
from tests.conftest import free_port
from tests.helpers.certs import CertFiles, TestCA
from tests.probes.http_servers import (
    BIG_SIZE,
    BIG_TAIL,
    OK_BODY,
    PASSWORD,
    TOKEN,
    USERNAME,
    running_server,
)

PASSWORD_ENV = "NETWATCH_TEST_HTTP_PASSWORD"
TOKEN_ENV = "NETWATCH_TEST_HTTP_TOKEN"


def probe(target: str, timeout: float = 10.0, **params: Any) -> ProbeResult:
    """Run the http prober once with validated params."""
    return asyncio.run(run_probe(PROBER, target, HttpParams.model_validate(params), timeout))


def families(result: ProbeResult) -> list:
    return result_families([("svc", "http", result)], {})


def sample(result: ProbeResult, name: str, **labels: str) -> float | None:
    """The value of metric sample ``name`` for the result (with extra labels), or None."""
    for family in families(result):
        for item in family.samples:
            if item.name == name and all(item.labels.get(k) == v for k, v in labels.items()):
                return item.value
    return None


def assert_outcome(result: ProbeResult, success: bool, reason: str = "") -> None:
    """Success and reason on the result and in the metrics."""
    assert result.success is success, (result.reason, result.detail)
    assert result.reason == reason, result.detail
    assert sample(result, "netwatch_probe_success", service="svc", kind="http") == float(success)
    assert sample(result, "netwatch_probe_duration_seconds", phase="total") == result.duration


def assert_status(result: ProbeResult, code: int) -> None:
    assert result.values["http_status_code"] == code
    assert sample(result, "netwatch_probe_http_status_code") == code


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def other_site() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("http-ca"))


@pytest.fixture
def https_site(ca: TestCA, request: pytest.FixtureRequest) -> Iterator[tuple[str, CertFiles]]:
    """An HTTPS server with the certificate ``ca.issue(**request.param)``."""
    cert = ca.issue(request.node.originalname, **request.param)
    with running_server(cert.cert, cert.key) as url:
        yield url, cert


def with_cert(**issue: Any) -> Any:
    return pytest.mark.parametrize("https_site", [issue], indirect=True, ids=["cert"])


# --- plain HTTP ---------------------------------------------------------------------------


def test_ok(site: str) -> None:
    result = probe(f"{site}/ok")
    assert_outcome(result, True)
    assert_status(result, 200)
    assert result.values["http_content_length"] == len(OK_BODY)
    assert sample(result, "netwatch_probe_http_content_length_bytes") == len(OK_BODY)
    assert result.values["http_redirects"] == 0
    assert result.info["http_version"] == "HTTP/1.1"
    assert result.info["final_url"] == f"{site}/ok"
    for phase in ("resolve", "connect", "first_byte", "transfer"):
        assert phase in result.phases
        assert sample(result, "netwatch_probe_duration_seconds", phase=phase) is not None
    assert "tls" not in result.phases
    assert "tls_verified" not in result.values


def test_final_url_drops_query(site: str) -> None:
    result = probe(f"{site}/ok?session=abc123#top")
    assert_outcome(result, True)
    assert result.info["final_url"] == f"{site}/ok"


def test_not_found_is_status_failure(site: str) -> None:
    result = probe(f"{site}/notfound")
    assert_outcome(result, False, "status")
    assert_status(result, 404)
    assert "404" in result.detail and "2xx" in result.detail
    assert sample(result, "netwatch_probe_http_content_length_bytes") == len(b"no such page\n")


def test_valid_status_codes(site: str) -> None:
    assert_outcome(probe(f"{site}/notfound", valid_status_codes=[404]), True)
    result = probe(f"{site}/ok", valid_status_codes=[204, 301])
    assert_outcome(result, False, "status")
    assert "200" in result.detail and "204, 301" in result.detail


def test_redirect_followed(site: str) -> None:
    result = probe(f"{site}/redirect")
    assert_outcome(result, True)
    assert_status(result, 200)
    assert result.values["http_redirects"] == 1
    assert sample(result, "netwatch_probe_http_redirects") == 1
    assert result.info["final_url"] == f"{site}/ok"


def test_relative_redirect(site: str) -> None:
    result = probe(f"{site}/sub/dir/relative")
    assert_outcome(result, True)
    assert result.info["final_url"] == f"{site}/ok"
    assert result.values["http_redirects"] == 1


def test_redirect_not_followed(site: str) -> None:
    result = probe(f"{site}/redirect", follow_redirects=False)
    assert_outcome(result, False, "status")
    assert_status(result, 302)
    assert result.values["http_redirects"] == 0
    result = probe(f"{site}/redirect", follow_redirects=False, valid_status_codes=[302])
    assert_outcome(result, True)
    assert result.info["final_url"] == f"{site}/redirect"


def test_redirect_loop(site: str) -> None:
    result = probe(f"{site}/loop")
    assert_outcome(result, False, "status")
    assert "more than 5 redirects" in result.detail
    assert result.values["http_redirects"] == 5
    assert sample(result, "netwatch_probe_http_redirects") == 5
    result = probe(f"{site}/loop", max_redirects=2)
    assert_outcome(result, False, "status")
    assert result.values["http_redirects"] == 2


def test_redirect_phases_accumulate(site: str) -> None:
    direct = probe(f"{site}/ok")
    hops = probe(f"{site}/goto?to=/redirect")
    assert_outcome(hops, True)
    assert hops.values["http_redirects"] == 2
    assert set(direct.phases) == set(hops.phases)


def test_redirect_to_other_scheme_is_protocol_failure(site: str) -> None:
    result = probe(f"{site}/goto?to=ftp://127.0.0.1/file")
    assert_outcome(result, False, "protocol")
    assert "ftp" in result.detail


def test_chunked(site: str) -> None:
    result = probe(f"{site}/chunked", fail_if_body_not_matches=["second chunk, last chunk"])
    assert_outcome(result, True)
    expected = len(b"first chunk, second chunk, last chunk\n")
    assert result.values["http_content_length"] == expected
    assert sample(result, "netwatch_probe_http_content_length_bytes") == expected


def test_body_until_close(site: str) -> None:
    result = probe(f"{site}/close", fail_if_body_not_matches=["ended by closing"])
    assert_outcome(result, True)
    assert result.values["http_content_length"] == len(b"body without a length, ended by closing\n")


def test_body_cap_is_not_a_failure(site: str) -> None:
    result = probe(f"{site}/big", max_body_bytes=1000)
    assert_outcome(result, True)
    assert result.values["http_content_length"] == 1000
    assert result.info["body_truncated"] == "read only the first 1000 bytes"
    assert result.info_messages["body_truncated"].render("vi") == "chỉ đọc 1000 byte đầu tiên"
    full = probe(f"{site}/big", max_body_bytes=BIG_SIZE, fail_if_body_not_matches=["END-OF"])
    assert_outcome(full, True)
    assert full.values["http_content_length"] == BIG_SIZE


def test_body_cap_with_required_pattern_fails(site: str) -> None:
    result = probe(f"{site}/big", fail_if_body_not_matches=[BIG_TAIL.decode()])
    assert_outcome(result, False, "content")
    assert result.values["http_content_length"] == 1024 * 1024
    assert "first 1048576 bytes" in result.detail


def test_body_regexes(site: str) -> None:
    assert_outcome(probe(f"{site}/ok", fail_if_body_not_matches=[r"everything is \w+"]), True)
    assert_outcome(probe(f"{site}/ok", fail_if_body_matches=["(?i)error"]), True)
    result = probe(f"{site}/ok", fail_if_body_matches=["is fine"])
    assert_outcome(result, False, "content")
    assert "is fine" in result.detail
    assert_status(result, 200)
    result = probe(f"{site}/ok", fail_if_body_not_matches=["fine", "welcome"])
    assert_outcome(result, False, "content")
    assert "welcome" in result.detail


def test_request_headers_method_and_body(site: str) -> None:
    result = probe(
        f"{site}/echo",
        method="post",
        headers={"X-Office": "Phong IT", "User-Agent": "custom-agent"},
        body="xin chào",
        fail_if_body_not_matches=[
            "method=POST", "X-Office: Phong IT", "User-Agent: custom-agent",
            "Connection: close", "body=xin chào",
        ],
    )  # fmt: skip
    assert_outcome(result, True)
    default = probe(
        f"{site}/echo", fail_if_body_not_matches=[f"User-Agent: netwatch/{__version__}"]
    )
    assert_outcome(default, True)


def test_head_has_no_body(site: str) -> None:
    result = probe(f"{site}/ok", method="HEAD")
    assert_outcome(result, True)
    assert result.values["http_content_length"] == 0


def test_post_303_becomes_get(site: str) -> None:
    target = f"{site}/goto?to=/echo&code=303"
    result = probe(target, method="POST", body="data", fail_if_body_not_matches=["method=GET"])
    assert_outcome(result, True)
    kept = probe(
        f"{site}/goto?to=/echo&code=307", method="POST", body="data",
        fail_if_body_not_matches=["method=POST", "body=data$"],
    )  # fmt: skip
    assert_outcome(kept, True)


def test_not_http_is_protocol_failure(site: str) -> None:
    result = probe(f"{site}/garbage")
    assert_outcome(result, False, "protocol")
    assert "SSH-2.0" in result.detail


def test_black_hole_times_out(site: str) -> None:
    start = time.monotonic()
    result = probe(f"{site}/slow", timeout=2.0)
    assert_outcome(result, False, "timeout")
    assert 1.9 <= result.duration < 4.0
    assert time.monotonic() - start < 6.0
    assert sample(result, "netwatch_probe_duration_seconds", phase="total") >= 1.9
    assert "first_byte" in result.phases


def test_refused() -> None:
    result = probe(f"http://127.0.0.1:{free_port()}/")
    assert_outcome(result, False, "refused")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("ftp://127.0.0.1/file", "'ftp'"),
        ("127.0.0.1:80/ok", "http://"),
        ("http:///nohost", "no host"),
        ("http://127.0.0.1:99999/", "bad host or port"),
        ("http://[::1/", "bad host or port"),
        ("http://admin:hunter2-secret@127.0.0.1/", "contains credentials"),
        ("http://127.0.0.1:0/", "port 0"),
    ],
)
def test_invalid_target_is_config(target: str, words: str) -> None:
    result = probe(target)
    assert_outcome(result, False, "config")
    assert words in result.detail
    assert "hunter2" not in repr(result)


# --- authentication and secrets -----------------------------------------------------------


def test_basic_auth(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_outcome(probe(f"{site}/auth"), False, "status")
    inline = probe(f"{site}/auth", basic_auth={"username": USERNAME, "password": PASSWORD})
    assert_outcome(inline, True)
    assert "unencrypted" in inline.info["warning"]
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    from_env = probe(
        f"{site}/auth", basic_auth={"username": USERNAME, "password_env": PASSWORD_ENV}
    )
    assert_outcome(from_env, True)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    wrong = probe(f"{site}/auth", basic_auth={"username": USERNAME, "password_env": PASSWORD_ENV})
    assert_outcome(wrong, False, "status")
    assert_status(wrong, 401)


def test_bearer_token(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_outcome(probe(f"{site}/bearer"), False, "status")
    assert_outcome(probe(f"{site}/bearer", bearer_token=TOKEN), True)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert_outcome(probe(f"{site}/bearer", bearer_token_env=TOKEN_ENV), True)


def test_missing_secret_env_is_config(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    result = probe(f"{site}/bearer", bearer_token_env=TOKEN_ENV)
    assert_outcome(result, False, "config")
    assert TOKEN_ENV in result.detail
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = probe(f"{site}/auth", basic_auth={"username": "u", "password_env": PASSWORD_ENV})
    assert_outcome(result, False, "config")
    assert PASSWORD_ENV in result.detail


def test_auth_not_sent_to_other_origin(
    site: str, other_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    same = probe(f"{site}/goto?to=/echo", bearer_token_env=TOKEN_ENV,
                 fail_if_body_not_matches=["auth=True"])  # fmt: skip
    assert_outcome(same, True)
    other = probe(f"{site}/goto?to={other_site}/echo", bearer_token_env=TOKEN_ENV,
                  fail_if_body_not_matches=["auth=False"])  # fmt: skip
    assert_outcome(other, True)
    assert other.info["final_url"] == f"{other_site}/echo"


def test_manual_authorization_header(site: str, other_site: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    result = probe(f"{site}/bearer", headers=headers)
    assert_outcome(result, True)
    assert "unencrypted" in result.info["warning"]
    other = probe(f"{site}/goto?to={other_site}/echo", headers=headers,
                  fail_if_body_not_matches=["auth=False"])  # fmt: skip
    assert_outcome(other, True)


class _Collector:
    def __init__(self, metric_families: list) -> None:
        self.metric_families = metric_families

    def collect(self) -> list:
        return self.metric_families


def test_secrets_never_leak(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    basic = {"username": USERNAME, "password_env": PASSWORD_ENV}
    results = [
        probe(f"{site}/auth", basic_auth=basic),
        probe(f"{site}/bearer", bearer_token_env=TOKEN_ENV),
        probe(f"{site}/bearer", bearer_token=TOKEN),
        probe(f"{site}/auth", basic_auth={"username": USERNAME, "password": PASSWORD}),
        probe(f"{site}/echo", basic_auth=basic, fail_if_body_matches=["method"]),
        probe(f"{site}/garbage", bearer_token=TOKEN),
        probe(f"{site}/slow", timeout=1.0, bearer_token_env=TOKEN_ENV),
    ]
    assert [r.success for r in results] == [True, True, True, True, False, False, False]
    triples = [(f"svc{i}", "http", r) for i, r in enumerate(results)]
    text = generate_latest(_Collector(result_families(triples, {}))).decode()
    assert "netwatch_probe_success" in text
    encoded = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, TOKEN, encoded):
        assert secret not in repr(results)
        assert secret not in text
    params = HttpParams(bearer_token=TOKEN, basic_auth=None)
    assert TOKEN not in repr(params) and TOKEN not in str(params.model_dump())


# --- params validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fail_if_body_matches": ["(unclosed"]}, "invalid regular expression"),
        ({"fail_if_body_not_matches": ["[z-a]"]}, "invalid regular expression"),
        ({"bearer_token": "t", "basic_auth": {"username": "u", "password": "p"}}, "not both"),
        ({"bearer_token": "t", "bearer_token_env": "T"}, "not both"),
        ({"basic_auth": {"username": "u"}}, "exactly one of password"),
        ({"valid_status_codes": [200, 700]}, "700"),
        ({"method": "GET /x"}, "invalid HTTP method"),
        ({"headers": {"Content-Length": "5"}}, "set by netwatch"),
        ({"headers": {"X-A": "a\r\nX-B: b"}}, "line breaks"),
        ({"headers": {"Authorization": "x"}, "bearer_token": "t"}, "conflicts"),
        ({"max_redirects": -1}, "max_redirects"),
        ({"timeout": "5s"}, "timeout"),
    ],
)
def test_params_validation(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpParams.model_validate(params)


def test_defaults() -> None:
    params = HttpParams()
    assert params.method == "GET" and params.follow_redirects and params.max_redirects == 5
    assert params.max_body_bytes == 1024 * 1024 and params.tls.verify
    for name, info in HttpParams.model_fields.items():
        assert info.description, name


# --- HTTPS --------------------------------------------------------------------------------


def assert_expiry(result: ProbeResult, cert: CertFiles) -> None:
    expiry = cert.not_after.timestamp()
    assert abs(result.values["tls_expiry_timestamp"] - expiry) <= 1.0
    metric = sample(result, "netwatch_probe_tls_cert_expiry_timestamp_seconds")
    assert metric is not None and abs(metric - expiry) <= 1.0


@with_cert()
def test_https_valid(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, cert = https_site
    result = probe(f"{url}/ok", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, True)
    assert_status(result, 200)
    assert result.values["tls_verified"] == 1
    assert sample(result, "netwatch_probe_tls_verified") == 1
    assert_expiry(result, cert)
    assert "CN=localhost" in result.info["tls_subject"]
    assert "netwatch Test Root CA" in result.info["tls_issuer"]
    assert result.info["tls_version"].startswith("TLS")
    assert sample(result, "netwatch_probe_tls_info", subject=result.info["tls_subject"]) == 1
    assert "tls" in result.phases
    assert "warning" not in result.info


@with_cert()
def test_https_by_name(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, _ = https_site
    target = url.replace("127.0.0.1", "localhost") + "/redirect"
    result = probe(target, ip_family="ipv4", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, True)
    assert result.values["tls_verified"] == 1
    assert result.info["final_url"] == target.replace("/redirect", "/ok")


@with_cert(days_valid=5)
def test_https_expiring_soon_still_succeeds(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, cert = https_site
    result = probe(f"{url}/ok", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, True)
    assert_expiry(result, cert)
    assert abs(result.values["tls_expiry_timestamp"] - time.time() - 5 * 86400) < 120


@with_cert(days_valid=-2)
def test_https_expired(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, cert = https_site
    result = probe(f"{url}/ok", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, False, "tls")
    assert "expired" in result.detail
    assert result.values["tls_verified"] == 0
    assert_expiry(result, cert)
    assert result.values["tls_expiry_timestamp"] < time.time()
    assert "http_status_code" not in result.values


@with_cert(hostnames=("intranet.example.vn",))
def test_https_wrong_hostname(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, _ = https_site
    tls = {"ca_file": str(ca.cert_path), "server_name": "localhost"}
    result = probe(f"{url}/ok", tls=tls)
    assert_outcome(result, False, "tls")
    assert "hostname mismatch" in result.detail.lower()
    assert sample(result, "netwatch_probe_tls_verified") == 0
    assert "intranet.example.vn" in result.info["tls_subject"]
    by_ip = probe(f"{url}/ok", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(by_ip, False, "tls")
    assert "mismatch" in by_ip.detail.lower()


@with_cert(self_signed=True)
def test_https_self_signed(https_site: tuple[str, CertFiles], ca: TestCA) -> None:
    url, cert = https_site
    rejected = probe(f"{url}/ok", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(rejected, False, "tls")
    assert "self-signed" in rejected.detail or "self signed" in rejected.detail
    trusted = probe(f"{url}/ok", tls={"ca_file": str(cert.cert)})
    assert_outcome(trusted, True)
    assert trusted.values["tls_verified"] == 1
    unverified = probe(f"{url}/ok", tls={"verify": False})
    assert_outcome(unverified, True)
    assert unverified.values["tls_verified"] == 0
    assert sample(unverified, "netwatch_probe_tls_verified") == 0
    assert_expiry(unverified, cert)


@with_cert()
def test_https_status_failure_keeps_tls_facts(
    https_site: tuple[str, CertFiles], ca: TestCA
) -> None:
    url, cert = https_site
    result = probe(f"{url}/notfound", tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, False, "status")
    assert_expiry(result, cert)
    assert result.values["tls_verified"] == 1


def test_https_unknown_issuer(ca: TestCA, tmp_path: Path) -> None:
    cert = ca.issue("leaf-only")
    leaf_only = tmp_path / "leaf-only.pem"
    pem = cert.cert.read_text()
    leaf_only.write_text(pem[: pem.index("-----END CERTIFICATE-----") + 26])
    other_ca = TestCA(tmp_path, name="Some Other CA")
    with running_server(leaf_only, cert.key) as url:
        result = probe(f"{url}/ok", tls={"ca_file": str(other_ca.cert_path)})
    assert_outcome(result, False, "tls")
    assert "unable to get local issuer" in result.detail
    assert_expiry(result, cert)


@with_cert()
def test_https_credentials_no_warning(
    https_site: tuple[str, CertFiles], ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = https_site
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    result = probe(f"{url}/bearer", bearer_token_env=TOKEN_ENV, tls={"ca_file": str(ca.cert_path)})
    assert_outcome(result, True)
    assert "warning" not in result.info
    assert TOKEN not in repr(result)


def test_https_url_on_plain_server(site: str) -> None:
    result = probe(site.replace("http://", "https://") + "/ok")
    assert_outcome(result, False, "tls")


@with_cert()
def test_http_url_on_tls_server(https_site: tuple[str, CertFiles]) -> None:
    url, _ = https_site
    result = probe(url.replace("https://", "http://") + "/ok")
    assert_outcome(result, False, "connection")
