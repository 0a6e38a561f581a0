"""Loading web config files: what is accepted, and every problem named by line and key."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netwatch.core.yamlfile import ConfigError
from netwatch.webconfig import WebConfig, load_web_config
from tests.helpers.webconfig import PKI, cheap_hash, tls_section, write_web_config


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_web_config(path)
    assert caught.value.source == str(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_full_file_loads(pki: PKI) -> None:
    hashed = cheap_hash("s3cret")
    text = tls_section(
        "RequireAndVerifyClientCert",
        extra="  min_version: TLS13\n  prefer_server_cipher_suites: false\n"
        "http_server_config:\n  http2: true\n  headers:\n"
        "    x-frame-options: deny\n    Strict-Transport-Security: max-age=31536000\n"
        "    X-XSS-Protection: ''\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n",
    )
    config = load_web_config(write_web_config(pki.directory, text))
    assert config.secured
    assert config.tls is not None
    assert config.tls.cert_file == pki.server.cert  # relative to the web config's folder
    assert config.tls.client_ca_file == pki.ca.cert_path
    assert config.tls.verify_mode == ssl.CERT_REQUIRED
    assert dict(config.headers) == {
        "X-Frame-Options": "deny",
        "Strict-Transport-Security": "max-age=31536000",
    }  # names in their usual spelling; a blank value means unset
    assert dict(config.basic_auth_users) == {"prometheus": hashed}
    context = config.ssl_context()
    assert context is not None and context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert not context.options & ssl.OP_CIPHER_SERVER_PREFERENCE
    assert hashed not in repr(config)


def test_relative_paths_follow_the_file_not_the_working_directory(
    pki: PKI, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = write_web_config(pki.directory, tls_section())
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert load_web_config(path).tls is not None


def test_an_empty_file_and_no_file_secure_nothing(tmp_path: Path) -> None:
    config = load_web_config(write_web_config(tmp_path, ""))
    assert not config.secured and config.ssl_context() is None
    assert config.authorize(None)
    assert not WebConfig().secured and WebConfig().source is None


def test_every_structural_problem_is_listed_with_line_and_key(pki: PKI) -> None:
    text = (
        "tls_server_config:\n"  # 1
        "  cert_file: server.pem\n"  # 2
        "  key_file: server.key\n"  # 3
        "  client_auth_type: RequireAnyClientCert\n"  # 4
        "  min_version: TLS14\n"  # 5
        "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA, FOO]\n"  # 6
        "  curve_preferences: [CurveP999]\n"  # 7
        "  cert: inline\n"  # 8
        "  colour: blue\n"  # 9
        "http_server_config:\n"  # 10
        "  http2: maybe\n"  # 11
        "  headers:\n"  # 12
        "    Content-Type: text/html\n"  # 13
        "    X-Frame-Options: allow\n"  # 14
        "    X-Powered-By: netwatch\n"  # 15
        "basic_auth_users:\n"  # 16
        "  alice: hunter2\n"  # 17
        "  'a:b': x\n"  # 18
        "rate_limit: {interval: 1s}\n"  # 19
        "extra: 1\n"  # 20
    )
    found = problems(write_web_config(pki.directory, text))
    expected = [
        ("line 4: tls_server_config.client_auth_type", "RequireAnyClientCert is not supported"),
        ("line 5: tls_server_config.min_version", "unknown TLS version 'TLS14'"),
        ("line 6: tls_server_config.cipher_suites.0", "insecure and not supported"),
        ("line 6: tls_server_config.cipher_suites.1", "unknown cipher suite 'FOO'"),
        ("line 7: tls_server_config.curve_preferences.0", "unknown curve 'CurveP999'"),
        ("line 8: tls_server_config.cert", "use cert_file"),
        ("line 9: tls_server_config.colour", "unknown key"),
        ("line 11: http_server_config.http2", "boolean"),
        ("line 13: http_server_config.headers.Content-Type", "set by the server itself"),
        ("line 14: http_server_config.headers.X-Frame-Options", "expected one of deny"),
        ("line 15: http_server_config.headers.X-Powered-By", "cannot be configured"),
        ("line 17: basic_auth_users.alice", "is not a bcrypt hash"),
        ("line 18: basic_auth_users.a:b", "without ':'"),
        ("line 19: rate_limit", "not supported by netwatch"),
        ("line 20: extra", "unknown key"),
    ]
    assert len(found) == len(expected), found
    for (where, what), line in zip(expected, found, strict=True):
        assert line.startswith(where) and what in line, line
    assert not any("hunter2" in line for line in found)  # a password is never echoed


@pytest.mark.parametrize(
    ("extra", "where", "what"),
    [
        ("  max_version: TLS11\n", "line 5: tls_server_config.max_version", "TLS12 or TLS13"),
        (
            "  min_version: TLS13\n  max_version: TLS12\n",
            "line 5: tls_server_config.min_",
            "higher",
        ),
        ("  curve_preferences: [X25519, CurveP256]\n", "line 5: tls_server_config.curve", "one"),
    ],
)
def test_rules_across_keys(pki: PKI, extra: str, where: str, what: str) -> None:
    found = problems(write_web_config(pki.directory, tls_section(extra=extra)))
    assert len(found) == 1 and found[0].startswith(where) and what in found[0], found


def test_verifying_client_certificates_needs_a_ca(pki: PKI) -> None:
    text = tls_section("VerifyClientCertIfGiven").replace("  client_ca_file: ca.pem\n", "")
    found = problems(write_web_config(pki.directory, text))
    assert found == [
        "line 4: tls_server_config.client_auth_type: VerifyClientCertIfGiven needs client_ca_file"
    ]


def test_a_ca_without_client_auth_is_refused(pki: PKI) -> None:
    text = tls_section(extra="  client_ca_file: ca.pem\n")
    found = problems(write_web_config(pki.directory, text))
    assert found[0].startswith("line 5: tls_server_config.client_ca_file: ")
    assert "RequireAndVerifyClientCert" in found[0]


def test_cert_and_key_are_required(tmp_path: Path) -> None:
    text = "tls_server_config:\n  cert_file: ''\n  key: 'PRIVATE KEY PEM'\n"
    found = problems(write_web_config(tmp_path, text))
    assert found == [
        "line 2: tls_server_config.cert_file: must not be empty",
        "line 3: tls_server_config.key: inline keys are not supported: put the PEM in a file "
        "(mode 0600) and use key_file",
    ]
    assert not any("PRIVATE" in line for line in found)
    text = "tls_server_config:\n  min_version: TLS13\n"
    assert problems(write_web_config(tmp_path, text)) == [
        "line 1: tls_server_config.cert_file: required",
        "line 1: tls_server_config.key_file: required",
    ]


def test_unreadable_files_are_named(pki: PKI) -> None:
    text = tls_section("RequireAndVerifyClientCert").replace("server.pem", "missing.pem")
    pki.ca.cert_path.write_text("garbage\n")
    found = problems(write_web_config(pki.directory, text))
    assert found[0].startswith("line 2: tls_server_config.cert_file: cannot read ")
    assert "missing.pem" in found[0] and "No such file" in found[0]
    assert found[1].startswith("line 5: tls_server_config.client_ca_file: ")
    assert "no PEM CA certificate" in found[1]


def test_a_key_that_does_not_match_the_certificate(pki: PKI) -> None:
    text = tls_section().replace("server.key", "prometheus.key")
    found = problems(write_web_config(pki.directory, text))
    assert found == [
        f"line 3: tls_server_config.key_file: {pki.client.key} does not match the "
        "certificate in cert_file"
    ]


def test_an_encrypted_key_is_refused_without_prompting(pki: PKI) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pki.server.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    found = problems(write_web_config(pki.directory, tls_section()))
    assert found[0].startswith("line 3: tls_server_config.key_file: ")
    assert "encrypted with a passphrase" in found[0]


def test_a_certificate_file_holding_no_certificate(pki: PKI) -> None:
    text = tls_section().replace("server.pem", "server.key")
    found = problems(write_web_config(pki.directory, text))
    assert found[0].startswith("line 2: tls_server_config.cert_file: ")
    assert "holds no PEM certificate" in found[0]


def test_tls13_cipher_names_are_accepted_and_ignored(pki: PKI) -> None:
    extra = "  cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n"
    config = load_web_config(write_web_config(pki.directory, tls_section(extra=extra)))
    context = config.ssl_context()
    assert context is not None
    tls12 = [c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 == ["ECDHE-RSA-AES128-GCM-SHA256"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list\n", "line 1: the file must be a mapping of settings"),
        ("tls_server_config: [\n", "invalid YAML"),
        ("basic_auth_users: [alice]\n", "basic_auth_users: must be a mapping"),
        ("basic_auth_users:\n  alice: 12345\n", "basic_auth_users.alice: is not a bcrypt"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(write_web_config(tmp_path, text))
    assert len(found) == 1 and expected in found[0], found
    assert "12345" not in found[0]


def test_header_values_cannot_inject_lines(tmp_path: Path) -> None:
    text = 'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nSet-Cookie: x"\n'
    found = problems(write_web_config(tmp_path, text))
    assert found == [
        "line 3: http_server_config.headers.Content-Security-Policy: the value must be "
        "printable ASCII, without line breaks"
    ]


def test_a_missing_file(tmp_path: Path) -> None:
    found = problems(tmp_path / "absent.yml")
    assert len(found) == 1 and "cannot read file" in found[0]
