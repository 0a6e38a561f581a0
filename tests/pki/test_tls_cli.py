"""``netwatch tls``: real certificates from the commands, checked field by field, by
cryptography's RFC 5280 verifier and by ``openssl verify``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from netwatch.pki.ca import create_ca, save_ca
from netwatch.pki.files import KEY_MODE, write_file
from netwatch.pki.issue import issue_client, save_issued
from tests.pki.conftest import load_cert, tls


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def issue(office: Path, *args: str) -> Path:
    """Issue with ``args``; the path of the new certificate."""
    result = tls("issue", *args, "--dir", str(office))
    assert result.exit_code == 0, result.output
    return Path(result.output.split("certificate: ")[1].split()[0])


def test_init_makes_a_ca_that_signs_only_end_entities(office: Path) -> None:
    cert = load_cert(office / "ca.crt")
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Văn phòng UBND xã Thử"
    )
    assert cert.issuer == cert.subject
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert ext(cert, x509.SubjectKeyIdentifier).value.digest
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    lifetime = cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=3649) < lifetime <= dt.timedelta(days=3650)


def test_init_writes_the_key_0600_and_the_certificate_0644(office: Path) -> None:
    assert mode(office / "ca.key") == 0o600
    assert mode(office / "ca.crt") == 0o644
    assert mode(office) == 0o700
    assert sorted(p.name for p in office.iterdir()) == ["ca.crt", "ca.key"]


def test_keys_are_0600_from_creation_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_file(tmp_path / "new.key", b"secret", KEY_MODE, replace=False)
        (tmp_path / "old.key").write_bytes(b"old")
        (tmp_path / "old.key").chmod(0o644)
        write_file(tmp_path / "old.key", b"secret", KEY_MODE, replace=True)
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.key") == 0o600
    assert mode(tmp_path / "old.key") == 0o600
    assert (tmp_path / "old.key").read_bytes() == b"secret"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.key", "old.key"]


def test_init_refuses_to_replace_a_ca_without_force(office: Path) -> None:
    before = (office / "ca.key").read_bytes()
    result = tls("init", "--dir", str(office))
    assert result.exit_code == 2
    assert f"{office / 'ca.key'} already exists; add --force" in result.stderr
    assert (office / "ca.key").read_bytes() == before
    assert tls("init", "--dir", str(office), "--force").exit_code == 0
    assert (office / "ca.key").read_bytes() != before
    assert mode(office / "ca.key") == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "  "], "the CA name (--name) is empty"),
        (["--name", "x" * 65], "longer than 64 characters"),
        (["--days", "0"], "--days 0: a CA lives between 1 and 10950 days"),
    ],
)
def test_init_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = tls("init", "--dir", str(tmp_path / "ca"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "ca").exists()


def test_server_certificate_fields(office: Path) -> None:
    path = issue(office, "pc-ketoan-01", "10.0.0.21", "PC-KeToan-01.ubnd.local", "fd00::21")
    assert path == office / "pc-ketoan-01.crt"
    assert mode(office / "pc-ketoan-01.key") == 0o600 and mode(path) == 0o644
    cert, ca = load_cert(path), load_cert(office / "ca.crt")
    assert cert.subject.rfc4514_string() == "CN=pc-ketoan-01"
    assert cert.issuer == ca.subject
    sans = ext(cert, x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["pc-ketoan-01", "pc-ketoan-01.ubnd.local"]
    assert sans.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("10.0.0.21"),
        ipaddress.ip_address("fd00::21"),
    ]
    assert ext(cert, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_encipherment
    assert not usage.value.key_cert_sign
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    assert (
        ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(ca, x509.SubjectKeyIdentifier).value.digest
    )
    assert ext(cert, x509.SubjectKeyIdentifier).value.digest
    now = dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=396) < cert.not_valid_after_utc - now <= dt.timedelta(days=397)
    assert cert.not_valid_before_utc < now - dt.timedelta(hours=23)


def verifier(ca: Path, now: dt.datetime | None = None) -> PolicyBuilder:
    builder = PolicyBuilder().store(Store([load_cert(ca)]))
    return builder.time(now) if now else builder


def test_cryptography_verifies_server_names_and_client_certificates(office: Path) -> None:
    server = load_cert(issue(office, "pc-01", "10.0.0.21"))
    client = load_cert(issue(office, "--client", "prometheus"))
    ca = office / "ca.crt"
    for name in (x509.DNSName("pc-01"), x509.IPAddress(ipaddress.ip_address("10.0.0.21"))):
        chain = verifier(ca).build_server_verifier(name).verify(server, [])
        assert chain[-1] == load_cert(ca)
    with pytest.raises(VerificationError):
        verifier(ca).build_server_verifier(x509.DNSName("pc-02")).verify(server, [])
    verified = verifier(ca).build_client_verifier().verify(client, [])
    assert verified.subjects == [x509.DNSName("prometheus")]
    # Each certificate is good for its own purpose only.
    with pytest.raises(VerificationError):
        verifier(ca).build_server_verifier(x509.DNSName("prometheus")).verify(client, [])
    with pytest.raises(VerificationError):
        verifier(ca).build_client_verifier().verify(server, [])
    # After 397 days, neither verifies.
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=398)
    with pytest.raises(VerificationError):
        verifier(ca, later).build_client_verifier().verify(client, [])


def test_a_certificate_of_another_office_ca_does_not_verify(office: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert tls("init", "--dir", str(other)).exit_code == 0
    foreign = load_cert(issue(other, "pc-01"))
    with pytest.raises(VerificationError):
        verifier(office / "ca.crt").build_server_verifier(x509.DNSName("pc-01")).verify(foreign, [])


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl binary")
def test_openssl_verifies_purpose_and_names(office: Path, tmp_path: Path) -> None:
    server = issue(office, "pc-01.ubnd.local", "10.0.0.21")
    client = issue(office, "--client", "prometheus")
    assert tls("init", "--dir", str(tmp_path / "other")).exit_code == 0

    def verify(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["openssl", "verify", "-x509_strict", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )

    ca = str(office / "ca.crt")
    ok = verify("-CAfile", ca, "-purpose", "sslserver", "-verify_hostname", "pc-01.ubnd.local",
                str(server))  # fmt: skip
    assert ok.returncode == 0 and ": OK" in ok.stdout, ok.stdout + ok.stderr
    assert verify("-CAfile", ca, "-purpose", "sslserver", "-verify_ip", "10.0.0.21",
                  str(server)).returncode == 0  # fmt: skip
    assert verify("-CAfile", ca, "-purpose", "sslclient", str(client)).returncode == 0
    assert verify("-CAfile", ca, "-purpose", "sslserver", "-verify_hostname", "pc-02",
                  str(server)).returncode != 0  # fmt: skip
    assert verify("-CAfile", ca, "-purpose", "sslserver", str(client)).returncode != 0
    assert verify("-CAfile", ca, "-purpose", "sslclient", str(server)).returncode != 0
    other_ca = str(tmp_path / "other" / "ca.crt")
    assert verify("-CAfile", other_ca, "-purpose", "sslserver", str(server)).returncode != 0


def test_client_certificate_goes_to_out(office: Path, tmp_path: Path) -> None:
    out = tmp_path / "prometheus-files"
    result = tls("issue", "--client", "prometheus", "--dir", str(office), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert mode(out / "prometheus.key") == 0o600 and mode(out / "prometheus.crt") == 0o644
    assert (
        "scheme: https" in result.output
        and "cert_file: /etc/prometheus/netwatch/prometheus.crt" in result.output
    )
    cert = load_cert(out / "prometheus.crt")
    assert ext(cert, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH]
    )


def test_issue_prints_the_agent_web_config_and_scrape_job(office: Path) -> None:
    result = tls("issue", "pc-01", "10.0.0.21", "--dir", str(office))
    assert result.exit_code == 0, result.output
    for line in (
        "tls_server_config:",
        "  key_file: /etc/netwatch/tls/pc-01.key",
        "  client_ca_file: /etc/netwatch/tls/ca.crt",
        "  client_auth_type: RequireAndVerifyClientCert",
        '      - targets: ["pc-01:8934"]',
    ):
        assert line in result.output.splitlines()


def test_issue_refuses_to_replace_files_without_force(office: Path) -> None:
    issue(office, "pc-01")
    before = (office / "pc-01.key").read_bytes()
    result = tls("issue", "pc-01", "--dir", str(office))
    assert result.exit_code == 2
    assert f"{office / 'pc-01.key'} already exists; add --force" in result.stderr
    assert (office / "pc-01.key").read_bytes() == before
    assert tls("issue", "pc-01", "--dir", str(office), "--force").exit_code == 0
    assert (office / "pc-01.key").read_bytes() != before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "name at least one HOST"),
        ([""], "empty host name"),
        (["pc 01"], "host 'pc 01' contains spaces"),
        (["*.ubnd.local"], "wildcard certificates are refused"),
        (["x" * 64], "longer than 63 characters"),
        (["999.1.1.1"], "neither a valid IP address nor a host name"),
        (["pc-01", "--client", "prometheus"], "not both"),
        (["--client", "prom etheus"], "client name 'prom etheus'"),
        (["ca"], "would clash with the CA's own files"),
        (["pc-01", "--days", "826"], "--days 826: a certificate lives between 1 and 825 days"),
    ],
)
def test_issue_refuses_bad_arguments(office: Path, args: list[str], message: str) -> None:
    result = tls("issue", *args, "--dir", str(office))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in office.iterdir()) == ["ca.crt", "ca.key"]


def test_issue_allows_825_days(office: Path) -> None:
    cert = load_cert(issue(office, "pc-01", "--days", "825"))
    lifetime = cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=824) < lifetime <= dt.timedelta(days=825)


def test_a_certificate_never_outlives_its_ca(tmp_path: Path) -> None:
    office = tmp_path / "ca"
    assert tls("init", "--dir", str(office), "--days", "30").exit_code == 0
    result = tls("issue", "pc-01", "--dir", str(office))
    assert result.exit_code == 0
    assert "the certificate ends with the CA on" in result.stderr
    cert, ca = load_cert(office / "pc-01.crt"), load_cert(office / "ca.crt")
    assert cert.not_valid_after_utc == ca.not_valid_after_utc


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def test_a_missing_damaged_or_mismatched_ca_is_one_line(office: Path, tmp_path: Path) -> None:
    def refused(directory: Path) -> str:
        result = tls("issue", "pc-01", "--dir", str(directory))
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1
        return result.stderr

    assert "run `netwatch tls init --dir" in refused(tmp_path / "nowhere")
    key = (office / "ca.key").read_bytes()
    write(
        office / "ca.key", b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n"
    )
    assert "is not a valid PEM private key" in refused(office)
    write(office / "ca.key", b"\x00" * 100)
    assert "is not a PEM file" in refused(office)
    assert tls("init", "--dir", str(tmp_path / "other")).exit_code == 0
    write(office / "ca.key", (tmp_path / "other" / "ca.key").read_bytes())
    assert f"{office / 'ca.key'} is not the key of {office / 'ca.crt'}" in refused(office)
    write(office / "ca.key", key)
    (office / "ca.crt").unlink()
    assert f"CA certificate {office / 'ca.crt'} not found" in refused(office)
    write(office / "ca.crt", (tmp_path / "other" / "ca.crt").read_bytes()[:200])
    assert "is not a valid PEM certificate" in refused(office)


def test_a_leaf_in_place_of_the_ca_is_refused(office: Path, tmp_path: Path) -> None:
    issue(office, "pc-01")
    other = tmp_path / "fake"
    other.mkdir()
    shutil.copy(office / "pc-01.crt", other / "ca.crt")
    shutil.copy(office / "pc-01.key", other / "ca.key")
    result = tls("issue", "pc-02", "--dir", str(other))
    assert result.exit_code == 2 and "is not a CA certificate" in result.stderr


def test_a_passphrase_protects_the_ca_key(tmp_path: Path) -> None:
    office = tmp_path / "ca"
    result = tls(
        "init", "--dir", str(office), "--passphrase", stdin="đúng mật khẩu\nđúng mật khẩu\n"
    )
    assert result.exit_code == 0, result.output
    assert b"ENCRYPTED PRIVATE KEY" in (office / "ca.key").read_bytes()
    wrong = tls("issue", "pc-01", "--dir", str(office), stdin="sai\n")
    assert wrong.exit_code == 2
    assert f"wrong passphrase for CA key {office / 'ca.key'}" in wrong.stderr
    assert "sai" not in wrong.stderr
    none = tls("issue", "pc-01", "--dir", str(office))
    assert none.exit_code == 2 and "no passphrase given for the CA key" in none.stderr
    right = tls("issue", "pc-01", "--dir", str(office), stdin="đúng mật khẩu\n")
    assert right.exit_code == 0, right.output
    assert b"ENCRYPTED" not in (office / "pc-01.key").read_bytes()


def test_show_describes_and_exits_1_once_expired(office: Path, tmp_path: Path) -> None:
    path = issue(office, "pc-01", "10.0.0.21")
    result = tls("show", str(path), "--dir", str(office))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "subject:     pc-01" in lines and "names:       pc-01, 10.0.0.21" in lines
    assert "usage:       server" in lines and "issuer:      Văn phòng UBND xã Thử" in lines
    assert any(line.endswith("days left)") for line in lines)
    assert f"office CA:   yes ({office / 'ca.crt'})" in lines

    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    old_ca = create_ca("old office", 3650, now=past)
    save_ca(old_ca, tmp_path, None, force=False)
    save_issued(issue_client(old_ca, "old", 10, now=past), tmp_path, "old", force=False)
    expired = tls("show", str(tmp_path / "old.crt"), "--dir", str(tmp_path))
    assert expired.exit_code == 1 and "(EXPIRED)" in expired.output
    assert "usage:       client" in expired.output

    assert tls("init", "--dir", str(tmp_path / "other")).exit_code == 0
    foreign = tls("show", str(path), "--dir", str(tmp_path / "other"))
    assert f"office CA:   NO ({tmp_path / 'other' / 'ca.crt'})" in foreign.output
    garbage = tls("show", str(office / "ca.key"))
    assert garbage.exit_code == 2 and "is not a valid PEM certificate" in garbage.stderr


def test_help_does_not_import_cryptography() -> None:
    code = "import sys\nfrom netwatch.cli.app import app\nprint('cryptography' in sys.modules)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr
