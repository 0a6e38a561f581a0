"""The configuration model: every setting has an embedded default."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    create_model,
    field_validator,
)

from netwatch.collectors.registry import CollectorSpec, builtin_specs
from netwatch.config.asset import AssetSettings
from netwatch.config.report import ReportSettings
from netwatch.core.settings import Duration, ListenAddress, StrictModel
from netwatch.logsetup import DEFAULT_REPEAT_LIMIT
from netwatch.probes.config import (
    default_modules,
    module_model,
    service_model,
    unique_service_names,
)

DEFAULT_PORT = 8934
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"

MIB = 1024 * 1024
# About five times the agent's own peak (49 MB after the first posture run, which runs
# in a child process and does not count): far above any normal load, low enough that a
# leak is stopped long before it hurts an office PC with 4 GB.
DEFAULT_MAX_RSS = 256 * MIB
MIN_MAX_RSS = 16 * MIB
MAX_MAX_RSS = 1024**4
_BYTE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
               "kib": 1024, "mib": 1024**2, "gib": 1024**3}  # fmt: skip
_BYTE_SIZE = re.compile(r"(\d+(?:\.\d+)?) ?([kmg]i?b|b)?", re.IGNORECASE)


def parse_byte_size(value: Any) -> int:
    """Bytes from ``256MiB``, ``200MB``, ``1.5GiB`` or a plain number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _BYTE_SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"invalid size {value!r}: use a number with a unit, e.g. 256MiB, 200MB or 1GiB"
        )
    return int(float(match.group(1)) * _BYTE_UNITS[(match.group(2) or "").lower()])


def format_byte_size(value: int) -> str:
    """The shortest exact ``256MiB`` style for ``value`` bytes."""
    for unit in ("GiB", "MiB", "KiB", "GB", "MB", "kB"):
        size = _BYTE_UNITS[unit.lower()]
        if value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}B"


ByteSize = Annotated[
    int,
    BeforeValidator(parse_byte_size),
    PlainSerializer(format_byte_size, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "pattern": r"^\d+(\.\d+)? ?([KMGkmg]i?[Bb]|[Bb])?$",
            "description": "A size such as 256MiB, 200MB or 1GiB (KB/MB/GB are powers of "
            "1000, KiB/MiB/GiB of 1024), or a number of bytes.",
        }
    ),
]
"""Bytes, written in the config as ``256MiB`` or ``200MB``."""


class ServerSettings(StrictModel):
    """The HTTP exporter."""

    listen: ListenAddress = Field(
        DEFAULT_LISTEN, description="HOST:PORT to serve /metrics on. Loopback by default."
    )
    insecure: bool = Field(
        False,
        description="Allow plain HTTP on a non-loopback address. Anyone on the network can then "
        "read the inventory and posture data.",
    )
    web_config: str | None = Field(
        None,
        description="Web config file in the Prometheus exporter-toolkit format: TLS, client "
        "certificates, basic auth, response headers (docs/web-config.md). With TLS or basic "
        "auth the agent may listen on a LAN address without insecure.",
    )
    max_concurrent_requests: int = Field(
        4,
        ge=1,
        le=64,
        description="Scrapes (/metrics, /sd) answered at once; more wait for a slot until "
        "their scrape timeout, then get HTTP 503.",
    )
    max_concurrent_probes: int = Field(
        16, ge=1, le=256, description="/probe requests run at once; more get HTTP 503."
    )
    max_connections: int = Field(
        512,
        ge=8,
        le=16384,
        description="Open connections at most. At the cap the connection idle the longest "
        "is closed to make room; when all are busy, new ones are refused.",
    )
    header_timeout: Duration = Field(
        10.0,
        le=300,
        description="Time a client has to send a request's headers (and the TLS handshake).",
    )
    idle_timeout: Duration = Field(
        120.0, le=3600, description="Time a kept-alive connection may wait for its next request."
    )
    scrape_timeout: Duration = Field(
        10.0,
        description="Upper bound for one scrape when Prometheus sends no "
        "X-Prometheus-Scrape-Timeout-Seconds header.",
    )
    max_rss: ByteSize | None = Field(
        DEFAULT_MAX_RSS,
        description="Memory ceiling: when the agent's resident memory stays above it, the "
        "agent logs one error and exits with code 75 for its service manager to restart it "
        "(netwatch_process_max_rss_bytes). null: no ceiling. The agent itself needs about "
        "50 MB; the posture checks run in a child process and do not count.",
    )

    @field_validator("max_rss")
    @classmethod
    def _max_rss_in_range(cls, value: int | None) -> int | None:
        if value is not None and not MIN_MAX_RSS <= value <= MAX_MAX_RSS:
            raise ValueError(
                f"{format_byte_size(value)} is outside {format_byte_size(MIN_MAX_RSS)}-"
                f"{format_byte_size(MAX_MAX_RSS)} (the agent itself needs about 50 MB; "
                "null for no ceiling)"
            )
        return value


class LogSettings(StrictModel):
    """Agent logging (to standard error; journald, or the Event Log for the Windows service)."""

    level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe level logged (--log-level overrides it)."
    )
    format: Literal["text", "json"] = Field(
        "text",
        description="text (one line per event) or json (one JSON object per line); "
        "--log-format overrides it.",
    )
    repeat_limit: int = Field(
        DEFAULT_REPEAT_LIMIT,
        ge=0,
        le=10000,
        description="The same message (logger, level and text before its values are filled "
        "in) is logged at most this many times a minute; the rest are counted and summed up "
        "in one line. 0: no limit.",
    )


class RootConfig(StrictModel):
    """The typed part of the configuration file's model.

    :func:`config_model` subclasses it with the sections the plugins define (each
    collector's settings, the prober sections of ``services`` and ``probe_modules``).
    """

    server: ServerSettings = Field(default_factory=ServerSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    asset: AssetSettings = Field(default_factory=AssetSettings)
    # One attribute per registered collector, built from the registry: typed Any here.
    collectors: Any = None
    services: list[Any] | None = None
    probe_modules: dict[str, Any] = Field(default_factory=dict)


@cache
def collectors_model(specs: tuple[CollectorSpec[Any], ...] | None = None) -> type[StrictModel]:
    """Build the ``collectors:`` model from the registered collectors' settings models."""
    chosen = specs if specs is not None else builtin_specs()
    fields: dict[str, Any] = {
        spec.name: (
            spec.settings_model,
            Field(default_factory=spec.settings_model, description=spec.description),
        )
        for spec in chosen
    }
    return create_model("CollectorsConfig", __base__=StrictModel, **fields)


@cache
def config_model() -> type[RootConfig]:
    """The whole configuration file's model."""
    collectors = collectors_model()
    # Built at run time, so typed Any: the type checker cannot use them as types.
    service: Any = service_model()
    module: Any = module_model()
    model = create_model(
        "NetwatchConfig",
        __base__=RootConfig,
        server=(ServerSettings, Field(default_factory=ServerSettings)),
        log=(LogSettings, Field(default_factory=LogSettings)),
        report=(ReportSettings, Field(default_factory=ReportSettings)),
        asset=(AssetSettings, Field(default_factory=AssetSettings)),
        collectors=(collectors, Field(default_factory=collectors)),
        services=(
            list[service] | None,
            Field(
                None,
                description="Services to probe. When absent, the default gateway and DNS "
                "resolvers are probed (collectors.services.discover).",
            ),
        ),
        probe_modules=(
            dict[str, module],
            Field(
                default_factory=default_modules,
                description="Modules for the blackbox-style /probe?target=...&module=... endpoint.",
            ),
        ),
        __validators__={"_unique_services": field_validator("services")(_unique_services)},
    )
    return model


def _unique_services(cls: type, services: list[Any] | None) -> list[Any] | None:
    return unique_service_names(services)
