"""Load the agent's YAML config file against the config model assembled from the plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from netwatch.config.model import RootConfig, config_model
from netwatch.config.targets import target_problems
from netwatch.core.yamlfile import ConfigError, parse_yaml, read_text_file, validate_model


def parse_config_text(text: str, source: str, model: type[BaseModel] | None = None) -> Any:
    """Validate YAML text; raise :class:`ConfigError` naming every bad key and its line.

    Targets the probers would refuse are bad keys too (:mod:`netwatch.config.targets`).

    Nothing else escapes: a validator's unforeseen exception is a ConfigError too.
    """
    chosen = model or config_model()
    data, lines = parse_yaml(text, source)
    config = validate_model(chosen, data, lines, source)
    problems = target_problems(config, lines) if isinstance(config, RootConfig) else []
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | Path | None) -> RootConfig:
    """The effective config: the embedded defaults, overlaid by ``path`` when given."""
    if path is None:
        return config_model()()
    config: RootConfig = parse_config_text(read_text_file(path), str(path))
    web_config = config.server.web_config
    if web_config is not None and not Path(web_config).is_absolute():
        # Like Prometheus: relative paths in a file are relative to that file.
        absolute = str(Path(path).parent / web_config)
        config = config.model_copy(
            update={"server": config.server.model_copy(update={"web_config": absolute})}
        )
    return config
