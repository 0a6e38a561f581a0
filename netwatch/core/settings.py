"""Reusable field types for configuration models."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
)

from netwatch.durations import format_duration, parse_duration


class StrictModel(BaseModel):
    """Base for every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _to_seconds(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("expected a duration string such as 30s, 5m or 1h")
    return parse_duration(value)


Duration = Annotated[
    float,
    BeforeValidator(_to_seconds),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d))+$",
            "description": "A duration such as 500ms, 30s, 5m, 1h or 1h30m.",
        }
    ),
]
"""Seconds, written in the config as ``30s``, ``5m``, ``1h``."""


def _check_regex(value: Any) -> Any:
    if isinstance(value, str):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


Regex = Annotated[str, AfterValidator(_check_regex)]
"""A regular expression, checked to compile when the config loads."""


def split_listen_address(text: str) -> tuple[str, int]:
    """Split ``host:port`` or ``[v6]:port`` into its parts; raise ValueError when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(
            f"invalid listen address {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8934"
        )
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid port in listen address {text!r}: expected 1-65535")
    return host, int(port_text)


def is_loopback_host(host: str) -> bool:
    """True when ``host`` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_listen(value: Any) -> Any:
    if isinstance(value, str):
        split_listen_address(value)
    return value


ListenAddress = Annotated[str, BeforeValidator(_check_listen)]
"""``HOST:PORT`` to listen on."""
