"""Show the effective configuration as YAML with secrets masked, and its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from netwatch.config.model import RootConfig, config_model
from netwatch.core.secrets import REDACTED, masked_dump

# What every masked value shows (see netwatch.core.secrets).
MASK = REDACTED


def _with_params(spec: Any, **update: Any) -> Any:
    """A service or /probe module with its prober's parameters filled in (defaults included)."""
    return spec.model_copy(update={spec.prober: spec.params(), **update})


def effective(config: RootConfig) -> RootConfig:
    """``config`` with the values the agent uses in place of unset ones: each service's
    timeout, interval and prober parameters, each /probe module's timeout and parameters."""
    defaults = config.collectors.services
    services = config.services
    if services is not None:
        services = [
            _with_params(service, timeout=service.timeout or defaults.probe_timeout,
                         interval=service.interval or defaults.interval)
            for service in services
        ]  # fmt: skip
    modules = {
        name: _with_params(module, timeout=module.timeout or defaults.probe_timeout)
        for name, module in config.probe_modules.items()
    }
    return config.model_copy(update={"services": services, "probe_modules": modules})


def _without_unset(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (``model`` dumped) without settings left unset: None where None is the
    default (an absent key means the same). A None the user chose (``max_rss: null``) stays."""
    shown = {}
    for name, value in data.items():
        attribute = getattr(model, name)
        field = type(model).model_fields.get(name)
        if attribute is None and field is not None and field.default is None:
            continue
        shown[name] = _prune(attribute, value)
    return shown


def _prune(attribute: Any, value: Any) -> Any:
    if isinstance(attribute, BaseModel) and isinstance(value, dict):
        return _without_unset(attribute, value)
    if isinstance(attribute, (list, tuple)) and isinstance(value, list):
        return [_prune(item, shown) for item, shown in zip(attribute, value, strict=True)]
    if isinstance(attribute, dict) and isinstance(value, dict):
        return {key: _prune(attribute[key], shown) for key, shown in value.items()}
    return value


def _loadable_params(spec: Any, data: dict[str, Any]) -> None:
    """Leave out of ``data[spec.prober]`` the unset sections its prober refuses when given
    (tcp's tls_config without tls), so that the shown config loads as it is."""
    params = spec.params()
    shown = data[spec.prober]
    for name in type(params).model_fields:
        try:
            type(params).model_validate(shown)
        except ValidationError:
            if name not in params.model_fields_set and isinstance(getattr(params, name), BaseModel):
                shown = {key: item for key, item in shown.items() if key != name}
        else:
            break
    data[spec.prober] = shown


def render_yaml(config: BaseModel) -> str:
    """The effective config as YAML: defaults filled in, unset optional settings and the
    sections of probers not in use left out; secret fields (passwords, tokens, request
    bodies), headers with secret-looking names and credentials inside URLs are masked."""
    if not isinstance(config, RootConfig):
        return yaml.safe_dump(masked_dump(config), sort_keys=False, allow_unicode=True)
    shown = effective(config)
    data = _without_unset(shown, masked_dump(shown))
    for service, dumped in zip(shown.services or [], data.get("services", []), strict=True):
        _loadable_params(service, dumped)
    for name, module in shown.probe_modules.items():
        _loadable_params(module, data["probe_modules"][name])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def render_schema() -> str:
    """JSON Schema of the config file (for editors such as VS Code's YAML extension)."""
    schema = config_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netwatch configuration"
    return json.dumps(schema, indent=2, ensure_ascii=False)
