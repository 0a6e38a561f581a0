"""Assemble the running agent: config -> collectors -> engine -> HTTP server."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from netwatch.collectors.registry import CollectorSpec, builtin_specs
from netwatch.config.model import RootConfig
from netwatch.core.errors import UsageError
from netwatch.core.settings import is_loopback_host, split_listen_address
from netwatch.engine import Engine, EngineCollector
from netwatch.hostaccess import HostAccess

log = logging.getLogger("netwatch.agent")


class _BrokenCollector:
    """Stands in for a collector whose construction failed, reporting why on every run."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def collect(self) -> Iterable[Any]:
        raise self._error


def with_overrides(
    config: RootConfig,
    listen: str | None = None,
    insecure: bool | None = None,
    web_config: str | None = None,
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
) -> RootConfig:
    """Apply command-line flags over the file's settings; re-validates the result."""
    known = set(type(config.collectors).model_fields)
    unknown = sorted((set(enable) | set(disable)) - known)
    if unknown:
        raise UsageError(
            f"unknown collector(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    both = sorted(set(enable) & set(disable))
    if both:
        raise UsageError(f"collector(s) both enabled and disabled: {', '.join(both)}")
    server_update: dict[str, Any] = {}
    if listen is not None:
        try:
            split_listen_address(listen)
        except ValueError as exc:
            raise UsageError(f"--listen: {exc}") from None
        server_update["listen"] = listen
    if insecure is not None:
        server_update["insecure"] = insecure
    if web_config is not None:
        server_update["web_config"] = web_config
    collectors_update = {
        name: getattr(config.collectors, name).model_copy(update={"enabled": name in enable})
        for name in (*enable, *disable)
    }
    # model_copy keeps every other value as validated (secrets stay secrets).
    return config.model_copy(
        update={
            "server": config.server.model_copy(update=server_update),
            "collectors": config.collectors.model_copy(update=collectors_update),
        }
    )


def listen_address(config: RootConfig, secured: bool = False) -> tuple[str, int]:
    """Where to listen, refusing plain unauthenticated HTTP on a network address.

    ``secured`` is True when the web config sets TLS or basic auth.
    """
    host, port = split_listen_address(config.server.listen)
    if not is_loopback_host(host) and not secured and not config.server.insecure:
        raise UsageError(
            f"refusing to serve on {config.server.listen} without TLS or basic auth: anyone "
            "on the network could read this host's inventory and security posture. Give a "
            "web config with TLS and/or basic_auth_users (--web-config FILE or "
            "server.web_config; see docs/security.md), listen on 127.0.0.1 (the default), or "
            "accept plain HTTP with --insecure (or server.insecure: true)."
        )
    return host, port


def build_collectors(
    config: RootConfig, access: HostAccess, specs: Sequence[CollectorSpec[Any]] | None = None
) -> list[EngineCollector]:
    """Instantiate every enabled collector with its settings."""
    chosen = specs if specs is not None else builtin_specs()
    result = []
    for spec in chosen:
        settings = getattr(config.collectors, spec.name)
        if not settings.enabled:
            continue
        try:
            collector = spec.factory(settings, access, config)
        except Exception as exc:  # noqa: BLE001 - reported through collector_success
            log.warning("collector %s could not start: %s", spec.name, exc)
            collector = _BrokenCollector(exc)
        interval = getattr(settings, "interval", None) if spec.scheduled else None
        result.append(EngineCollector(spec.name, collector, settings.timeout, interval))
    return result


def build_engine(config: RootConfig, access: HostAccess | None = None) -> Engine:
    """An engine (not yet started) for the enabled collectors of ``config``."""
    return Engine(build_collectors(config, access or HostAccess()))
