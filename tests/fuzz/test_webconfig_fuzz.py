"""The web config loader and basic-auth check fed garbage and near-valid input.

``load_web_config`` returns a config or raises :class:`ConfigError` whose every line
names the file, whatever the file holds, with real certificates and keys next to it
so that the TLS files are loaded too. ``WebConfig.authorize`` never raises and
accepts only the right user and password.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.core.yamlfile import ConfigError
from netwatch.webconfig import WebConfig, load_web_config, names
from netwatch.webconfig.headers import ALLOWED
from tests.fuzz.strategies import host_text, mutated
from tests.fuzz.yamltext import yaml_documents
from tests.helpers.webconfig import cheap_hash, make_pki

USER, PASSWORD = "prometheus", "s3cret-pässword"
HASH = cheap_hash(PASSWORD)
KEYS = (
    "tls_server_config", "cert_file", "key_file", "client_auth_type", "client_ca_file",
    "min_version", "max_version", "cipher_suites", "curve_preferences",
    "prefer_server_cipher_suites", "cert", "key", "client_ca", "client_allowed_sans",
    "http_server_config", "http2", "headers", "basic_auth_users", "rate_limit", USER,
    *ALLOWED,
)  # fmt: skip
VALUES = (
    "server.pem", "server.key", "ca.pem", "prometheus.pem", "prometheus.key", "expired.key",
    "other-ca/ca.pem", "other-ca", "missing.pem", HASH, HASH[:-1], "$2b$03$" + HASH[7:],
    "nosniff", "deny", "max-age=31536000", "TLS_AES_128_GCM_SHA256", "RequestClientCert",
    *names.CLIENT_AUTH_TYPES, *names.TLS_VERSIONS, *names.CURVES, *list(names.CIPHER_SUITES)[:4],
)  # fmt: skip
VALID = f"""tls_server_config:
  cert_file: server.pem
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.pem
  min_version: TLS12
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [CurveP256]
http_server_config:
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  {USER}: {HASH}
"""
MAX_SECONDS = 5.0


@pytest.fixture(scope="module")
def directory() -> Iterator[Path]:
    """A folder with an office CA, server and client certificates (fixtures made once)."""
    with tempfile.TemporaryDirectory(prefix="netwatch-webconfig-fuzz-") as name:
        make_pki(Path(name))
        yield Path(name)


def assert_config_or_clear_error(directory: Path, text: str) -> None:
    path = directory / "web.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.monotonic()
    try:
        config = load_web_config(path)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must say what is wrong"
        lines = str(exc).split("\n")
        assert lines == exc.lines()
        for line in lines:
            assert line.startswith(f"{path}: ") and line.isprintable(), repr(line)
        assert HASH not in str(exc), "a password hash must never be echoed"
    else:
        assert isinstance(config, WebConfig)
    assert time.monotonic() - started < MAX_SECONDS, "the loader took too long"


def test_the_valid_file_loads(directory: Path) -> None:
    path = directory / "valid.yml"
    path.write_text(VALID)
    config = load_web_config(path)
    assert config.tls is not None and config.headers["X-Frame-Options"] == "deny"
    assert config.authorize("Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())


@given(st.text(max_size=400) | host_text)
@example("\ud800")
def test_arbitrary_text(directory: Path, text: str) -> None:
    assert_config_or_clear_error(directory, text)


@given(yaml_documents(KEYS, VALUES))
@example('http_server_config:\n  headers:\n    X-Frame-Options: "deny\\n"\n')
@example('basic_auth_users:\n  "a\\nb": x\n')
def test_structured_yaml_with_the_real_keys(directory: Path, text: str) -> None:
    assert_config_or_clear_error(directory, text)


@given(mutated(VALID))
def test_a_valid_file_corrupted(directory: Path, text: str) -> None:
    assert_config_or_clear_error(directory, text)


# --- basic auth -------------------------------------------------------------------------

CONFIG = WebConfig(basic_auth_users={USER: HASH, "admin": cheap_hash("other")})


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _is_right(header: str) -> bool:
    """The oracle: a Basic scheme (any case) whose token decodes to exactly USER:PASSWORD."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        return base64.b64decode(token.strip(), validate=True) == f"{USER}:{PASSWORD}".encode()
    except (binascii.Error, ValueError):
        return False


RIGHT = f"{USER}:{PASSWORD}".encode()
headers = st.one_of(
    st.text(max_size=200),
    host_text,
    st.binary(max_size=120).map(_basic),
    st.binary(max_size=40).map(lambda tail: _basic(RIGHT + tail)),
    st.binary(max_size=40).map(lambda head: _basic(head + RIGHT)),
    st.sampled_from([USER, "admin", "", "a:b"]).flatmap(
        lambda user: st.text(max_size=80).map(
            lambda pw: _basic(f"{user}:{pw}".encode("utf-8", "surrogatepass"))
        )
    ),
    st.tuples(
        st.sampled_from(["Basic", "basic", "BASIC", "Bearer", "Basic:", ""]),
        st.sampled_from([" ", "  ", "\t", "\n", " \u00a0"]),
    ).map(lambda parts: parts[0] + parts[1] + base64.b64encode(RIGHT).decode()),  # fmt: skip
)


@given(headers)
@example(_basic(RIGHT))
@example("basic " + base64.b64encode(RIGHT).decode() + "  ")
@example(_basic(RIGHT + b":extra"))
@example(_basic(f"{USER}:{PASSWORD}{'x' * 100}".encode()))
@example(_basic(RIGHT) + "=")
@example(_basic(RIGHT)[:-1])
@example("Basic " + "A" * 1_000_000)
@example("Basic " + ":" * 5000)
@example(_basic(b":" * 300))
@example(_basic(b"\xff\xfe:\x00"))
@example("Basic ©®" + base64.b64encode(RIGHT).decode())
@example("Basic \ud800")
def test_authorize_never_raises_and_needs_the_right_password(header: str) -> None:
    assert CONFIG.authorize(header) is _is_right(header)


def test_authorize_without_a_header_is_refused() -> None:
    assert CONFIG.authorize(None) is False
    assert WebConfig().authorize(None) is True
