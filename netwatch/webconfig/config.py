"""Loading a web config file into an immutable, checked :class:`WebConfig`."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from netwatch.core.yamlfile import (
    ConfigError,
    ConfigProblem,
    parse_yaml,
    read_text_file,
    validation_problems,
)
from netwatch.webconfig import headers as header_rules
from netwatch.webconfig import names
from netwatch.webconfig.basicauth import BasicAuth, is_bcrypt_hash
from netwatch.webconfig.model import TLSServerSection, WebConfigFile
from netwatch.webconfig.tls import TLSFileError, TLSSettings, server_context

Lines = dict[tuple[Any, ...], int]


def _frozen(values: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, eq=False)
class WebConfig:
    """TLS, basic-auth users and extra headers of the endpoint; the default is "none"."""

    source: str | None = None
    tls: TLSSettings | None = None
    basic_auth_users: Mapping[str, str] = field(default_factory=dict, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)
    _context: ssl.SSLContext | None = field(init=False, repr=False)
    _auth: BasicAuth = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Freeze the mappings and build the TLS context (:class:`TLSFileError` if unusable)."""
        object.__setattr__(self, "basic_auth_users", _frozen(self.basic_auth_users))
        object.__setattr__(self, "headers", _frozen(self.headers))
        object.__setattr__(self, "_auth", BasicAuth(self.basic_auth_users))
        context = server_context(self.tls) if self.tls is not None else None
        object.__setattr__(self, "_context", context)

    @property
    def secured(self) -> bool:
        """True when TLS or basic auth is configured."""
        return self.tls is not None or bool(self.basic_auth_users)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server SSLContext built when the config loaded, or None without TLS."""
        return self._context

    def quick_authorize(self, authorization: str | None) -> bool | None:
        """The answer when it needs no bcrypt (cheap: fine on the event loop), else None."""
        return self._auth.quick_check(authorization)

    def authorize(self, authorization: str | None) -> bool:
        """True when no users are configured, or the ``Authorization`` value names one.

        A cache miss costs one bcrypt (tens of ms at cost 10): call it off the event loop.
        Malformed values give False, never an exception.
        """
        return self._auth.check(authorization)


def _line(lines: Lines, location: tuple[Any, ...]) -> int | None:
    for end in range(len(location), 0, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return None


def _problem(lines: Lines, location: tuple[Any, ...], message: str) -> ConfigProblem:
    dotted = ".".join(str(part) for part in location)
    return ConfigProblem(dotted, message, _line(lines, location))


def _tls_problems(section: TLSServerSection) -> list[tuple[str, str]]:
    """``(key, message)`` for each rule that spans several keys of ``tls_server_config``."""
    found = [(key, "required") for key in ("cert_file", "key_file") if not getattr(section, key)]
    verifies = section.client_auth_type != "NoClientCert"
    if verifies and section.client_ca_file is None:
        found.append(("client_auth_type", f"{section.client_auth_type} needs client_ca_file"))
    if not verifies and section.client_ca_file is not None:
        found.append(
            (
                "client_ca_file",
                "client_ca_file is set but client_auth_type is NoClientCert, so client "
                "certificates would not be checked: set client_auth_type: "
                "RequireAndVerifyClientCert",
            )
        )
    versions = list(names.TLS_VERSIONS)
    if versions.index(section.max_version) < versions.index("TLS12"):
        found.append(("max_version", "must be TLS12 or TLS13: older versions are not offered"))
    elif versions.index(section.min_version) > versions.index(section.max_version):
        found.append(("min_version", "must not be higher than max_version"))
    if len(section.curve_preferences or ()) > 1:
        found.append(
            ("curve_preferences", "list one curve only: Python's ssl module cannot take more")
        )
    return found


def _tls_settings(section: TLSServerSection, directory: Path) -> TLSSettings:
    def resolve(name: str | None) -> Path:
        path = Path(name or "")
        return path if path.is_absolute() else directory / path

    return TLSSettings(
        cert_file=resolve(section.cert_file),
        key_file=resolve(section.key_file),
        client_auth_type=section.client_auth_type,
        client_ca_file=resolve(section.client_ca_file) if section.client_ca_file else None,
        min_version=section.min_version,
        max_version=section.max_version,
        cipher_suites=tuple(section.cipher_suites or ()),
        curve_preferences=tuple(section.curve_preferences or ()),
        prefer_server_cipher_suites=section.prefer_server_cipher_suites,
    )


def _users(value: Any) -> tuple[dict[str, str], list[tuple[tuple[Any, ...], str]]]:
    """The users and, for each bad entry, ``(location, message)``; values are never echoed."""
    where: tuple[Any, ...] = ("basic_auth_users",)
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, [(where, "must be a mapping of user name to bcrypt hash")]
    users, found = {}, []
    for user, hashed in value.items():
        if not isinstance(user, str) or not user or ":" in user:
            found.append(((*where, user), "user names must be non-empty text without ':'"))
        elif not isinstance(hashed, str) or not is_bcrypt_hash(hashed):
            found.append(
                (
                    (*where, user),
                    "is not a bcrypt hash; make one with 'netwatch hash-password'",
                )
            )
        else:
            users[user] = hashed
    return users, found


def _headers(http: Any) -> tuple[dict[str, str], list[tuple[tuple[Any, ...], str]]]:
    """Allowed headers of the raw ``http_server_config`` (pydantic reports wrong types)."""
    values = http.get("headers") if isinstance(http, dict) else None
    where = ("http_server_config", "headers")
    chosen, found = {}, []
    for name, value in (values if isinstance(values, dict) else {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        message = header_rules.header_problem(name, value)
        if message:
            found.append(((*where, name), message))
        elif value.strip():  # blank means unset, as in exporter-toolkit
            chosen[header_rules.canonical_name(name)] = value.strip()
    return chosen, found


def load_web_config(path: str | Path) -> WebConfig:
    """Read and check a web config file and every file it names.

    Raises :class:`ConfigError` listing every problem with its line and key. Relative
    file names are relative to the web config file's directory.
    """
    source = str(path)
    data, lines = parse_yaml(read_text_file(path), source)
    problems: list[ConfigProblem] = []
    try:
        model: WebConfigFile | None = WebConfigFile.model_validate(data)
    except ValidationError as exc:
        problems, model = validation_problems(exc, lines), None
    users, located = _users(data.get("basic_auth_users"))
    headers, header_problems = _headers(data.get("http_server_config"))
    located += header_problems
    tls = None
    if model is not None and model.tls_server_config is not None:
        section = model.tls_server_config
        section_problems = _tls_problems(section)
        located += [(("tls_server_config", key), text) for key, text in section_problems]
        if not section_problems:
            tls = _tls_settings(section, Path(path).absolute().parent)
    problems += [_problem(lines, where, message) for where, message in located]
    if problems:
        raise ConfigError(source, sorted(problems, key=lambda p: p.line or 0))
    try:
        return WebConfig(source=source, tls=tls, basic_auth_users=users, headers=headers)
    except TLSFileError as exc:
        raise ConfigError(
            source,
            [_problem(lines, ("tls_server_config", key), text) for key, text in exc.problems],
        ) from None
