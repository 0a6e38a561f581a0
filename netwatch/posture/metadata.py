"""Check metadata files: the texts and classification of each check module, beside it.

``checks/windows/accounts.py`` holds the ``windows.accounts.*`` checks and
``checks/windows/accounts.yaml`` their titles, rationales and remediations in English and
Vietnamese, category and severity, keyed by the rest of the id (``guest_disabled``). A
translator edits the YAML only; it is validated into :class:`CheckMeta` when the checks
load, and a bad entry is a :class:`ConfigError` naming the file and line.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from pydantic import BaseModel, Field, field_validator

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import ConfigError, ConfigProblem, parse_yaml, validate_model
from netwatch.posture.model import CATEGORIES, PLATFORMS, CheckMeta, Severity, Text

CHECKS_PACKAGE = ".checks."


class TextEntry(StrictModel):
    """A text in both languages."""

    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)


class CheckEntry(StrictModel):
    """One check's entry in a metadata file."""

    title: TextEntry
    rationale: TextEntry
    remediation: TextEntry
    category: str
    severity: Severity

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"must be one of {', '.join(CATEGORIES)}")
        return value


def area_of(module: str) -> str:
    """The id prefix a check module holds: ``...checks.windows.accounts`` → ``windows.accounts``."""
    _, found, area = module.partition(CHECKS_PACKAGE)
    if not found:
        raise ValueError(f"check module {module!r} is not inside a 'checks' package")
    return area


def metadata_source(module: str) -> str:
    """The metadata file of ``module`` as a path people recognise."""
    return module.replace(".", "/") + ".yaml"


@cache
def module_entries(module: str) -> dict[str, CheckEntry]:
    """The validated entries of the metadata file beside ``module``."""
    package, _, name = module.rpartition(".")
    source = metadata_source(module)
    try:
        text = (resources.files(package) / f"{name}.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = ConfigProblem("", f"cannot read the check texts: {exc}")
        raise ConfigError(source, [problem]) from None
    data, lines = parse_yaml(text, source)
    return {
        str(key): validate_model(CheckEntry, value, lines, source, (key,))
        for key, value in data.items()
    }


def check_meta(
    check_id: str, module: str, params_model: type[BaseModel] | None, timeout: float
) -> CheckMeta:
    """The metadata of ``check_id`` defined in ``module``, from the file beside it."""
    area = area_of(module)
    if not check_id.startswith(area + "."):
        raise ValueError(f"check {check_id!r} belongs in the module of {area}.*, not {module}")
    key = check_id[len(area) + 1 :]
    entry = module_entries(module).get(key)
    if entry is None:
        problem = ConfigProblem(key, f"no entry for check {check_id}")
        raise ConfigError(metadata_source(module), [problem])
    platform = check_id.split(".", 1)[0]
    return CheckMeta(
        id=check_id,
        title=Text(entry.title.en, entry.title.vi),
        rationale=Text(entry.rationale.en, entry.rationale.vi),
        remediation=Text(entry.remediation.en, entry.remediation.vi),
        category=entry.category,
        severity=entry.severity,
        platforms=(platform,) if platform in PLATFORMS else PLATFORMS,
        params_model=params_model,
        timeout=timeout,
    )


def orphan_entries(module: str, check_ids: set[str]) -> list[str]:
    """Entries of the metadata file of ``module`` that no check of the module uses."""
    area = area_of(module)
    return sorted(key for key in module_entries(module) if f"{area}.{key}" not in check_ids)
