"""Show the effective configuration as YAML with secrets masked, and its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr

from netwatch.config.model import config_model

MASK = "********"


def _masked(model: BaseModel) -> dict[str, Any]:
    """Dump ``model`` for humans, replacing every secret value with a fixed mask."""
    data = model.model_dump(mode="json")
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            data[name] = MASK if value.get_secret_value() else ""
        elif isinstance(value, BaseModel):
            data[name] = _masked(value)
        elif isinstance(value, (list, tuple)):
            data[name] = [
                _masked(item) if isinstance(item, BaseModel) else data[name][i]
                for i, item in enumerate(value)
            ]
        elif isinstance(value, dict):
            data[name] = {
                key: _masked(item) if isinstance(item, BaseModel) else data[name][key]
                for key, item in value.items()
            }
    return data


def render_yaml(config: BaseModel) -> str:
    """The effective config as YAML, secrets masked."""
    return yaml.safe_dump(_masked(config), sort_keys=False, allow_unicode=True)


def render_schema() -> str:
    """JSON Schema of the config file (for editors such as VS Code's YAML extension)."""
    schema = config_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netwatch configuration"
    return json.dumps(schema, indent=2, ensure_ascii=False)
