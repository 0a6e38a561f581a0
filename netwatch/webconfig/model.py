"""The web config file's shape: strict types and names, checked by pydantic.

Cross-field rules, header names, users and the files themselves are checked in
:mod:`netwatch.webconfig.config`, where each problem is located at its own key.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo, field_validator

from netwatch.core.settings import StrictModel
from netwatch.webconfig import names

_NOT_SUPPORTED = {
    "cert": "inline certificates are not supported: put the PEM in a file and use cert_file",
    "key": "inline keys are not supported: put the PEM in a file (mode 0600) and use key_file",
    "client_ca": "inline CA certificates are not supported: use client_ca_file",
    "client_allowed_sans": "not supported by netwatch: issue client certificates from a CA "
    "that signs only Prometheus's certificates",
    "rate_limit": "not supported by netwatch",
}


def _reject(value: Any, field: str) -> Any:
    if value is not None:
        raise ValueError(_NOT_SUPPORTED[field])
    return value


def _cipher_suite(value: str) -> str:
    if value in names.INSECURE_SUITES:
        raise ValueError(f"cipher suite {value} is insecure and not supported")
    if value not in names.CIPHER_SUITES and value not in names.TLS13_SUITES:
        raise ValueError(
            f"unknown cipher suite {value!r}: use Go names such as "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (see docs/web-config.md)"
        )
    return value


def _curve(value: str) -> str:
    if value not in names.CURVES:
        raise ValueError(f"unknown curve {value!r}: expected one of {', '.join(names.CURVES)}")
    return value


def _tls_version(value: str) -> str:
    if value not in names.TLS_VERSIONS:
        raise ValueError(
            f"unknown TLS version {value!r}: expected one of {', '.join(names.TLS_VERSIONS)}"
        )
    return value


def _client_auth_type(value: str) -> str:
    if value in names.UNVERIFIED_CLIENT_AUTH_TYPES:
        raise ValueError(
            f"{value} is not supported: Python's ssl module cannot ask for a client "
            "certificate without verifying it; use RequireAndVerifyClientCert with "
            "client_ca_file (or VerifyClientCertIfGiven)"
        )
    if value not in names.CLIENT_AUTH_TYPES:
        raise ValueError(
            f"unknown client_auth_type {value!r}: expected one of "
            f"{', '.join(names.CLIENT_AUTH_TYPES)}"
        )
    return value


def _file_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


CipherSuite = Annotated[str, AfterValidator(_cipher_suite)]
Curve = Annotated[str, AfterValidator(_curve)]
TLSVersionName = Annotated[str, AfterValidator(_tls_version)]
ClientAuthType = Annotated[str, AfterValidator(_client_auth_type)]
FileName = Annotated[str, AfterValidator(_file_name)]


class TLSServerSection(StrictModel):
    """``tls_server_config``."""

    cert_file: FileName | None = None  # required: checked with the other rules, so that a
    key_file: FileName | None = None  # missing key never echoes the section (inline PEM)
    client_auth_type: ClientAuthType = "NoClientCert"
    client_ca_file: FileName | None = None
    min_version: TLSVersionName = "TLS12"
    max_version: TLSVersionName = "TLS13"
    cipher_suites: list[CipherSuite] | None = None
    curve_preferences: list[Curve] | None = None
    prefer_server_cipher_suites: bool = True
    cert: Any = None
    key: Any = None
    client_ca: Any = None
    client_allowed_sans: Any = None

    @field_validator("cert", "key", "client_ca", "client_allowed_sans")
    @classmethod
    def _unsupported(cls, value: Any, info: ValidationInfo) -> Any:
        return _reject(value, str(info.field_name))


class HTTPServerSection(StrictModel):
    """``http_server_config``; ``http2`` is accepted and ignored (HTTP/1.1 only)."""

    http2: bool = True
    headers: dict[str, str] | None = None


class WebConfigFile(StrictModel):
    """The whole file. User values are checked by hand so no error message echoes them."""

    tls_server_config: TLSServerSection | None = None
    http_server_config: HTTPServerSection | None = None
    basic_auth_users: Any = None
    rate_limit: Any = None

    @field_validator("rate_limit")
    @classmethod
    def _unsupported(cls, value: Any, info: ValidationInfo) -> Any:
        return _reject(value, str(info.field_name))
