"""``http_server_config.headers``: the security headers exporter-toolkit lets a user set.

exporter-toolkit accepts exactly these five names (and fixed values for two of them);
everything else, above all the headers the server owns (Content-Type, Content-Length,
WWW-Authenticate, ...), is refused.
"""

from __future__ import annotations

ALLOWED: dict[str, tuple[str, ...]] = {
    "Strict-Transport-Security": (),
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": (),
    "Content-Security-Policy": (),
}
SERVER_OWNED = frozenset(
    {
        "content-length",
        "content-type",
        "content-encoding",
        "server",
        "date",
        "transfer-encoding",
        "connection",
        "authorization",
        "www-authenticate",
    }
)
_CANONICAL = {name.lower(): name for name in ALLOWED}
MAX_VALUE_CHARS = 4096


def header_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` cannot be configured, or None when it can."""
    canonical = _CANONICAL.get(name.lower())
    if canonical is None:
        if name.lower() in SERVER_OWNED:
            return f"{name} is set by the server itself and cannot be configured"
        return f"HTTP header {name!r} cannot be configured: allowed are {', '.join(ALLOWED)}"
    if len(value) > MAX_VALUE_CHARS:
        return f"the value is longer than {MAX_VALUE_CHARS} characters"
    if not all(char == "\t" or " " <= char <= "~" for char in value):
        return "the value must be printable ASCII, without line breaks"
    allowed = ALLOWED[canonical]
    if allowed and value.strip().lower() not in allowed:
        return f"invalid value {value!r} for {canonical}: expected one of {', '.join(allowed)}"
    return None


def canonical_name(name: str) -> str:
    """The allowed header's usual spelling (names match case-insensitively)."""
    return _CANONICAL[name.lower()]
