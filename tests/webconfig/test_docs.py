"""docs/web-config.md: its example loads, and the names it lists are the ones the code knows."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

from netwatch.webconfig import load_web_config
from netwatch.webconfig import names as tls_names
from tests.helpers.webconfig import PKI

DOC = Path(__file__).resolve().parents[2] / "docs" / "web-config.md"


def test_the_example_loads_with_real_files(pki: PKI) -> None:
    text = DOC.read_text()
    example = re.search(r"## Example\n\n```yaml\n(.*?)```", text, re.S)
    assert example is not None
    shutil.copy(pki.server.cert, pki.directory / "agent.pem")
    shutil.copy(pki.server.key, pki.directory / "agent.key")
    shutil.copy(pki.ca.cert_path, pki.directory / "office-ca.pem")
    path = pki.directory / "example.yml"
    path.write_text(example.group(1))
    config = load_web_config(path)
    assert config.tls is not None and config.tls.client_auth_type == "RequireAndVerifyClientCert"
    assert config.authorize("Basic " + base64.b64encode(b"prometheus:example-password").decode())


def test_every_cipher_suite_and_curve_is_documented() -> None:
    text = DOC.read_text()
    for go_name, openssl_name in tls_names.CIPHER_SUITES.items():
        assert f"| `{go_name}` | `{openssl_name}` |" in text
    for curve in tls_names.CURVES:
        assert f"`{curve}`" in text
