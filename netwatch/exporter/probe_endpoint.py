"""The blackbox-style ``/probe?target=...&module=...`` endpoint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import yaml
from prometheus_client.core import Metric

from netwatch.core.secrets import mask_text, masked_dump
from netwatch.exporter.exposition import render
from netwatch.probes.base import run_probe
from netwatch.probes.metrics import result_families
from netwatch.probes.result import ProbeResult
from netwatch.probes.scope import ProbeScope, note, probe_scope
from netwatch.probes.targets import display_target

log = logging.getLogger("netwatch.probe")

DEFAULT_MODULE = "http_2xx"
MAX_TARGET_LENGTH = 2048
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no", ""})


class ProbeRequestError(ValueError):
    """The /probe request cannot be served (bad query, or a target the module's rules deny);
    the message, secrets masked, says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(mask_text(message))


@dataclass(frozen=True)
class ProbeReply:
    """What one /probe request yields: the metric families, and the debug log if asked."""

    families: list[Metric]
    # Set when the request had debug=true: a plain-text account of the probe, secrets masked.
    debug_text: str | None


def _single(query: dict[str, list[str]], name: str, default: str | None) -> str:
    values = query.get(name, [])
    if len(values) > 1:
        raise ProbeRequestError(f"parameter {name!r} given {len(values)} times")
    if not values:
        if default is None:
            raise ProbeRequestError(f"missing parameter {name!r}, e.g. /probe?{name}=...")
        return default
    return values[0]


def _debug_flag(query: dict[str, list[str]]) -> bool:
    value = _single(query, "debug", "false").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ProbeRequestError(f"parameter 'debug' must be true or false, got {value[:20]!r}")


def _rules_line(module: Any) -> str:
    if module.allowed_targets is None:
        return "Allowed targets: any, except loopback, link-local, cloud metadata, unspecified, "\
            "multicast and broadcast addresses"  # fmt: skip
    return f"Allowed targets: {', '.join(module.allowed_targets)}"


def _debug_text(
    name: str, module: Any, service: str, scope: ProbeScope, result: ProbeResult,
    families: list[Metric],
) -> str:  # fmt: skip
    """A blackbox_exporter-like account: the steps, the verdict, the metrics, the module."""
    settings = {key: value for key, value in masked_dump(module).items() if value is not None}
    verdict = "succeeded" if result.success else f"failed ({result.reason})"
    detail = f": {result.detail}" if result.detail else ""
    lines = [
        f"Probe of {service} with module {name} (prober {module.prober})",
        _rules_line(module),
        "",
        "Logs for the probe:",
        *(scope.trail or []),
        f"Probe {verdict} after {result.duration:.6f}s{detail}",
        "Network time by phase (their sum is the duration; set-up is not counted):",
        *(f"Warning {kind}: {text}" for kind, text in sorted(result.warnings.items())),
        *(f"  phase {phase}: {seconds:.6f}s" for phase, seconds in sorted(result.phases.items())),
        *(f"  {key}: {value}" for key, value in sorted(result.info.items())),
        "",
        "Metrics that would have been returned:",
        render([family for family in families if family.samples], None, None)[0].decode(),
        "Module configuration:",
        yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
    ]
    return mask_text("\n".join(lines))


class ProbeEndpoint:
    """Runs one probe per request with a module from ``probe_modules``."""

    def __init__(self, modules: dict[str, Any], default_timeout: float) -> None:
        self.modules = modules
        self.default_timeout = default_timeout

    async def handle(self, query_string: str, budget: float) -> ProbeReply:
        """Probe the requested target within ``budget`` seconds on the running event loop.

        Raises :class:`ProbeRequestError` for a bad query, a module that sends credentials
        without ``allowed_targets``, and a target the module's rules deny.
        """
        query = parse_qs(query_string, keep_blank_values=True)
        target = _single(query, "target", None).strip()
        if not target or len(target) > MAX_TARGET_LENGTH:
            raise ProbeRequestError("parameter 'target' must be 1-2048 characters")
        name = _single(query, "module", DEFAULT_MODULE)
        module = self.modules.get(name)
        if module is None:
            known = ", ".join(sorted(self.modules)) or "none"
            raise ProbeRequestError(f"unknown module {name!r}; configured modules: {known}")
        credentials = module.credentials()
        if credentials and module.allowed_targets is None:
            raise ProbeRequestError(
                f"module {name!r} sends credentials ({', '.join(credentials)}) and has no "
                f"allowed_targets: /probe refuses it; list the targets in "
                f"probe_modules.{name}.allowed_targets"
            )
        service = _single(query, "service", display_target(target))
        debug = _debug_flag(query)
        timeout = min(module.timeout or self.default_timeout, budget)
        scope = ProbeScope(module.target_rules(name), trail=[] if debug else None)
        with probe_scope(scope):
            note(f"probing {target} with module {name}, timeout {timeout:g}s")
            result = await run_probe(module.prober_impl(), target, module.params(), timeout)
        log.debug(
            "probe module=%s target=%s: %s", name, target,
            "success" if result.success else f"{result.reason}: {result.detail}",
        )  # fmt: skip
        if scope.target_denied is not None:
            raise ProbeRequestError(scope.target_denied)
        families = result_families([(service, module.prober, result)])
        text = _debug_text(name, module, service, scope, result, families) if debug else None
        return ProbeReply(families, text)
