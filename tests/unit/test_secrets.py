"""Secrets are masked in text, URLs, config show and logs; what names the target stays."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from netwatch.config.loader import parse_config_text
from netwatch.config.render import render_yaml
from netwatch.core.secrets import REDACTED, is_secret_name, mask_headers, mask_text
from netwatch.core.yamlfile import ConfigError
from netwatch.logsetup import setup_logging

SECRET = "Hn7-planted-s3cret"

secrets = st.from_regex(r"[A-Za-z0-9._~-]{8,24}", fullmatch=True)
hosts = st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,6}){0,2}", fullmatch=True)
paths = st.from_regex(r"(/[a-z0-9]{1,8}){0,3}", fullmatch=True)
ports = st.integers(1, 65535)
secret_params = st.sampled_from(
    ["token", "access_token", "api_key", "apikey", "key", "secret", "password", "passwd", "pwd",
     "sig", "signature", "auth", "session", "sessionid", "X-Amz-Signature", "client_secret"]
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "masked"),
    [("https://user:pw@portal.ubnd.local:8443/a/b?x=1&token=t0k#top",
      f"https://user:{REDACTED}@portal.ubnd.local:8443/a/b?x=1&token={REDACTED}#top"),
     ("https://ghp_abc@git.example/x", f"https://{REDACTED}@git.example/x"),
     ("GET /probe?module=m&target=http%3A%2F%2Fu%3Apw%40h%2Fok%3Fapi_key%3Dk HTTP/1.1",
      f"GET /probe?module=m&target=http://u:{REDACTED}@h/ok?api_key={REDACTED} HTTP/1.1"),
     ("http%253A%252F%252Fu%253Apw%2540h", f"http://u:{REDACTED}@h"),
     ("target=http://h/ok?token=abc done", f"target=http://h/ok?token={REDACTED} done"),
     ("Authorization: Bearer abc.def", f"Authorization: {REDACTED}"),
     ("sent Basic dXNlcjpwYXNz to h", f"sent Basic {REDACTED} to h"),
     ("X-Api-Key: 1234\r\nAccept: */*", f"X-Api-Key: {REDACTED}\r\nAccept: */*"),
     ("password=hunter2 interval=30s", f"password={REDACTED} interval=30s"),
     ("http://portal.ubnd.local/login?next=/home", "http://portal.ubnd.local/login?next=/home"),
     ("http%3A%2F%2Fportal%2Fok", "http%3A%2F%2Fportal%2Fok"),
     ("nothing secret here", "nothing secret here")],
)  # fmt: skip
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("name", "secret"),
    [("Authorization", True), ("Proxy-Authorization", True), ("Cookie", True),
     ("X-Api-Key", True), ("X-Auth-Token", True), ("X-Session-Id", True),
     ("X-Client-Secret", True), ("db_password", True), ("Accept-Language", False),
     ("User-Agent", False), ("Host", False), ("module", False), ("target", False)],
)  # fmt: skip
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_mask_headers_keeps_names_and_harmless_values() -> None:
    assert mask_headers({"X-Api-Key": "k", "Accept": "*/*", "Cookie": ""}) == {
        "X-Api-Key": REDACTED, "Accept": "*/*", "Cookie": ""
    }  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(secret=secrets, user=st.from_regex(r"[a-z]{1,8}", fullmatch=True), host=hosts,
       port=ports, path=paths, param=secret_params,
       scheme=st.sampled_from(["http", "https", "smtp"]))  # fmt: skip
def test_urls_lose_their_secrets_and_keep_what_names_the_target(
    secret: str, user: str, host: str, port: int, path: str, param: str, scheme: str
) -> None:
    assume(all(secret not in part for part in (user, host, path, param, scheme, str(port))))
    url = f"{scheme}://{user}:{secret}@{host}:{port}{path}?a=1&{param}={secret}"
    for text in (f"probing {url} now", quote(url, safe=""), f"target={quote(url, safe='')}"):
        masked = mask_text(text)
        assert secret not in masked, (text, masked)
        assert f"{scheme}://{user}:{REDACTED}@{host}:{port}{path}?a=1&{param}={REDACTED}" in masked


@settings(max_examples=100, deadline=None)
@given(secret=secrets, host=hosts, header=st.sampled_from(["X-Api-Key", "Cookie", "X-Token"]))
def test_config_show_never_prints_a_planted_secret(secret: str, host: str, header: str) -> None:
    assume(secret not in host and secret not in "<redacted>")
    config = parse_config_text(
        f"""\
services:
  - name: portal
    prober: http
    target: "https://{host}/login?access_token={secret}"
    http:
      method: POST
      body: "user=monitor&pw={secret}"
      headers: {{{header}: "{secret}", Accept-Language: vi}}
      basic_auth: {{username: monitor, password: "{secret}"}}
  - name: api
    prober: http
    target: "https://{host}/"
    http: {{bearer_token: "{secret}"}}
probe_modules:
  portal_login:
    prober: http
    allowed_targets: ["{host}"]
    http: {{headers: {{{header}: "{secret}"}}, body: "{secret}"}}
""",
        "test",
    )
    shown = render_yaml(config)
    assert secret not in shown
    data = yaml.safe_load(shown)
    portal, api = data["services"]
    assert portal["target"] == f"https://{host}/login?access_token={REDACTED}"
    assert portal["http"]["headers"] == {header: REDACTED, "Accept-Language": "vi"}
    assert portal["http"]["body"] == REDACTED
    assert portal["http"]["basic_auth"] == {"username": "monitor", "password": REDACTED}
    assert api["http"]["bearer_token"] == REDACTED
    assert data["probe_modules"]["portal_login"]["http"]["headers"][header] == REDACTED


@settings(max_examples=50, deadline=None)
@given(secret=secrets, host=hosts)
def test_a_target_url_with_a_password_is_refused_without_showing_it(secret: str, host: str) -> None:
    assume(secret not in host)
    text = f"services:\n  - name: api\n    prober: http\n    target: https://monitor:{secret}@{host}/\n"
    with pytest.raises(ConfigError) as raised:
        parse_config_text(text, "test")
    assert "contains credentials; use basic_auth" in str(raised.value)
    assert secret not in str(raised.value)


@pytest.fixture
def netwatch_logger() -> Iterator[logging.Logger]:
    """The netwatch logger, restored after the test."""
    logger = logging.getLogger("netwatch")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


LEAKY_MESSAGES = [
    ("GET %s HTTP/1.1", (f"/probe?target=http%3A%2F%2Fadmin%3A{SECRET}%40fs01%2F",)),
    ("probe target=%s failed", (f"https://admin:{SECRET}@fs01.ubnd.local/share",)),
    ("request header Authorization: Bearer %s", (SECRET,)),
    ("fetching %s", (f"http://portal/ok?session={SECRET}&page=2",)),
]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_logs_are_masked_at_every_level(netwatch_logger, capfd, caplog, fmt: str) -> None:
    setup_logging("debug", fmt)
    netwatch_logger.addHandler(caplog.handler)  # sees each record after the mask
    log = logging.getLogger("netwatch.test")
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        for message, args in LEAKY_MESSAGES:
            log.log(level, message, *args)
    try:
        raise ValueError(f"cannot open https://admin:{SECRET}@fs01/?token={SECRET}")
    except ValueError:
        log.exception("probe crashed for %s", f"http://x/?api_key={SECRET}")
    err = capfd.readouterr().err
    assert SECRET not in err
    assert "fs01.ubnd.local/share" in err and "admin:<redacted>@" in err
    assert "session=<redacted>&page=2" in err and "Traceback" in err
    if fmt == "json":
        assert all(json.loads(line)["msg"] for line in err.splitlines() if line.startswith("{"))
    assert len(caplog.records) == 4 * len(LEAKY_MESSAGES) + 1
    for record in caplog.records:
        assert SECRET not in record.getMessage()
    assert SECRET not in caplog.text


def test_config_errors_never_echo_a_secret_setting(tmp_path) -> None:
    from netwatch.config.loader import load_config
    from netwatch.core.yamlfile import ConfigError

    path = tmp_path / "netwatch.yaml"
    path.write_text(
        f"""\
services:
  - name: portal
    prober: http
    target: https://portal.ubnd.local/
    http:
      basic_auth: {{username: monitor, password: [{SECRET}]}}
      headers: {{X-Api-Key: [{SECRET}]}}
      max_redirects: "5?token={SECRET}"
"""
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "basic_auth.password" in text and "headers.X-Api-Key" in text
    assert "max_redirects" in text and "token=<redacted>" in text
    assert SECRET not in text


def test_a_password_holding_at_signs_is_masked_whole() -> None:
    masked = mask_text("probe http://admin:S3cr@tPass@10.1.2.3/login failed")
    assert "S3cr" not in masked and "tPass" not in masked
    assert masked == "probe http://admin:<redacted>@10.1.2.3/login failed"
    assert mask_text("see http://host/a@b") == "see http://host/a@b"


def test_header_lines_of_every_secret_looking_name_are_masked() -> None:
    assert mask_text("X-Auth-Token: abc123") == "X-Auth-Token: <redacted>"
    assert mask_text("Content-Type: text/plain") == "Content-Type: text/plain"
    assert mask_text("see http://host:8080/x") == "see http://host:8080/x"
