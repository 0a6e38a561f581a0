"""Mask secrets in text, URLs, headers and config dumps, keeping what identifies a target.

One replacement everywhere: ``<redacted>``. A URL keeps its scheme, host, port and
path; only the password of its user info (``user:<redacted>@``; user info without a
password is masked whole, as it may be a token) and the values of token-like query
parameters (``?token=<redacted>``) are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from pydantic import BaseModel, SecretStr

REDACTED = "<redacted>"

# Header names whose value is a credential, whatever they are called otherwise.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# A header, parameter or field name containing one of these words holds a secret.
_SECRET_WORDS = re.compile(
    r"token|secret|key|auth|session|passw|pwd|cookie|credential|signature|^sig$|^code$",
    re.IGNORECASE,
)
# ``name=`` of a ``name=value`` pair, as in query strings and form bodies, and its value.
_PAIR_NAME = re.compile(r"([A-Za-z0-9_.\[\]%-]+)=")
_PAIR_VALUE = re.compile(r"[^\s&;#\"'<>]*")
# ``scheme://user[:password]@`` at the start of a URL's authority.
# User info runs to the LAST "@" before the path, as URL parsers read it ("a:p@ss@host").
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/?#\s\"'<>]*)@")
# Authorization header values and ``Header: value`` lines of sensitive headers.
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>Basic|Bearer|Digest|Token|Negotiate)\s+[^\s,;\"']+")
_HEADER_LINE = re.compile(r"(?P<name>\b[A-Za-z][A-Za-z0-9-]*)(?P<sep>:[ \t]*)(?P<value>[^\r\n]+)")
# A URL percent-encoded into another URL or a query string (``http%3A%2F%2F...``).
_ENCODED_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*%(?:25)*3A%(?:25)*2F%(?:25)*2F[^\s&\"'<>]*", re.IGNORECASE
)
_MAX_DECODE_DEPTH = 3


def is_secret_name(name: str) -> bool:
    """True when a header, query parameter or field called ``name`` carries a secret."""
    return name.lower() in SENSITIVE_HEADERS or bool(_SECRET_WORDS.search(name))


def _mask_userinfo(match: re.Match[str]) -> str:
    user, sep, _ = match["info"].partition(":")
    if not sep:
        return f"{match['scheme']}{REDACTED}@"
    return f"{match['scheme']}{user}:{REDACTED}@"


def _mask_pairs(text: str) -> str:
    """Replace the value of every ``name=value`` whose name looks secret. Values of other
    names are scanned too: ``target=http://h/?token=x`` masks the inner token."""
    out, position = [], 0
    for match in _PAIR_NAME.finditer(text):
        if match.start() < position or not is_secret_name(unquote(match[1])):
            continue
        value = _PAIR_VALUE.match(text, match.end())
        if value is not None and value.end() > match.end():
            out += [text[position : match.end()], REDACTED]
            position = value.end()
    return "".join(out) + text[position:]


def _mask_encoded(match: re.Match[str]) -> str:
    """Decode an embedded URL; when masking changes it, show the decoded masked form."""
    encoded = match[0]
    decoded = encoded
    for _ in range(_MAX_DECODE_DEPTH):
        decoded = unquote(decoded)
        masked = _mask_plain(decoded)
        if masked != decoded:
            return quote(masked, safe=":/?&=@<>[]%")
        if "%" not in decoded:
            break
    return encoded


def _mask_plain(text: str) -> str:
    text = _USERINFO.sub(_mask_userinfo, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m['scheme']} {REDACTED}", text)
    text = _mask_pairs(text)
    return _HEADER_LINE.sub(_mask_header_line, text)


def _mask_header_line(match: re.Match[str]) -> str:
    """``Name: value`` with the value masked when the name looks secret."""
    if not is_secret_name(match["name"]):
        return match[0]
    return f"{match['name']}{match['sep']}{REDACTED}"


def mask_text(text: str) -> str:
    """``text`` with credentials in URLs, secret ``name=value`` pairs, Authorization values
    and secret header lines replaced by ``<redacted>``, also inside percent-encoded URLs."""
    return _mask_plain(_ENCODED_URL.sub(_mask_encoded, text))


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with the value of every secret-looking name replaced."""
    return {
        name: REDACTED if is_secret_name(name) and value else mask_text(value)
        for name, value in headers.items()
    }


def _mask_value(value: Any, dumped: Any) -> Any:
    if isinstance(value, SecretStr):
        return REDACTED if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        return masked_dump(value)
    if isinstance(value, (list, tuple)):
        return [_mask_value(item, dumped[i]) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_name(key) and item
            else _mask_value(item, dumped[key])
            for key, item in value.items()
        }  # fmt: skip
    if isinstance(dumped, str):
        return mask_text(dumped)
    return dumped


def masked_dump(model: BaseModel) -> dict[str, Any]:
    """``model`` dumped as JSON data for people: secret fields, values under secret-looking
    keys (e.g. an ``X-Api-Key`` header) and credentials inside strings are masked."""
    data = model.model_dump(mode="json")
    return {name: _mask_value(getattr(model, name), data[name]) for name in data}
