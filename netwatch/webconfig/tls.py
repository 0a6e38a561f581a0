"""``tls_server_config`` resolved to files, and the server SSLContext built from it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from netwatch.webconfig import names

MAX_PEM_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TLSSettings:
    """The server's TLS settings, with absolute file paths."""

    cert_file: Path
    key_file: Path
    client_auth_type: str = "NoClientCert"
    client_ca_file: Path | None = None
    min_version: str = "TLS12"
    max_version: str = "TLS13"
    cipher_suites: tuple[str, ...] = ()
    curve_preferences: tuple[str, ...] = ()
    prefer_server_cipher_suites: bool = True

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file these settings read: certificate, key and client CA."""
        ca = (self.client_ca_file,) if self.client_ca_file is not None else ()
        return (self.cert_file, self.key_file, *ca)

    @property
    def verify_mode(self) -> ssl.VerifyMode:
        """What the server asks of a client's certificate."""
        return names.CLIENT_AUTH_TYPES[self.client_auth_type]


class TLSFileError(Exception):
    """The TLS files cannot be used; ``problems`` is ``(key, message)`` for each."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


def _read(path: Path) -> bytes:
    """A small PEM file's bytes; OSError or ValueError with the reason when unusable."""
    with path.open("rb") as handle:
        data = handle.read(MAX_PEM_BYTES + 1)
    if len(data) > MAX_PEM_BYTES:
        raise ValueError("larger than 1 MiB, not a PEM file")
    return data


def _check_cert(path: Path) -> str | None:
    from cryptography import x509

    try:
        x509.load_pem_x509_certificates(_read(path))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    except ValueError:
        return f"{path} holds no PEM certificate"
    return None


def _check_key(path: Path) -> str | None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(_read(path), password=None)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    except TypeError:
        return f"{path} is encrypted with a passphrase; netwatch needs an unencrypted key"
    except (ValueError, UnsupportedAlgorithm):
        return f"{path} holds no usable PEM private key"
    return None


def _load_client_ca(context: ssl.SSLContext, path: Path) -> str | None:
    try:
        text = _read(path).decode("ascii")
        context.load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError):  # SSLError first: it is an OSError too
        return f"{path} holds no PEM CA certificate"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    return None


def _base_context(settings: TLSSettings) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.options |= ssl.OP_NO_RENEGOTIATION
    context.minimum_version = names.TLS_VERSIONS[settings.min_version]
    context.maximum_version = names.TLS_VERSIONS[settings.max_version]
    suites = settings.cipher_suites
    tls12_suites = [names.CIPHER_SUITES[s] for s in suites if s in names.CIPHER_SUITES]
    if tls12_suites:
        context.set_ciphers(":".join(tls12_suites))
    if settings.curve_preferences:
        context.set_ecdh_curve(names.CURVES[settings.curve_preferences[0]])
    if settings.prefer_server_cipher_suites:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    context.verify_mode = settings.verify_mode
    return context


def _no_passphrase() -> bytes:
    raise ValueError("encrypted key")


def server_context(settings: TLSSettings) -> ssl.SSLContext:
    """A server SSLContext for ``settings``; :class:`TLSFileError` naming each bad file."""
    problems: list[tuple[str, str]] = []
    for key, check, path in (
        ("cert_file", _check_cert, settings.cert_file),
        ("key_file", _check_key, settings.key_file),
    ):
        message = check(path)
        if message:
            problems.append((key, message))
    context = _base_context(settings)
    if settings.client_ca_file is not None:
        message = _load_client_ca(context, settings.client_ca_file)
        if message:
            problems.append(("client_ca_file", message))
    if problems:
        raise TLSFileError(problems)
    try:
        context.load_cert_chain(settings.cert_file, settings.key_file, password=_no_passphrase)
    except (ssl.SSLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None)
        if reason == "KEY_VALUES_MISMATCH":
            raise TLSFileError(
                [("key_file", f"{settings.key_file} does not match the certificate in cert_file")]
            ) from None
        raise TLSFileError(
            [("cert_file", f"cannot load {settings.cert_file} with its key: {reason or exc}")]
        ) from None
    return context
