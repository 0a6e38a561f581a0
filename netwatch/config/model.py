"""The configuration model: every setting has an embedded default."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import Field, create_model, field_validator

from netwatch.collectors.registry import CollectorSpec, builtin_specs
from netwatch.core.settings import Duration, ListenAddress, StrictModel
from netwatch.probes.config import (
    default_modules,
    module_model,
    service_model,
    unique_service_names,
)

DEFAULT_PORT = 8934
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"


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


class LogSettings(StrictModel):
    """Agent logging (to standard error)."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["text", "json"] = "text"


class RootConfig(StrictModel):
    """The typed part of the configuration file's model.

    :func:`config_model` subclasses it with the sections the plugins define (each
    collector's settings, the prober sections of ``services`` and ``probe_modules``).
    """

    server: ServerSettings = Field(default_factory=ServerSettings)
    log: LogSettings = Field(default_factory=LogSettings)
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
