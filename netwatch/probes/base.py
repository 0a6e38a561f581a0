"""The prober interface and the map of probers."""

from __future__ import annotations

import asyncio
import errno
import importlib
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from netwatch.core.metrics import MetricSpec
from netwatch.core.plugins import import_plugins
from netwatch.core.settings import StrictModel
from netwatch.i18n import Message, msg
from netwatch.probes.result import ProbeFailure, ProbeResult, rounded

# Labels of every probe metric: the service's name and its prober ("kind", never "type").
PROBE_LABELS = ("service", "kind")

ProbeFunction = Callable[[str, Any, ProbeResult], Awaitable[None]]


@dataclass(frozen=True)
class Prober:
    """A prober: its name, its parameter model and the coroutine that probes.

    Each prober module defines ``PROBER`` and is found by walking ``netwatch.probes``.
    The coroutine fills the given :class:`ProbeResult` (phases, values, info)
    and either returns (success) or raises :class:`ProbeFailure`. It never
    needs to enforce the overall timeout: :func:`run_probe` cancels it.
    """

    name: str
    params_model: type[StrictModel]
    probe: ProbeFunction
    description: str
    # The /probe module it offers when the config defines none, e.g. "http_2xx".
    default_module: str
    # A ``services:`` entry in YAML for docs/probes.md (validated by the docs test).
    example: str
    # The numeric facts it may report in ProbeResult.values, each with its metric.
    value_metrics: Mapping[str, MetricSpec] = field(default_factory=dict)
    # Checks a target's syntax without the network (raises ProbeFailure("config")); the
    # probe runs the same check, and config validation calls it for each service.
    check_target: Callable[[str], object] | None = None
    # Blocking set-up for (target, params): imports, TLS contexts. Runs before the probe
    # and outside its phases, so that no set-up lands in a measurement; cached work only.
    prepare: Callable[[str, Any], None] | None = None


@cache
def probers() -> dict[str, Prober]:
    """Every prober by name, sorted: each module of ``netwatch.probes`` (and of extensions)
    that defines ``PROBER`` declares one, named as the module."""
    found = {}
    for module in import_plugins("netwatch.probes", "probes"):
        prober = getattr(importlib.import_module(module), "PROBER", None)
        if isinstance(prober, Prober):
            found[prober.name] = prober
    return dict(sorted(found.items()))


def classify_error(error: BaseException) -> tuple[str, str | Message]:
    """Map a network exception to a failure reason and a short detail (OS texts as read)."""
    if isinstance(error, ProbeFailure):
        return error.reason, error.message
    if isinstance(error, (asyncio.TimeoutError, TimeoutError, socket.timeout)):
        return "timeout", msg("timed out")
    if isinstance(error, socket.gaierror):
        return "resolve", msg("cannot resolve: {error}", error=error.strerror or str(error))
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or error.reason or str(error)
        return "tls", msg("certificate not trusted: {error}", error=why)
    if isinstance(error, ssl.SSLError):
        return "tls", msg("TLS error: {error}", error=error.reason or str(error))
    if isinstance(error, ConnectionRefusedError):
        return "refused", msg("connection refused")
    if isinstance(error, PermissionError):
        return "permission", msg("permission denied: {error}", error=error.strerror or str(error))
    if isinstance(error, OSError) and error.errno in (
        errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL
    ):  # fmt: skip
        return "unreachable", error.strerror or str(error)
    if isinstance(error, (ConnectionError, asyncio.IncompleteReadError, EOFError)):
        if str(error):
            return "connection", msg("connection closed: {error}", error=str(error))
        return "connection", msg("connection closed")
    if isinstance(error, OSError):
        return "connection", error.strerror or str(error)
    return "error", f"{type(error).__name__}: {error}"


@cache
def _warm_resolver() -> None:
    """Pay the first getaddrinfo's costs (the IDNA codec import, the C resolver's set-up)
    with a numeric address, which needs no lookup."""
    socket.getaddrinfo("127.0.0.1", None)


def prepare_probe(prober: Prober, target: str, params: Any) -> None:
    """The blocking set-up of one probe; cheap once done for the same settings."""
    _warm_resolver()
    if prober.prepare is not None:
        prober.prepare(target, params)


async def _prepare_and_probe(prober: Prober, target: str, params: Any, result: ProbeResult) -> None:
    # Set-up runs on a worker thread: it never blocks the loop under other probes' phases.
    await asyncio.get_running_loop().run_in_executor(None, prepare_probe, prober, target, params)
    await prober.probe(target, params, result)


async def run_probe(prober: Prober, target: str, params: Any, timeout: float) -> ProbeResult:
    """Run one probe; it never outlives ``timeout`` seconds and never raises.

    Its duration is the sum of its phases (network events only), not the wall time
    around it: set-up, scheduling and the probe's own pauses (ICMP intervals) are left out.
    """
    result = ProbeResult()
    try:
        await asyncio.wait_for(_prepare_and_probe(prober, target, params, result), timeout)
    except asyncio.CancelledError:
        raise
    except (asyncio.TimeoutError, TimeoutError):
        result.fail(
            "timeout", msg("no complete answer within {seconds}s", seconds=rounded(timeout, 3))
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a result
        result.fail(*classify_error(exc))
    else:
        result.succeed(result.detail)
    result.duration = result.total()
    return result
