"""HTTP(S) prober: a small HTTP/1.1 client on asyncio streams, modelled on blackbox_exporter."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from netwatch import __version__
from netwatch.core.metrics import MetricSpec
from netwatch.core.secrets import is_secret_name
from netwatch.core.settings import Regex, StrictModel
from netwatch.i18n import Message, label, msg
from netwatch.probes.base import PROBE_LABELS, Prober
from netwatch.probes.netutil import IpFamily, close, connect, start_tls, valid_host
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.scope import note
from netwatch.probes.tlsutil import (
    TLS_VALUE_METRICS,
    TlsParams,
    client_context,
    inspection_context,
    prepare_tls,
    record_cert,
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_STATUS_LINE = re.compile(rb"(HTTP/\d\.\d) ([1-9]\d\d)(?: .*)?")
_RESERVED_HEADERS = ("content-length", "transfer-encoding", "connection")
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_MAX_HEADERS = 200
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class BasicAuth(StrictModel):
    """HTTP Basic credentials."""

    username: str = Field(..., description="User name sent with HTTP Basic authentication.")
    password: SecretStr | None = Field(
        None, description="Password, written in the config file. Prefer password_env."
    )
    password_env: str | None = Field(
        None, description="Name of an environment variable holding the password; read at each "
        "probe, so the password stays out of the config file."
    )  # fmt: skip

    @model_validator(mode="after")
    def _one_password(self) -> BasicAuth:
        if (self.password is None) == (self.password_env is None):
            raise ValueError("basic_auth needs exactly one of password or password_env")
        return self


class HttpParams(StrictModel):
    """What an HTTP(S) probe sends and what it expects back."""

    method: str = Field("GET", description="HTTP method: GET, HEAD, POST, PUT, OPTIONS, ...")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra request headers, e.g. {Accept-Language: vi}. "
        "Host and User-Agent may be overridden here. Values of secret-looking names (Cookie, "
        "X-Api-Key, ...) are masked in `config show` and are credentials for /probe."
    )  # fmt: skip
    body: SecretStr | None = Field(
        None, description="Request body (sent as UTF-8), e.g. for POST; masked in `config show` "
        "and debug output, as it may hold a password."
    )  # fmt: skip
    valid_status_codes: list[int] = Field(
        default_factory=list, description="Status codes that count as success; empty means any "
        "2xx code (200-299)."
    )  # fmt: skip
    fail_if_body_matches: list[Regex] = Field(
        default_factory=list, description="Regular expressions; the probe fails when the body "
        "matches any of them (e.g. an error page text)."
    )  # fmt: skip
    fail_if_body_not_matches: list[Regex] = Field(
        default_factory=list, description="Regular expressions; the probe fails unless the body "
        "matches every one of them (e.g. a word the real page always shows)."
    )  # fmt: skip
    follow_redirects: bool = Field(
        True, description="Follow 3xx redirects; when off, the 3xx response is the final one."
    )
    max_redirects: int = Field(
        5, ge=0, le=50, description="Redirects to follow before the probe fails; 0 follows none "
        "(the 3xx response is the final one). Under /probe every hop must pass the module's "
        "`allowed_targets` rules. Authorization and every header whose name looks secret "
        "(Cookie, X-Api-Key, names with token, secret, key, auth, session, password) go only "
        "to the target's own origin (scheme, host and port), never to another origin."
    )  # fmt: skip
    max_body_bytes: int = Field(
        1024 * 1024, ge=0, le=64 * 1024 * 1024, description="Read at most this many body bytes "
        "(default 1 MiB); the rest is not downloaded and not checked by the body patterns."
    )  # fmt: skip
    ip_family: IpFamily = Field(
        "any", description="Address family to connect with: any, ipv4 or ipv6."
    )
    tls: TlsParams = Field(
        default_factory=TlsParams, description="TLS settings for https:// targets."
    )
    basic_auth: BasicAuth | None = Field(
        None, description="Log in with HTTP Basic authentication (user name and password)."
    )
    bearer_token: SecretStr | None = Field(
        None, description="Bearer token sent as 'Authorization: Bearer ...'. Prefer "
        "bearer_token_env."
    )  # fmt: skip
    bearer_token_env: str | None = Field(
        None, description="Name of an environment variable holding the bearer token; read at "
        "each probe."
    )  # fmt: skip

    def credentials(self) -> list[str]:
        """The settings that send credentials: basic_auth, a bearer token, secret headers,
        a request body (a login form holds a password)."""
        found = [f"headers.{name}" for name in self.headers if is_secret_name(name)]
        if self.body is not None:
            found.insert(0, "body")
        if self.basic_auth is not None:
            found.insert(0, "basic_auth")
        if self.bearer_token is not None or self.bearer_token_env is not None:
            found.insert(0, "bearer_token")
        return found

    @field_validator("method")
    @classmethod
    def _method_token(cls, value: str) -> str:
        if not _TOKEN.fullmatch(value):
            raise ValueError(f"invalid HTTP method {value!r}")
        return value.upper()

    @field_validator("headers")
    @classmethod
    def _header_syntax(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"invalid header name {name!r}")
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by netwatch and cannot be given")
            if any(char in text for char in "\r\n\0"):
                raise ValueError(f"header {name!r}: value must not contain line breaks")
        return value

    @field_validator("valid_status_codes")
    @classmethod
    def _status_range(cls, value: list[int]) -> list[int]:
        for code in value:
            if not 100 <= code <= 599:
                raise ValueError(f"status code {code} is not between 100 and 599")
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> HttpParams:
        bearer = self.bearer_token is not None or self.bearer_token_env is not None
        if self.bearer_token is not None and self.bearer_token_env is not None:
            raise ValueError("give bearer_token or bearer_token_env, not both")
        if bearer and self.basic_auth is not None:
            raise ValueError("give basic_auth or a bearer token, not both")
        if (bearer or self.basic_auth) and any(n.lower() == "authorization" for n in self.headers):
            raise ValueError("an Authorization header conflicts with basic_auth / bearer_token")
        return self


@dataclass(frozen=True)
class _Url:
    """A parsed http(s) URL, split the way a request needs it."""

    scheme: str
    host: str
    port: int
    authority: str  # Host header: host[:port], IPv6 in brackets
    target: str  # request target: path and query

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def full(self) -> str:
        """The URL as requested, for resolving relative redirects."""
        return f"{self.scheme}://{self.authority}{self.target}"

    @property
    def display(self) -> str:
        """The URL for people: no user info, no query string."""
        return f"{self.scheme}://{self.authority}{self.target.partition('?')[0]}"


@dataclass
class _Response:
    """Status, headers and (possibly truncated) body of one response."""

    version: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False


def _parse_url(url: str, redirect: bool = False) -> _Url:
    """Split an http:// or https:// URL (a target's or a redirect's); ProbeFailure("config")
    when it is not one."""
    what = msg("redirect URL") if redirect else msg("target URL")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # the message may quote the URL's user info: leave it out
        raise ProbeFailure("config", msg("invalid {url}: bad host or port", url=what)) from None
    if parts.scheme not in _DEFAULT_PORTS:
        why = msg(
            "unsupported {url} scheme {scheme}: use http:// or https://",
            url=what,
            scheme=repr(parts.scheme)
            if parts.scheme
            else label("none", context="URL scheme").fill(),
        )
        raise ProbeFailure("config", why)
    if "@" in parts.netloc:
        why = msg("{url} contains credentials; use basic_auth instead", url=what)
        raise ProbeFailure("config", why)
    if not parts.hostname:
        raise ProbeFailure("config", msg("invalid {url}: no host", url=what))
    if port == 0:
        raise ProbeFailure("config", msg("invalid {url}: port 0", url=what))
    try:
        host = valid_host(parts.hostname).encode("idna").decode("ascii")
    except UnicodeError:
        raise ProbeFailure("config", msg("invalid host name in {url}", url=what)) from None
    authority = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        authority += f":{port}"
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return _Url(parts.scheme, host, port or _DEFAULT_PORTS[parts.scheme], authority, target)


def _env_secret(variable: str, setting: str) -> str:
    """A secret from the environment; ProbeFailure("config") naming the variable when unset."""
    value = os.environ.get(variable)
    if value is None:
        why = msg(
            "environment variable {variable} ({setting}) is not set",
            variable=variable,
            setting=setting,
        )
        raise ProbeFailure("config", why)
    return value


def _authorization(params: HttpParams) -> str | None:
    """The Authorization header value the params ask for, read at probe time."""
    if params.basic_auth is not None:
        auth = params.basic_auth
        password = (
            auth.password.get_secret_value()
            if auth.password is not None
            else _env_secret(auth.password_env or "", "basic_auth.password_env")
        )
        pair = f"{auth.username}:{password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    if params.bearer_token is not None:
        return "Bearer " + params.bearer_token.get_secret_value()
    if params.bearer_token_env is not None:
        return "Bearer " + _env_secret(params.bearer_token_env, "bearer_token_env")
    return None


def _extra_headers(
    params: HttpParams, authorization: str | None, same_origin: bool
) -> dict[str, str]:
    """The configured headers plus credentials; credentials go only to the target's origin."""
    headers = {
        name: value
        for name, value in params.headers.items()
        if same_origin or not is_secret_name(name)
    }
    if authorization is not None and same_origin:
        headers["Authorization"] = authorization
    return headers


def _request(url: _Url, method: str, body: bytes | None, extra: dict[str, str]) -> bytes:
    """The request head and body; ``extra`` headers replace defaults of the same name."""
    headers = {
        "Host": url.authority,
        "User-Agent": f"netwatch/{__version__}",
        "Accept": "*/*",
        "Connection": "close",
    }
    for name, value in extra.items():
        headers = {key: val for key, val in headers.items() if key.lower() != name.lower()}
        headers[name] = value
    if body is not None or method in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body or b""))
    head = f"{method} {url.target} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode() + (body or b"")


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    """One line with its line ending (empty at EOF); a too long line is a protocol failure."""
    try:
        line = await reader.readline()
    except ValueError:  # the stream limit was exceeded
        raise ProbeFailure("protocol", msg("response line too long")) from None
    return line


async def _read_exactly(reader: asyncio.StreamReader, size: int) -> bytes:
    """Exactly ``size`` bytes; a connection closed early is a connection failure."""
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        why = msg(
            "connection closed {count} bytes before the end of the response body",
            count=size - len(exc.partial),
        )
        raise ProbeFailure("connection", why) from None


def _parse_status(line: bytes) -> tuple[str, int]:
    """HTTP version and status code of a status line."""
    match = _STATUS_LINE.fullmatch(line.rstrip(b"\r\n"))
    if match is None:
        start = line[:32].decode("ascii", "replace").partition("?")[0].strip()
        why = msg("not an HTTP response (starts with {start})", start=repr(start))
        raise ProbeFailure("protocol", why)
    return match[1].decode(), int(match[2])


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    """Header fields up to the empty line, names lower-cased, repeats joined with ', '."""
    headers: dict[str, str] = {}
    name = ""
    for _ in range(_MAX_HEADERS):
        line = await _read_line(reader)
        if not line:
            raise ProbeFailure("connection", msg("connection closed inside the response headers"))
        text = line.decode("latin-1").rstrip("\r\n")
        if not text:
            return headers
        if text[0] in " \t" and name:  # obsolete line folding
            headers[name] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        name = name.strip().lower()
        if not sep or not _TOKEN.fullmatch(name):
            raise ProbeFailure("protocol", msg("malformed response header line"))
        headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
    raise ProbeFailure("protocol", msg("more than {count} response headers", count=_MAX_HEADERS))


def _content_length(headers: dict[str, str]) -> int | None:
    """The declared body length, None when absent; malformed is a protocol failure."""
    if "content-length" not in headers:
        return None
    values = {value.strip() for value in headers["content-length"].split(",")}
    value = values.pop() if len(values) == 1 else ""
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ProbeFailure("protocol", msg("invalid Content-Length header"))
    return int(value)


async def _read_chunked(reader: asyncio.StreamReader, cap: int) -> tuple[bytes, bool]:
    """A chunked body, at most ``cap`` bytes; returns (body, truncated)."""
    body = bytearray()
    while True:
        size_text = (await _read_line(reader)).split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProbeFailure("protocol", msg("malformed chunk size in chunked body")) from None
        if size == 0:
            break
        keep = min(size, cap - len(body))
        body += await _read_exactly(reader, keep)
        if keep < size:
            return bytes(body), True
        if await _read_exactly(reader, 2) != b"\r\n":
            raise ProbeFailure("protocol", msg("chunk not followed by CRLF in chunked body"))
    while (await _read_line(reader)).strip():  # trailer fields
        pass
    return bytes(body), False


async def _read_to_close(reader: asyncio.StreamReader, cap: int) -> tuple[bytes, bool]:
    """A body delimited by the connection closing, at most ``cap`` bytes."""
    body = bytearray()
    while len(body) < cap:
        chunk = await reader.read(min(65536, cap - len(body)))
        if not chunk:
            return bytes(body), False
        body += chunk
    return bytes(body), not reader.at_eof()


async def _read_body(
    reader: asyncio.StreamReader, response: _Response, method: str, cap: int
) -> None:
    """Read the body the response announces (none for HEAD, 1xx, 204 and 304)."""
    if method == "HEAD" or response.status in (204, 304) or response.status < 200:
        return
    if "chunked" in response.headers.get("transfer-encoding", "").lower():
        response.body, response.truncated = await _read_chunked(reader, cap)
        return
    length = _content_length(response.headers)
    if length is None:
        response.body, response.truncated = await _read_to_close(reader, cap)
    else:
        response.body = await _read_exactly(reader, min(length, cap))
        response.truncated = length > cap


async def _read_response(
    reader: asyncio.StreamReader, status_line: bytes, method: str, cap: int
) -> _Response:
    """Parse the response after its first status line, skipping interim 1xx responses."""
    while True:
        if not status_line:
            raise ProbeFailure("connection", msg("connection closed before a response"))
        version, status = _parse_status(status_line)
        response = _Response(version, status, await _read_headers(reader))
        if not 100 <= status < 200 or status == 101:
            break
        status_line = await _read_line(reader)
    await _read_body(reader, response, method, cap)
    return response


def _record_tls(
    result: ProbeResult, ssl_object: ssl.SSLObject, params: HttpParams, verified: bool
) -> None:
    """Certificate facts of a TLS session as values, info and warnings."""
    result.values["tls_verified"] = 1.0 if verified else 0.0
    record_cert(result, ssl_object, params.tls)


async def _inspect_untrusted(url: _Url, params: HttpParams, result: ProbeResult) -> None:
    """After a failed verification, read the presented chain without trusting it."""
    scratch = ProbeResult()  # keep the failed attempt's timings out of the phases
    try:
        reader, writer = await connect(url.host, url.port, scratch, params.ip_family)
    except (OSError, ProbeFailure):
        return
    try:
        server_name = params.tls.server_name or url.host
        ssl_object = await start_tls(reader, writer, inspection_context(), server_name, scratch)
        _record_tls(result, ssl_object, params, verified=False)
    except (OSError, ValueError, ProbeFailure):  # the verification error says enough
        pass
    finally:
        await close(writer)


async def _open(
    url: _Url, params: HttpParams, context: ssl.SSLContext | None, result: ProbeResult
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect, and for https speak TLS and record the certificate."""
    reader, writer = await connect(url.host, url.port, result, params.ip_family)
    if context is None:
        return reader, writer
    try:
        server_name = params.tls.server_name or url.host
        ssl_object = await start_tls(reader, writer, context, server_name, result)
        _record_tls(result, ssl_object, params, verified=params.tls.verify)
    except ssl.SSLCertVerificationError:
        await close(writer)
        result.values["tls_verified"] = 0.0
        await _inspect_untrusted(url, params, result)
        raise
    except BaseException:
        await close(writer)
        raise
    return reader, writer


async def _exchange(
    url: _Url, request: bytes, method: str, params: HttpParams, result: ProbeResult
) -> _Response:
    """One request and its response on a fresh connection."""
    context = client_context(params.tls) if url.scheme == "https" else None
    reader, writer = await _open(url, params, context, result)
    try:
        with result.phase("first_byte"):  # from sending the request to its first line
            writer.write(request)
            await writer.drain()
            status_line = await _read_line(reader)
        with result.phase("transfer"):
            return await _read_response(reader, status_line, method, params.max_body_bytes)
    finally:
        await close(writer)


def _note_request(url: _Url, method: str, extra: dict[str, str], params: HttpParams) -> None:
    """Note the request and the headers credentials that stay behind (debug trail)."""
    note(f"request: {method} {url.display}")
    dropped = [name for name in params.headers if name not in extra]
    if dropped:
        note(f"not sent to another origin: {', '.join(dropped)}")


async def _hop(
    url: _Url, request: bytes, method: str, params: HttpParams, result: ProbeResult
) -> _Response:
    """One exchange; a redirect's target refused by /probe rules says it was a redirect."""
    try:
        return await _exchange(url, request, method, params, result)
    except ProbeFailure as exc:
        if exc.reason != "denied" or not result.values["http_redirects"]:
            raise
        why = msg("redirect to {url} refused: {why}", url=url.display, why=exc.message)
        raise ProbeFailure("denied", why) from None


def _check_status(status: int, valid: list[int]) -> None:
    """Fail with reason "status" unless ``status`` is expected."""
    if (status in valid) if valid else (200 <= status < 300):
        return
    expected = ", ".join(str(code) for code in valid) if valid else "2xx"
    why = msg("status {status}, expected {expected}", status=status, expected=expected)
    raise ProbeFailure("status", why)


def _check_body(response: _Response, params: HttpParams) -> None:
    """Fail with reason "content" when the body patterns say so."""
    if not (params.fail_if_body_matches or params.fail_if_body_not_matches):
        return
    charset = re.search(r"charset=\"?([\w.:-]+)", response.headers.get("content-type", ""))
    try:
        text = response.body.decode(charset[1] if charset else "utf-8", "replace")
    except LookupError:
        text = response.body.decode("utf-8", "replace")
    for pattern in params.fail_if_body_matches:
        if re.search(pattern, text):
            why = msg("body matched forbidden pattern {pattern}", pattern=repr(pattern))
            raise ProbeFailure("content", why)
    for pattern in params.fail_if_body_not_matches:
        if not re.search(pattern, text):
            raise ProbeFailure("content", _unmatched(repr(pattern), response))


def _unmatched(pattern: str, response: _Response) -> Message:
    """Why the body failed a required pattern (and how much of it was read)."""
    if response.truncated:
        return msg(
            "body did not match required pattern {pattern} (in the first {count} bytes read)",
            pattern=pattern,
            count=len(response.body),
        )
    return msg("body did not match required pattern {pattern}", pattern=pattern)


def _next_hop(
    response: _Response, url: _Url, method: str, body: bytes | None
) -> tuple[_Url, str, bytes | None]:
    """Where a redirect leads, and with which method and body (RFC 9110 15.4).

    The body never follows a redirect to another origin: it may hold a password.
    """
    location = urljoin(url.full, response.headers["location"].strip())
    try:
        next_url = _parse_url(location, redirect=True)
    except ProbeFailure as exc:
        raise ProbeFailure("protocol", exc.message) from None
    if response.status == 303 and method != "HEAD":
        return next_url, "GET", None
    if response.status in (301, 302) and method == "POST":
        return next_url, "GET", None
    if body is not None and next_url.origin != url.origin:
        return next_url, "GET" if method == "POST" else method, None
    return next_url, method, body


async def probe(target: str, params: HttpParams, result: ProbeResult) -> None:
    """Request ``target``, follow redirects, and check status, body and certificate."""
    url = _parse_url(target)
    origin, method = url.origin, params.method
    body = params.body.get_secret_value().encode() if params.body is not None else None
    authorization = _authorization(params)
    result.values["http_redirects"] = 0.0
    follow = params.follow_redirects and params.max_redirects > 0
    while True:
        result.info["final_url"] = url.display
        extra = _extra_headers(params, authorization, url.origin == origin)
        _note_request(url, method, extra, params)
        if url.scheme == "http" and any(name.lower() == "authorization" for name in extra):
            result.describe("warning", msg("credentials were sent unencrypted over http://"))
        request = _request(url, method, body, extra)
        response = await _hop(url, request, method, params, result)
        note(f"response: {response.version} {response.status}, {len(response.body)} body bytes")
        result.values["http_status_code"] = float(response.status)
        result.values["http_content_length"] = float(len(response.body))
        result.info["http_version"] = response.version
        redirect = response.status in _REDIRECT_CODES and "location" in response.headers
        if not (redirect and follow):
            break
        if result.values["http_redirects"] >= params.max_redirects:
            why = msg(
                "more than {count} redirects (last status {status} at {url})",
                count=params.max_redirects,
                status=response.status,
                url=url.display,
            )
            raise ProbeFailure("status", why)
        url, method, body = _next_hop(response, url, method, body)
        result.values["http_redirects"] += 1
        note(f"redirect {result.values['http_redirects']:.0f} to {url.display}")
    if response.truncated:
        read = msg("read only the first {count} bytes", count=len(response.body))
        result.describe("body_truncated", read)
    _check_status(response.status, params.valid_status_codes)
    _check_body(response, params)


# Numeric facts this prober reports in ProbeResult.values, with their metrics.
VALUE_METRICS: dict[str, MetricSpec] = {
    "http_status_code": MetricSpec(
        "netwatch_probe_http_status_code",
        "gauge",
        "HTTP status code of the final response.",
        PROBE_LABELS,
    ),
    "http_content_length": MetricSpec(
        "netwatch_probe_http_content_length_bytes", "gauge", "Body bytes received.", PROBE_LABELS
    ),
    "http_redirects": MetricSpec(
        "netwatch_probe_http_redirects", "gauge", "Redirects followed.", PROBE_LABELS
    ),
    **TLS_VALUE_METRICS,
}

EXAMPLE = """\
- name: portal
  prober: http
  target: https://portal.ubnd.local/
  http:
    valid_status_codes: [200]
    fail_if_body_not_matches: ["Cổng thông tin"]
    tls: {ca_file: /etc/netwatch/office-ca.pem}
    basic_auth: {username: monitor, password_env: NETWATCH_PORTAL_PASSWORD}
"""


def prepare(target: str, params: HttpParams) -> None:
    """The TLS set-up, for an https URL or one whose redirects may lead to https."""
    if params.follow_redirects or target.strip().lower().startswith("https:"):
        prepare_tls(params.tls)


PROBER = Prober(
    prepare=prepare,
    check_target=_parse_url,
    name="http",
    value_metrics=VALUE_METRICS,
    default_module="http_2xx",
    example=EXAMPLE,
    params_model=HttpParams,
    probe=probe,
    description="Requests an http:// or https:// URL and checks the status code, the body "
    "(regular expressions) and, for HTTPS, the certificate and its expiry date.",
)
