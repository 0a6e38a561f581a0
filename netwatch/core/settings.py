"""Reusable field types for configuration models."""

from __future__ import annotations

import ipaddress
import re
import ssl
from pathlib import Path
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

MAX_REGEX_LENGTH = 1000
MAX_PATH_LENGTH = 4096
_SHOWN = 60


def _shown(text: str) -> str:
    """``text`` quoted, cut to a readable length for an error message."""
    return repr(text) if len(text) <= _SHOWN else repr(text[:_SHOWN]) + "..."


class StrictModel(BaseModel):
    """Base for every config model: unknown keys are errors, values are frozen.

    Floats must be finite: ``.inf`` or ``.nan`` in a file is an error, not a timer that
    never fires.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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


def _check_regex(value: str) -> str:
    if len(value) > MAX_REGEX_LENGTH:
        raise ValueError(
            f"regular expression {_shown(value)} is {len(value)} characters long; "
            f"the limit is {MAX_REGEX_LENGTH}"
        )
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {_shown(value)}: {exc}") from None
    except (RecursionError, OverflowError, MemoryError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ValueError(
            f"regular expression {_shown(value)} is too complex to compile ({reason})"
        ) from None
    return value


Regex = Annotated[str, AfterValidator(_check_regex)]
"""A regular expression of at most 1,000 characters, checked to compile when the config loads."""


def check_readable_file(value: str, what: str = "file") -> str:
    """``value`` when it names a regular file this process can open; ValueError otherwise."""
    if not value or "\0" in value:
        raise ValueError(f"{what} path {_shown(value)} is empty or holds a NUL byte")
    if len(value) > MAX_PATH_LENGTH:
        raise ValueError(
            f"{what} path is {len(value)} characters long; the limit is {MAX_PATH_LENGTH}"
        )
    path = Path(value)
    try:
        if not path.is_file():
            raise ValueError(f"{what} {_shown(value)} does not exist or is not a file")
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ValueError(f"{what} {_shown(value)} cannot be read: {exc.strerror or exc}") from None
    return value


def _check_ca_file(value: str) -> str:
    check_readable_file(value, "CA file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=value)
    except OSError as exc:  # ssl.SSLError is one
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise ValueError(
            f"CA file {_shown(value)} holds no usable PEM certificates ({reason})"
        ) from None
    return value


CaFile = Annotated[str, AfterValidator(_check_ca_file)]
"""A readable PEM file of CA certificates, loaded once when the config is checked."""


def split_listen_address(text: str) -> tuple[str, int]:
    """Split ``host:port`` or ``[v6]:port`` into its parts; raise ValueError when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(
            f"invalid listen address {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8934"
        )
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not (
        port_text.isascii()
        and port_text.isdigit()
        and len(port_text) <= 5
        and 0 < int(port_text) < 65536
    ):
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


def _check_listen(value: str) -> str:
    split_listen_address(value)
    return value


ListenAddress = Annotated[str, AfterValidator(_check_listen)]
"""``HOST:PORT`` to listen on."""
