"""Configuration of services to probe and of /probe modules.

A service names one prober and may carry a section named after it with that
prober's parameters::

    services:
      - name: portal
        prober: http
        target: https://portal.ubnd.local/
        http:
          valid_status_codes: [200]
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field, create_model, field_validator, model_validator

from netwatch.core.settings import Duration, StrictModel
from netwatch.probes.base import Prober, probers
from netwatch.probes.rules import TargetRules, parse_entry

SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
RESERVED_LABELS = frozenset({"service", "kind", "target", "type", "job", "instance", "phase"})


class _ProbeSpecBase(StrictModel):
    """Fields shared by services and /probe modules: the prober and its parameters."""

    prober: str = Field(description="Which prober runs (one of the probers in docs/probes.md).")
    timeout: Duration | None = Field(
        None, description="Hard limit for one probe; default: collectors.services.probe_timeout."
    )

    @field_validator("prober")
    @classmethod
    def _known_prober(cls, value: str) -> str:
        if value not in probers():
            raise ValueError(f"unknown prober {value!r}; use one of: {', '.join(probers())}")
        return value

    @model_validator(mode="after")
    def _only_own_section(self) -> _ProbeSpecBase:
        for name in probers():
            if name != self.prober and getattr(self, name, None) is not None:
                raise ValueError(
                    f"section {name!r} does not apply to prober {self.prober!r}; "
                    f"put the parameters under {self.prober!r}"
                )
        return self

    def params(self) -> StrictModel:
        """The prober's parameters: the service's section, or the prober's defaults."""
        section = getattr(self, self.prober, None)
        return section if section is not None else probers()[self.prober].params_model()

    def prober_impl(self) -> Prober:
        """The prober this spec runs."""
        return probers()[self.prober]


class _ServiceBase(_ProbeSpecBase):
    """One service to probe on a schedule."""

    name: str = Field(
        description="Short unique name, used as the `service` label (letters, digits, . _ -)."
    )
    target: str = Field(description="What to probe: a URL for http, HOST:PORT or a host name.")
    interval: Duration | None = Field(
        None, description="Time between probes; default: collectors.services.interval."
    )
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="Extra labels on netwatch_probe_info (e.g. site, owner) for dashboards.",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not SERVICE_NAME.match(value):
            raise ValueError(
                f"invalid service name {value!r}: use 1-64 letters, digits, '.', '_' or '-'"
            )
        return value

    @field_validator("target")
    @classmethod
    def _non_empty_target(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("target must not be empty")
        return value.strip()

    @field_validator("labels")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not LABEL_NAME.match(key) or key.startswith("__"):
                raise ValueError(f"invalid label name {key!r}")
            if key in RESERVED_LABELS:
                raise ValueError(f"label name {key!r} is reserved")
        return value


@runtime_checkable
class _SendsCredentials(Protocol):
    def credentials(self) -> list[str]: ...


class _ModuleBase(_ProbeSpecBase):
    """One /probe module: a prober, its parameters and the targets callers may name."""

    allowed_targets: list[str] | None = Field(
        None,
        description="Targets /probe may reach with this module: CIDR networks or addresses "
        "(10.20.0.0/16, 192.168.1.10, fd00::/8), host names (portal.ubnd.local) and domain "
        "suffixes (*.ubnd.local). Unset: any target except loopback, link-local, cloud "
        "metadata, unspecified, multicast and broadcast addresses (private LAN ranges are "
        "allowed). Those ranges are reached only when a network listed here covers them. "
        "Required when the module sends credentials (basic_auth, bearer token, secret "
        "headers).",
    )

    @field_validator("allowed_targets")
    @classmethod
    def _valid_entries(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("allowed_targets is empty: list targets, or leave it out")
        for entry in value:
            parse_entry(entry)
        return value

    @model_validator(mode="after")
    def _credentials_need_targets(self) -> _ModuleBase:
        credentials = self.credentials()
        if credentials and self.allowed_targets is None:
            raise ValueError(
                f"this module sends credentials ({', '.join(credentials)}) to the target a "
                "/probe caller names: list the targets that may receive them in "
                "allowed_targets"
            )
        return self

    def credentials(self) -> list[str]:
        """The settings of the prober's parameters that send credentials."""
        params = self.params()
        return params.credentials() if isinstance(params, _SendsCredentials) else []

    def target_rules(self, name: str) -> TargetRules:
        """The rules /probe applies to targets of this module, called ``name``."""
        return TargetRules.parse(self.allowed_targets, f"probe_modules.{name}.allowed_targets")


def _sections() -> dict[str, Any]:
    return {
        name: (prober.params_model | None, Field(None, description=prober.description))
        for name, prober in probers().items()
    }


@cache
def service_model() -> type[_ServiceBase]:
    """The model of one ``services:`` entry, with a section per prober."""
    return create_model("ServiceConfig", __base__=_ServiceBase, **_sections())


@cache
def module_model() -> type[_ModuleBase]:
    """The model of one ``probe_modules:`` entry (for the /probe endpoint)."""
    return create_model("ProbeModuleConfig", __base__=_ModuleBase, **_sections())


def default_modules() -> dict[str, BaseModel]:
    """Modules available at /probe when the config defines none."""
    model = module_model()
    return {prober.default_module: model(prober=name) for name, prober in probers().items()}


def unique_service_names(services: list[Any] | None) -> list[Any] | None:
    """Reject two services with one name (they would share metric series)."""
    if services is None:
        return None
    seen: set[str] = set()
    for service in services:
        if service.name in seen:
            raise ValueError(f"service name {service.name!r} is used twice")
        seen.add(service.name)
    return services
