"""Policies as data: which checks run, their parameters and severities, waivers, mappings.

A policy file can never make the agent run a command: it only selects built-in
checks and sets their declared parameters.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from netwatch.core.settings import Duration, StrictModel
from netwatch.core.yamlfile import (
    ConfigError,
    ConfigProblem,
    parse_yaml,
    read_text_file,
    validation_problems,
)
from netwatch.posture.frameworks import Framework, load_framework
from netwatch.posture.model import Check, Severity, Waiver
from netwatch.posture.registry import all_checks

BUILTIN_DIR = Path(__file__).parent / "policies"
BUILTIN_PREFIX = "builtin:"
MAX_EXTENDS_DEPTH = 5


class CheckSetting(StrictModel):
    """Per-check settings in a policy."""

    enabled: bool = True
    severity: Severity | None = None
    timeout: Duration | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class WaiverSetting(StrictModel):
    """An accepted exception: who approved it, why, and until when."""

    check: str
    reason: str = Field(min_length=3)
    approver: str = Field(min_length=2)
    expires: dt.date


class PolicyFile(StrictModel):
    """The YAML structure of a policy file."""

    name: str = Field(min_length=1)
    description: str = ""
    extends: str | None = None
    include: list[str] = Field(default_factory=lambda: ["*"])
    exclude: list[str] = Field(default_factory=list)
    checks: dict[str, CheckSetting] = Field(default_factory=dict)
    waivers: list[WaiverSetting] = Field(default_factory=list)
    frameworks: list[str] = Field(default_factory=list)

    @field_validator("include", "exclude")
    @classmethod
    def _patterns_not_empty(cls, value: list[str]) -> list[str]:
        if any(not pattern.strip() for pattern in value):
            raise ValueError("empty check pattern")
        return value


@dataclass(frozen=True)
class SelectedCheck:
    """A check the policy runs, with its effective severity, parameters and timeout."""

    check: Check
    severity: Severity
    params: BaseModel | None
    timeout: float


@dataclass(frozen=True)
class Policy:
    """A resolved policy, ready to run."""

    name: str
    description: str
    sources: tuple[str, ...]
    selected: tuple[SelectedCheck, ...]
    waivers: dict[str, Waiver]
    frameworks: tuple[Framework, ...]

    def mappings(self, check_id: str) -> dict[str, tuple[str, ...]]:
        """Framework control ids the check maps to, by framework id."""
        found = {}
        for framework in self.frameworks:
            controls = framework.mappings.get(check_id)
            if controls:
                found[framework.id] = controls
        return found


def _resolve(reference: str, relative_to: Path | None) -> Path:
    if reference.startswith(BUILTIN_PREFIX):
        return BUILTIN_DIR / f"{reference[len(BUILTIN_PREFIX) :]}.yaml"
    path = Path(reference)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to.parent / path
    return path


def _read(path: Path) -> tuple[PolicyFile, dict[tuple[Any, ...], int], str]:
    source = str(path)
    text = read_text_file(path)
    data, lines = parse_yaml(text, source)
    try:
        return PolicyFile.model_validate(data), lines, source
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, lines)) from None


def _chain(path: Path) -> list[tuple[PolicyFile, dict[tuple[Any, ...], int], str, Path]]:
    """The policy and its ancestors, base first."""
    chain: list[tuple[PolicyFile, dict[tuple[Any, ...], int], str, Path]] = []
    current: Path | None = path
    while current is not None:
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise ConfigError(str(path), [ConfigProblem("extends", "too many levels of extends")])
        if chain and not current.is_file():
            child, lines, source, _ = chain[-1]
            raise ConfigError(
                source,
                [
                    ConfigProblem(
                        "extends",
                        f"cannot read {child.extends!r} ({current})",
                        lines.get(("extends",)),
                    )
                ],
            )
        policy, lines, source = _read(current)
        chain.append((policy, lines, source, current))
        current = _resolve(policy.extends, current) if policy.extends else None
    return list(reversed(chain))


def load_policy(path: str | Path | None, today: dt.date | None = None) -> Policy:
    """Load ``path`` (default: the built-in baseline); :class:`ConfigError` names file and key."""
    chosen = Path(path) if path is not None else BUILTIN_DIR / "baseline.yaml"
    day = today or dt.date.today()
    checks = {c.meta.id: c for c in all_checks()}
    include: list[str] = ["*"]
    exclude: list[str] = []
    settings: dict[str, dict[str, Any]] = {}
    waivers: dict[str, Waiver] = {}
    frameworks: dict[str, Framework] = {}
    sources = []
    for policy, lines, source, file_path in _chain(chosen):
        sources.append(source)
        _check_ids(policy, lines, source, checks)
        if "include" in policy.model_fields_set:
            include = policy.include
        if "exclude" in policy.model_fields_set:
            exclude = policy.exclude
        for check_id, declared in policy.checks.items():
            merged = settings.setdefault(check_id, {})
            for key in declared.model_fields_set:
                value = getattr(declared, key)
                merged[key] = {**merged.get(key, {}), **value} if key == "params" else value
            merged.setdefault("lines", lines)
            merged["source"] = source
        for waiver in policy.waivers:
            waivers[waiver.check] = Waiver(
                check=waiver.check,
                reason=waiver.reason,
                approver=waiver.approver,
                expires=waiver.expires.isoformat(),
                expired=waiver.expires < day,
            )
        for reference in policy.frameworks:
            framework = load_framework(_resolve(reference, file_path))
            frameworks[framework.id] = framework
        name, description = policy.name, policy.description
    selected = []
    for check_id, check in checks.items():
        setting = settings.get(check_id, {})
        by_pattern = any(fnmatch.fnmatchcase(check_id, p) for p in include) and not any(
            fnmatch.fnmatchcase(check_id, p) for p in exclude
        )
        if not setting.get("enabled", by_pattern):  # an explicit `enabled` beats the patterns
            continue
        selected.append(
            SelectedCheck(
                check=check,
                severity=setting.get("severity") or check.meta.severity,
                params=_params(check, setting),
                timeout=setting.get("timeout") or check.meta.timeout,
            )
        )
    return Policy(name, description, tuple(sources), tuple(selected), waivers,
                  tuple(frameworks.values()))  # fmt: skip


def _check_ids(
    policy: PolicyFile, lines: dict[tuple[Any, ...], int], source: str, checks: dict[str, Check]
) -> None:
    problems = []
    for check_id in policy.checks:
        if check_id not in checks:
            problems.append(ConfigProblem(f"checks.{check_id}", "unknown check id",
                                          lines.get(("checks", check_id))))  # fmt: skip
    for index, waiver in enumerate(policy.waivers):
        if waiver.check not in checks:
            problems.append(ConfigProblem(f"waivers.{index}.check",
                                          f"unknown check id {waiver.check!r}",
                                          lines.get(("waivers", index, "check"))))  # fmt: skip
    if problems:
        raise ConfigError(source, problems)


def _params(check: Check, setting: dict[str, Any]) -> BaseModel | None:
    model = check.meta.params_model
    values = setting.get("params", {})
    if model is None:
        if values:
            lines = setting["lines"]
            raise ConfigError(setting["source"], [ConfigProblem(
                f"checks.{check.meta.id}.params", "this check takes no parameters",
                lines.get(("checks", check.meta.id, "params")))])  # fmt: skip
        return None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        prefix = ("checks", check.meta.id, "params")
        raise ConfigError(setting["source"],
                          validation_problems(exc, setting["lines"], prefix)) from None  # fmt: skip
