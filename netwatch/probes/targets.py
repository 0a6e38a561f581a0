"""Show probe targets safely: credentials and query strings never leave the agent."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def display_target(target: str) -> str:
    """``target`` without URL user-info, query or fragment (they may carry secrets)."""
    if "://" not in target:
        return target
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return target.split("://", 1)[0] + "://(invalid URL)"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
