"""An office CA made by ``netwatch tls init`` in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner, Result

from netwatch.cli.app import app


def tls(*args: str, stdin: str | None = None) -> Result:
    """Run ``netwatch tls ARGS`` in-process."""
    return CliRunner().invoke(app, ["tls", *args], input=stdin)


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The directory of a fresh office CA."""
    directory = tmp_path / "ca"
    result = tls("init", "--dir", str(directory), "--name", "Văn phòng UBND xã Thử")
    assert result.exit_code == 0, result.output
    return directory
