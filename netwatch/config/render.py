"""Show the effective configuration as YAML with secrets masked, and its JSON Schema."""

from __future__ import annotations

import json

import yaml
from pydantic import BaseModel

from netwatch.config.model import config_model
from netwatch.core.secrets import REDACTED, masked_dump

# What every masked value shows (see netwatch.core.secrets).
MASK = REDACTED


def render_yaml(config: BaseModel) -> str:
    """The effective config as YAML: secret fields (passwords, tokens, request bodies),
    headers with secret-looking names and credentials inside URLs are masked."""
    return yaml.safe_dump(masked_dump(config), sort_keys=False, allow_unicode=True)


def render_schema() -> str:
    """JSON Schema of the config file (for editors such as VS Code's YAML extension)."""
    schema = config_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netwatch configuration"
    return json.dumps(schema, indent=2, ensure_ascii=False)
